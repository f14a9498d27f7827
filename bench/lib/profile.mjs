// Summarises V8 CPU profiles (.cpuprofile, from `node --cpu-prof`): self time by function and by
// package (n8n, n8n-workflow, this package, node internals, …), and total (inclusive) time of the
// functions of this package, as Markdown.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

function area(url) {
	if (!url) return '(native / V8)';
	if (url.includes('/n8n-nodes-ispm/dist/')) return 'n8n-nodes-ispm';
	const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(url);
	if (m) return m[1];
	if (url.startsWith('node:')) return 'node internals';
	return url;
}

export function summariseProfiles(dir, { top = 40 } = {}) {
	const files = readdirSync(dir)
		.filter((f) => f.endsWith('.cpuprofile'))
		.map((f) => path.join(dir, f))
		.sort((a, b) => statSync(b).size - statSync(a).size);
	const out = [`# CPU profile summary`, '', `Profiles in ${dir}: ${files.map((f) => path.basename(f)).join(', ')}`, ''];
	for (const file of files) {
		const prof = JSON.parse(readFileSync(file, 'utf8'));
		const byId = new Map(prof.nodes.map((n) => [n.id, n]));
		const parent = new Map();
		for (const n of prof.nodes) for (const c of n.children || []) parent.set(c, n.id);
		const selfUs = new Map();
		const deltas = prof.timeDeltas;
		for (let i = 0; i < prof.samples.length; i += 1) {
			const id = prof.samples[i];
			selfUs.set(id, (selfUs.get(id) || 0) + (deltas[i] || 0));
		}
		const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
		const fnKey = (n) => `${n.callFrame.functionName || '(anonymous)'} ${area(n.callFrame.url)}:${path.basename(n.callFrame.url || '')}:${n.callFrame.lineNumber + 1}`;
		const byFn = new Map();
		const byArea = new Map();
		const inclusiveOwn = new Map(); // this package's functions, inclusive time (counted once per sample stack)
		for (const [id, us] of selfUs) {
			const n = byId.get(id);
			byFn.set(fnKey(n), (byFn.get(fnKey(n)) || 0) + us);
			const a = area(n.callFrame.url);
			byArea.set(a, (byArea.get(a) || 0) + us);
			const seen = new Set();
			for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
				const cn = byId.get(cur);
				if (area(cn.callFrame.url) === 'n8n-nodes-ispm') {
					const k = fnKey(cn);
					if (!seen.has(k)) {
						seen.add(k);
						inclusiveOwn.set(k, (inclusiveOwn.get(k) || 0) + us);
					}
				}
			}
		}
		const pct = (us) => `${((us / total) * 100).toFixed(1)}%`;
		const ms = (us) => `${(us / 1000).toFixed(0)} ms`;
		out.push(`## ${path.basename(file)}: ${ms(total)} sampled`, '');
		out.push('| self time by package | ms | share |', '|---|---|---|');
		for (const [a, us] of [...byArea].sort((x, y) => y[1] - x[1]).slice(0, 15)) out.push(`| ${a} | ${ms(us)} | ${pct(us)} |`);
		out.push('', '| self time by function | ms | share |', '|---|---|---|');
		for (const [k, us] of [...byFn].sort((x, y) => y[1] - x[1]).slice(0, top)) out.push(`| ${k.replace(/\|/g, '\\|')} | ${ms(us)} | ${pct(us)} |`);
		out.push('', '| n8n-nodes-ispm functions, inclusive time | ms | share |', '|---|---|---|');
		for (const [k, us] of [...inclusiveOwn].sort((x, y) => y[1] - x[1]).slice(0, 25)) out.push(`| ${k.replace(/\|/g, '\\|')} | ${ms(us)} | ${pct(us)} |`);
		out.push('');
	}
	return out.join('\n');
}
