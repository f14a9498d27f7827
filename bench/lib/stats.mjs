export function quantile(values, q) {
	const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
	if (v.length === 0) return NaN;
	const pos = (v.length - 1) * q;
	const lo = Math.floor(pos);
	const hi = Math.ceil(pos);
	return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

export const median = (values) => quantile(values, 0.5);

/** Formats a number for the table: 3 significant digits, thousands separated. */
export function fmt(value, digits = 3) {
	if (value === undefined || value === null || Number.isNaN(value)) return '—';
	if (typeof value === 'string') return value;
	if (value === 0) return '0';
	const abs = Math.abs(value);
	if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
	const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
	return value.toFixed(Math.min(decimals, 3));
}

export function bytes(n) {
	if (!Number.isFinite(n)) return '—';
	if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(2)} MiB`;
	if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
	return `${n} B`;
}
