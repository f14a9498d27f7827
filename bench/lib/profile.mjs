// Summarises V8 CPU profiles (.cpuprofile, from `node --cpu-prof` on the n8n process) as Markdown: for
// each benchmark variant (the samples inside its measured bursts, matched on the monotonic clock both
// V8 and process.hrtime use), CPU time by package (n8n, typeorm, this package, …), the functions with
// the most self time, and the inclusive time of this package's functions.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

function area(url) {
	if (!url) return '(V8: program, GC, native)';
	if (url.includes('/n8n-nodes-ispm/dist/')) return '**n8n-nodes-ispm**';
	const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(url);
	if (m) return m[1];
	if (url.startsWith('node:')) return 'node internals';
	return url;
}

const ms = (us) => `${(us / 1000).toFixed(0)} ms`;
const esc = (s) => s.replace(/\|/g, '\\|');

function load(file) {
	const prof = JSON.parse(readFileSync(file, 'utf8'));
	const byId = new Map(prof.nodes.map((n) => [n.id, n]));
	const parent = new Map();
	for (const n of prof.nodes) for (const c of n.children || []) parent.set(c, n.id);
	const samples = [];
	let t = prof.startTime;
	for (let i = 0; i < prof.samples.length; i += 1) {
		t += prof.timeDeltas[i] || 0;
		const next = prof.timeDeltas[i + 1] ?? 0;
		samples.push({ id: prof.samples[i], t, us: next > 0 ? next : 0 });
	}
	return { byId, parent, samples };
}

function summarise(prof, samples, { top = 30, perDelivery }) {
	const { byId, parent } = prof;
	const fnKey = (n) =>
		`${n.callFrame.functionName || '(anonymous)'} ${area(n.callFrame.url)}:${path.basename(n.callFrame.url || '')}:${n.callFrame.lineNumber + 1}`;
	const byFn = new Map();
	const byArea = new Map();
	const inclusiveOwn = new Map();
	let busy = 0;
	for (const { id, us } of samples) {
		const n = byId.get(id);
		if (n.callFrame.functionName === '(idle)') continue;
		busy += us;
		byFn.set(fnKey(n), (byFn.get(fnKey(n)) || 0) + us);
		const a = area(n.callFrame.url);
		byArea.set(a, (byArea.get(a) || 0) + us);
		const seen = new Set();
		for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
			const cn = byId.get(cur);
			if (area(cn.callFrame.url) === '**n8n-nodes-ispm**') {
				const k = fnKey(cn);
				if (!seen.has(k)) {
					seen.add(k);
					inclusiveOwn.set(k, (inclusiveOwn.get(k) || 0) + us);
				}
			}
		}
	}
	const pct = (us) => `${((us / busy) * 100).toFixed(1)}%`;
	const per = (us) => (perDelivery ? ` | ${(us / 1000 / perDelivery).toFixed(2)}` : '');
	const head = perDelivery ? ' | ms per delivery' : '';
	const sep = perDelivery ? '|---' : '';
	const out = [
		`Busy (non-idle) main-thread time sampled: ${ms(busy)}${perDelivery ? ` for ${perDelivery} deliveries (${(busy / 1000 / perDelivery).toFixed(2)} ms each)` : ''}.`,
		'',
	];
	out.push(`| self time by package | ms | share${head} |`, `|---|---|---${sep}|`);
	for (const [a, us] of [...byArea].sort((x, y) => y[1] - x[1]).slice(0, 12))
		out.push(`| ${a} | ${ms(us)} | ${pct(us)}${per(us)} |`);
	out.push('', `| self time by function | ms | share |`, '|---|---|---|');
	for (const [k, us] of [...byFn].sort((x, y) => y[1] - x[1]).slice(0, top))
		out.push(`| ${esc(k)} | ${ms(us)} | ${pct(us)} |`);
	if (inclusiveOwn.size) {
		out.push(
			'',
			`| n8n-nodes-ispm functions, inclusive time | ms | share${head} |`,
			`|---|---|---${sep}|`,
		);
		for (const [k, us] of [...inclusiveOwn].sort((x, y) => y[1] - x[1]).slice(0, 20))
			out.push(`| ${esc(k)} | ${ms(us)} | ${pct(us)}${per(us)} |`);
	}
	out.push('');
	return out.join('\n');
}

/**
 * windows: [{ label, t0, t1, deliveries? }] in µs of the monotonic clock. Without windows, the whole
 * profile is summarised.
 */
export function summariseProfiles(dir, { windows = [], deliveries = {} } = {}) {
	const files = readdirSync(dir)
		.filter((f) => f.endsWith('.cpuprofile'))
		.map((f) => path.join(dir, f))
		.sort((a, b) => statSync(b).size - statSync(a).size);
	if (!files.length) return `# CPU profile summary\n\nNo profile in ${dir}.\n`;
	// The largest profile is n8n's main process (the others are its task runner).
	const prof = load(files[0]);
	const out = ['# CPU profile summary (n8n main process)', '', `Profile: ${files[0]}`, ''];
	const labels = [...new Set(windows.map((w) => w.label))];
	for (const label of labels) {
		const ws = windows.filter((w) => w.label === label);
		const inside = prof.samples.filter((s) => ws.some((w) => s.t >= w.t0 && s.t <= w.t1));
		out.push(`## ${label}`, '');
		out.push(summarise(prof, inside, { perDelivery: deliveries[label], top: 25 }));
	}
	out.push('## whole process (start-up included)', '');
	out.push(summarise(prof, prof.samples, { top: 20 }));
	return out.join('\n');
}
