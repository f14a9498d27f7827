// RESULTS.md from one run's results (also re-rendered from RESULTS.json with --report-from).
import { bytes, fmt, median } from './stats.mjs';
import * as fx from './fixtures.mjs';

/** How a result key (`vm`, `legacy`, `vm-lazy`, `queue:legacy`, …) is named in the tables. */
export function label(key) {
	const [mode, engine] = key.includes(':') ? key.split(':') : ['regular', key];
	const e =
		{ vm: 'default `vm`', legacy: '`legacy`', 'vm-lazy': '`vm` + lazy acquire' }[engine] ??
		`\`${engine}\``;
	return mode === 'queue' ? `queue mode, ${e}` : e;
}

const isLegacy = (key) => key.endsWith('legacy');
const isQueue = (key) => key.startsWith('queue:');

export function report({
	results,
	staticSizes = {},
	dropped = {},
	rechecked = {},
	meta,
	options: opts,
}) {
	const lines = [];
	const keys = Object.keys(results);
	const get = (k, v) => results[k]?.[v] || [];
	const m = (k, v, field) => median(get(k, v).map((r) => r[field]));
	/** Median over rounds of a[field] / b[field] (or b / a with invert), paired by round. */
	const ratio = (k, a, b, field = 'perSec', invert = false) => {
		const out = [];
		for (const x of get(k, a)) {
			const y = get(k, b).find((r) => r.round === x.round);
			if (y) out.push(invert ? y[field] / x[field] : x[field] / y[field]);
		}
		return median(out);
	};
	const has = (k, ...vs) => vs.every((v) => get(k, v).length);
	const row = (...cells) => lines.push(`| ${cells.join(' | ')} |`);
	const x = (v) => (Number.isFinite(v) ? `${fmt(v)}×` : '—');

	lines.push("# Benchmarks: n8n-nodes-ispm against n8n's own nodes");
	lines.push('');
	lines.push(
		`n8n ${meta.n8nVersion} · Node.js ${meta.nodeVersion} · ${meta.cores} cores (${meta.cpu}) · package at ${meta.commit} · ISPM Issue Trigger version ${opts.triggerVersion} · ${meta.date} · ` +
			`${opts.rounds} rounds; closed loop with ${opts.concurrency} clients, bursts of ≤ ${opts.burstMs} ms / ${opts.maxRequests} requests, backlog bursts of ${opts.backlogMs} ms · the run took ${meta.minutes} min${meta.quick ? ' (**quick mode**)' : ''}`,
	);
	lines.push('');
	lines.push(
		'Command: `npm run bench` (`node bench/run.mjs`; method in [README.md](README.md)). Regular mode: one n8n per expression engine; queue mode: main + 1 worker + 2 webhook processes, Postgres, Redis. ' +
			'Every workflow is imported into each, variants measured interleaved in rounds. Figures are medians of the rounds; a ratio is the median of the per-round ratios (both sides from the same round of the same n8n), ' +
			"so a ratio can differ from the quotient of the two medians. **Throughput** of deliveries that start an execution is **executions completed** (status `success` in n8n's database) per second, from the first request until the last of them stopped; " +
			"deliveries that start nothing are counted in answers per second; **latency** is the time to n8n's HTTP answer; **n8n CPU** is the user + system time of the n8n processes (all threads, /proc) during the burst and until its executions stopped, divided by the deliveries: " +
			'a cost measure that other load on the machine disturbs less than throughput does.',
	);
	lines.push('');
	lines.push(loadLine(results, meta));
	lines.push('');

	// ---- figures 1-4 ----
	lines.push("## Figures 1–4: this package against n8n's own nodes");
	lines.push('');
	lines.push(
		'| figure | mode, engine | this package | n8n built-in | ratio (package ÷ built-in) | goal |',
	);
	lines.push('|---|---|---|---|---|---|');
	for (const k of keys) {
		const e = label(k);
		if (has(k, 'ispm-accept', 'builtin-accept')) {
			const [a, b] = ['ispm-accept', 'builtin-accept'];
			row(
				'**1** executions completed/s: ISPM Issue Trigger → No Op vs Webhook (header auth) → No Op, new issues',
				e,
				fmt(m(k, a, 'perSec')),
				fmt(m(k, b, 'perSec')),
				x(ratio(k, a, b)),
				isLegacy(k) ? '≥ 1.0' : 'explain',
			);
			row(
				'1 p50 latency, ms',
				e,
				fmt(m(k, a, 'p50')),
				fmt(m(k, b, 'p50')),
				x(ratio(k, a, b, 'p50')),
				'lower is better',
			);
			row(
				'1 p99 latency, ms',
				e,
				fmt(m(k, a, 'p99')),
				fmt(m(k, b, 'p99')),
				x(ratio(k, a, b, 'p99')),
				'lower is better',
			);
			row(
				'1 n8n CPU per accepted delivery, ms',
				e,
				fmt(m(k, a, 'cpuPerDelivery')),
				fmt(m(k, b, 'cpuPerDelivery')),
				x(ratio(k, a, b, 'cpuPerDelivery')),
				'lower is better',
			);
		}
		if (has(k, 'ispm-accept', 'builtin-dedup-accept')) {
			const [a, b] = ['ispm-accept', 'builtin-dedup-accept'];
			row(
				'1b executions completed/s vs the same job built from Webhook → Remove Duplicates → If → No Op',
				e,
				fmt(m(k, a, 'perSec')),
				fmt(m(k, b, 'perSec')),
				x(ratio(k, a, b)),
				'report',
			);
			row(
				'1b n8n CPU per accepted delivery, ms',
				e,
				fmt(m(k, a, 'cpuPerDelivery')),
				fmt(m(k, b, 'cpuPerDelivery')),
				x(ratio(k, a, b, 'cpuPerDelivery')),
				'lower is better',
			);
		}
		const drop = (v, builtin, builtinAccept, what) => {
			if (!has(k, v) || isQueue(k)) return;
			const hb = builtin && has(k, builtin);
			row(
				`**2** ${what} deliveries answered/s`,
				e,
				fmt(m(k, v, 'perSec')),
				hb ? fmt(m(k, builtin, 'perSec')) : '—',
				hb ? x(ratio(k, v, builtin)) : '—',
				'report',
			);
			if (has(k, 'ispm-accept')) {
				const hba = hb && has(k, builtinAccept);
				const cost = (a, acc) =>
					`${fmt(ratio(k, a, acc, 'cpuPerDelivery'))} CPU · ${fmt(ratio(k, a, acc, 'perSec', true))} throughput`;
				row(
					`2 ${what}: cost of one ÷ cost of an accepted one`,
					e,
					cost(v, 'ispm-accept'),
					hba ? cost(builtin, builtinAccept) : '—',
					'',
					isLegacy(k) ? '≤ 0.33' : 'report',
				);
			}
		};
		drop('ispm-duplicate', 'builtin-dedup-duplicate', 'builtin-dedup-accept', 'duplicate');
		drop('ispm-unselected', 'builtin-dedup-unselected', 'builtin-dedup-accept', 'unselected-type');
		drop('ispm-badkey', 'builtin-badkey', 'builtin-accept', 'bad-key');
		if (
			dropped[k] &&
			!isQueue(k) &&
			(has(k, 'ispm-duplicate') || has(k, 'ispm-unselected') || has(k, 'ispm-badkey'))
		) {
			row(
				'2 executions started by dropped deliveries (n8n database; every duplicate, unselected and bad-key burst, both memories)',
				e,
				`${dropped[k].executions} of ${dropped[k].deliveries}`,
				has(k, 'builtin-dedup-duplicate')
					? 'one per duplicate or unselected delivery (Remove Duplicates and If run inside an execution)'
					: '—',
				'',
				'0',
			);
		}
		if (has(k, 'scale-small', 'scale-large')) {
			const [a, b] = ['scale-small', 'scale-large'];
			row(
				'**3** executions completed/s, remembering 100 → 100,000 issues',
				e,
				`${fmt(m(k, a, 'perSec'))} → ${fmt(m(k, b, 'perSec'))}`,
				'—',
				'',
				'',
			);
			row(
				'3 n8n CPU per delivery, ms, remembering 100 → 100,000 issues',
				e,
				`${fmt(m(k, a, 'cpuPerDelivery'))} → ${fmt(m(k, b, 'cpuPerDelivery'))}`,
				'—',
				'',
				'',
			);
			row(
				'3 cost per delivery, 100,000 ÷ 100 remembered',
				e,
				`${fmt(ratio(k, b, a, 'cpuPerDelivery'))} CPU · ${fmt(ratio(k, a, b))} throughput`,
				'—',
				'',
				'≤ 1.2',
			);
		}
		if (has(k, 'scale-large')) {
			const st = staticSizes[k]?.[fx.WF.scaleLarge.id];
			if (st)
				row(
					'3 static data stored at the bound (100,000 issues)',
					e,
					`${bytes(st.size)} (${st.shape})`,
					'—',
					'',
					'report',
				);
			if (st?.persisted)
				row(
					'3 issues accepted in this run found in the stored memory afterwards',
					e,
					`${st.persisted.found} of ${st.persisted.of}`,
					'—',
					'',
					'all',
				);
		}
		if (has(k, 'send-ispm', 'send-http')) {
			const [a, b] = ['send-ispm', 'send-http'];
			row(
				`**4** sending ${opts.items} items, items/s while the node runs: ISPM Event Hook vs HTTP Request (defaults)`,
				e,
				fmt(m(k, a, 'perSec')),
				fmt(m(k, b, 'perSec')),
				x(ratio(k, a, b)),
				'≥ 3',
			);
			row(
				'4 n8n CPU per item, ms (whole execution)',
				e,
				fmt(m(k, a, 'cpuPerDelivery')),
				fmt(m(k, b, 'cpuPerDelivery')),
				x(ratio(k, a, b, 'cpuPerDelivery')),
				'lower is better',
			);
			row(
				`4 whole request (${opts.items} items in, workflow done), ms`,
				e,
				fmt(m(k, a, 'endToEndMs')),
				fmt(m(k, b, 'endToEndMs')),
				x(ratio(k, a, b, 'endToEndMs')),
				'lower is better',
			);
			if (has(k, 'send-ceiling')) {
				row(
					`4 share of the ceiling: a plain Node.js keep-alive client (${opts.ceilingConcurrency} in flight) at ${fmt(m(k, 'send-ceiling', 'perSec'))} items/s`,
					e,
					x(ratio(k, a, 'send-ceiling')),
					x(ratio(k, b, 'send-ceiling')),
					'',
					'close to 1',
				);
			}
		}
	}
	lines.push('');
	lines.push(
		`Figure 3's workflows were imported with their trigger's static data pre-filled (100 and 100,000 issues in the form the trigger saves; the 100,000 one is ${bytes(meta.importedLarge)} as imported). ` +
			'Figure 4 posts one request with the items to a Webhook → Split Out → node workflow answering when the last node is done; ' +
			"items/s is the number of items ÷ the node's own execution time from n8n's execution data; both nodes post the same envelopes to a local sink (a separate process) that checks the key.",
	);
	lines.push('');

	// ---- rechecks ----
	const rechecks = Object.entries(rechecked).flatMap(([k, byVariant]) =>
		Object.entries(byVariant ?? {}).map(([v, rd]) => ({ k, v, rd })),
	);
	if (rechecks.length) {
		lines.push(
			'**Still remembered after the run.** When a mode is done, the newest issues each trigger workflow accepted in it are delivered once more, each to the process that accepted it: every one should be answered duplicate and start no execution.',
		);
		lines.push('');
		lines.push(
			'| mode, engine | accepted in | delivered again | answered duplicate | executions started again |',
		);
		lines.push('|---|---|---|---|---|');
		const what = {
			'ispm-accept': 'ispm-accept and backlog-ispm (`instance`, remembering 10,000)',
			'redis-accept': 'redis-accept and backlog-redis (`redis`, 10,000)',
			'scale-small': 'scale-small (`instance`, 100, full)',
			'scale-large': 'scale-large (`instance`, 100,000, full)',
		};
		for (const { k, v, rd } of rechecks)
			row(label(k), what[v] ?? v, rd.sent, rd.duplicate, rd.executions);
		lines.push('');
	}

	// ---- figure 5: the Redis setting ----
	const redisKeys = keys.filter((k) => has(k, 'ispm-accept', 'redis-accept'));
	if (redisKeys.length) {
		lines.push('## Figure 5: Remember Issues In, `redis` against `instance`');
		lines.push('');
		lines.push(
			'The same workflow (ISPM Issue Trigger → No Op) with the issue memory in the n8n process (`instance`, the default) or in Redis (`redis`), measured side by side in the same n8n. ' +
				"**Servers** are the Redis server (regular mode: only the issue memory uses it) and, in queue mode, also Postgres; in queue mode that Redis is also n8n's queue, so `instance` uses it too. " +
				'Queue mode spreads the senders over both webhook processes; a duplicate goes to the process that accepted its issue, except in the last row.',
		);
		lines.push('');
		lines.push('| figure | mode, engine | `instance` | `redis` | ratio (redis ÷ instance) |');
		lines.push('|---|---|---|---|---|');
		for (const k of redisKeys) {
			const e = label(k);
			const pair = (what, a, b, field, digits) =>
				row(
					what,
					e,
					fmt(m(k, a, field), digits),
					fmt(m(k, b, field), digits),
					x(ratio(k, b, a, field)),
				);
			pair('**5** accepted: executions completed/s', 'ispm-accept', 'redis-accept', 'perSec');
			pair('5 accepted: n8n CPU per delivery, ms', 'ispm-accept', 'redis-accept', 'cpuPerDelivery');
			pair(
				'5 accepted: n8n + servers CPU per delivery, ms',
				'ispm-accept',
				'redis-accept',
				'totalCpuPerDelivery',
			);
			pair('5 accepted: p50 latency, ms', 'ispm-accept', 'redis-accept', 'p50');
			if (has(k, 'ispm-duplicate', 'redis-duplicate')) {
				pair(
					'**5** duplicate: deliveries answered/s',
					'ispm-duplicate',
					'redis-duplicate',
					'perSec',
				);
				pair(
					'5 duplicate: n8n CPU per delivery, ms',
					'ispm-duplicate',
					'redis-duplicate',
					'cpuPerDelivery',
				);
				pair(
					'5 duplicate: n8n + servers CPU per delivery, ms',
					'ispm-duplicate',
					'redis-duplicate',
					'totalCpuPerDelivery',
				);
			}
			if (has(k, 'redis-duplicate-other', 'redis-duplicate')) {
				const v = 'redis-duplicate-other';
				row(
					'5 duplicate sent to the other webhook process (first time there: a Redis round trip), n8n CPU per delivery, ms · answered/s',
					e,
					'— (answered accepted: a second execution, issue 10)',
					`${fmt(m(k, v, 'cpuPerDelivery'))} · ${fmt(m(k, v, 'perSec'))}/s`,
					`${x(ratio(k, v, 'redis-duplicate', 'cpuPerDelivery'))} the same-process duplicate's CPU`,
				);
			}
			if (has(k, 'redis-accept', 'redis-duplicate')) {
				row(
					'5 duplicate ÷ accepted, n8n CPU per delivery',
					e,
					fmt(ratio(k, 'ispm-duplicate', 'ispm-accept', 'cpuPerDelivery')),
					fmt(ratio(k, 'redis-duplicate', 'redis-accept', 'cpuPerDelivery')),
					'',
				);
			}
		}
		lines.push('');
	}

	// ---- figure 6: backlog when a burst ends ----
	const backlogKeys = keys.filter((k) => has(k, 'backlog-ispm') || has(k, 'backlog-builtin'));
	if (backlogKeys.length) {
		lines.push('## Figure 6: backlog when a burst ends');
		lines.push('');
		lines.push(
			`${opts.concurrency} concurrent senders post new issues for ${opts.backlogMs / 1000} s, each sending its next request as soon as it has its answer. ` +
				'**Not finished when the senders stopped**: deliveries answered accepted (200) whose execution had not finished (status `success`) at the moment the last answer arrived; ' +
				"**no execution yet**: of those, how many had no execution in n8n's database at all at that moment (acknowledged to the sender, held only in memory); " +
				"**drain**: from that moment until the last execution stopped. From the executions' own timestamps, medians of the rounds.",
		);
		lines.push('');
		lines.push(
			'| mode, engine | workflow | deliveries answered/s | executions completed/s | completed ÷ answered | not finished when the senders stopped | … no execution yet | drain, s |',
		);
		lines.push('|---|---|---|---|---|---|---|---|');
		const names = {
			'backlog-ispm': 'ISPM Issue Trigger, `instance`',
			'backlog-redis': 'ISPM Issue Trigger, `redis`',
			'backlog-builtin': 'Webhook (header auth)',
		};
		for (const k of backlogKeys) {
			for (const [v, name] of Object.entries(names)) {
				if (!has(k, v)) continue;
				const ratios = get(k, v).map((r) => r.perSec / r.answeredPerSec);
				row(
					label(k),
					name,
					fmt(m(k, v, 'answeredPerSec')),
					fmt(m(k, v, 'perSec')),
					fmt(median(ratios)),
					fmt(m(k, v, 'backlogAtStop')),
					fmt(m(k, v, 'notCreatedAtStop')),
					fmt(m(k, v, 'drainMs') / 1000),
				);
			}
		}
		row(
			'*issue 10: package 0.1.0, `legacy`, 6 s, another run*',
			'ISPM Issue Trigger 0.1.0 (answered inside `webhook()`)',
			'207',
			'76',
			'0.37',
			'—',
			'—',
			'11',
		);
		row('*issue 10, same run*', 'Webhook (header auth)', '74', '72', '0.97', '—', '—', '0.3');
		lines.push('');
	}

	// ---- per round ----
	lines.push('<details><summary>Per-round figures</summary>');
	lines.push('');
	lines.push(
		"/s: executions completed per second for deliveries that start one, answers per second otherwise. backlog: not finished when the senders stopped · no execution yet · drain ms. other load: share of the machine's cores busy with work other than n8n, its servers and the load generator during the burst.",
	);
	lines.push('');
	lines.push(
		'| mode, engine | variant | per round (/s) | answered/s | n8n CPU ms per delivery | servers CPU ms per delivery | p50 ms | p99 ms | requests | backlog | other load | notes |',
	);
	lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
	for (const k of keys) {
		for (const [v, rs] of Object.entries(results[k])) {
			const list = (f) => rs.map(f).join(', ');
			lines.push(
				`| ${label(k)} | ${v} | ${list((r) => fmt(r.perSec))} | ${list((r) => fmt(r.answeredPerSec))} | ${list((r) => fmt(r.cpuPerDelivery))} | ${list((r) => fmt(r.serverCpuPerDelivery))} | ${list((r) => fmt(r.p50))} | ${list((r) => fmt(r.p99))} | ${list((r) => r.requests ?? r.sent)} | ${rs.some((r) => r.backlogAtStop !== undefined) ? list((r) => `${r.backlogAtStop} · ${r.notCreatedAtStop} · ${fmt(r.drainMs)}`) : ''} | ${list((r) => pct(r.otherBusy))} | ${rs
					.map((r) => problems(r, opts))
					.filter(Boolean)
					.join(' ')} |`,
			);
		}
	}
	lines.push('');
	lines.push('</details>');
	lines.push('');
	return lines.join('\n');
}

const pct = (share) => (Number.isFinite(share) ? `${Math.round(share * 100)}%` : '—');

/** What went wrong in one burst, in words (empty when nothing did). */
export function problems(r, opts) {
	const bits = [];
	if (r.unexpected && Object.keys(r.unexpected).length)
		bits.push(`unexpected ${JSON.stringify(r.unexpected)}`);
	if (r.errors) bits.push(`${r.errors} errors`);
	if (r.settled === false) bits.push('did not settle');
	if (r.finished !== undefined && r.finished < r.expected)
		bits.push(`${r.expected - r.finished} accepted without a finished execution`);
	if (r.executions !== undefined && r.finished !== undefined && r.executions > r.expected)
		bits.push(`${r.executions - r.expected} executions more than accepted`);
	if (r.nodeItems !== undefined && r.sent !== opts.items) bits.push(`sink got ${r.sent}`);
	if (r.authorized !== undefined && r.authorized !== r.sent)
		bits.push(`${r.sent - r.authorized} without the key`);
	return bits.length ? `(${bits.join(', ')})` : '';
}

/** How loaded the shared machine was: load averages, and the share of its cores others used during the bursts. */
function loadLine(results, meta) {
	const parts = [
		`load average (1, 5, 15 min) at the start ${meta.loadStart}, at the end ${meta.loadEnd}`,
	];
	for (const [k, variants] of Object.entries(results)) {
		const rounds = Object.values(variants).flat();
		const other = rounds.map((r) => r.otherBusy).filter(Number.isFinite);
		const busy = rounds.map((r) => r.machineBusy).filter(Number.isFinite);
		if (other.length)
			parts.push(
				`${label(k)}: cores busy during bursts ${pct(median(busy))} (median), other work ${pct(median(other))} (median, max ${pct(Math.max(...other))})`,
			);
	}
	return `**Load** (the machine is shared; ${meta.cores} cores = 100%): ${parts.join('; ')}.`;
}
