// One measured n8n setup (a regular-mode n8n, or a queue-mode cluster) and the variants measured on it.
//
// Counting: a burst of deliveries that start executions is counted in executions completed, read from
// n8n's database (rows of the burst's workflow above a mark taken just before it, status `success`), over
// the time from its first request to the last execution's stop: answers are counted separately
// (`answeredPerSec`). At the moment the senders stop (every answer in), the burst also records how many
// accepted deliveries had no finished execution yet (`backlogAtStop`), how many had no execution at all
// (`notCreatedAtStop`), and how long the rest took to finish (`drainMs`), from the executions' own
// timestamps.
import os from 'node:os';

import * as fx from './fixtures.mjs';
import { cpuMsOf, machineBusyMs, ownCpuMs } from './cpu.mjs';
import { executionMark, executionSummary, dbTime } from './db.mjs';
import { getJson, postOnce, runLoad } from './loadgen.mjs';
import { quantile } from './stats.mjs';

const CORES = os.cpus().length;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** How long a burst's executions may take to appear and finish before it is recorded as incomplete. */
const SETTLE_TIMEOUT_MS = 180_000;

export class Bench {
	/**
	 * @param {object} o
	 * @param {string} o.key        where results go: `vm`, `legacy`, `queue:legacy`, …
	 * @param {'regular'|'queue'} o.mode
	 * @param {string[]} o.bases    base URLs serving production webhooks (queue mode: the webhook processes)
	 * @param {() => number[]} o.n8nPids   every n8n process of the setup
	 * @param {() => number[]} o.serverPids  Redis (and Postgres) processes serving it, for their CPU time
	 * @param {Function} o.query    n8n's database (bench/lib/db.mjs or the cluster's Postgres)
	 * @param {object} o.opts       the run's options
	 */
	constructor({
		key,
		mode,
		engine,
		bases,
		n8nPids,
		serverPids = () => [],
		query,
		secrets,
		sinkUrl,
		flatted,
		opts,
		log,
	}) {
		Object.assign(this, {
			key,
			mode,
			engine,
			bases,
			n8nPids,
			serverPids,
			query,
			secrets,
			sinkUrl,
			flatted,
			opts,
			log,
		});
		this.pools = { ispm: [], redis: [], dedup: [], scaleSmall: [], scaleLarge: [] };
		this.droppedExecutions = 0;
		this.droppedDeliveries = 0;
		/** Where each measured burst ran, on the monotonic clock V8's CPU profiles use (µs). */
		this.windows = [];
		this.current = null;
		this.warmUp = false;
	}

	/**
	 * Runs fn as the measured part of the current variant: CPU time of n8n, of its servers, of this process
	 * (the load generator) and of the whole machine, and the profile window.
	 */
	async measured(fn) {
		const before = {
			n8n: cpuMsOf(this.n8nPids()),
			servers: cpuMsOf(this.serverPids()),
			own: ownCpuMs(),
			machine: machineBusyMs(),
			wall: Date.now(),
		};
		const t0 = monotonicUs();
		const r = await fn();
		const t1 = monotonicUs();
		const wallMs = Date.now() - before.wall;
		r.cpuMs = cpuMsOf(this.n8nPids()) - before.n8n;
		r.serverCpuMs = cpuMsOf(this.serverPids()) - before.servers;
		const ownMs = ownCpuMs() - before.own;
		const machineMs = machineBusyMs() - before.machine;
		// Share of all the machine's cores busy during the burst, and the part of it neither n8n, its servers
		// nor the load generator used: other work on the shared machine.
		r.machineBusy = machineMs / wallMs / CORES;
		r.otherBusy = Math.max(0, machineMs - r.cpuMs - r.serverCpuMs - ownMs) / wallMs / CORES;
		if (!this.warmUp && this.current) this.windows.push({ label: this.current, t0, t1 });
		return r;
	}

	url(wf, proc = 0) {
		return `${this.bases[proc % this.bases.length]}/webhook/${wf.path ?? `${wf.webhookId}/ispm`}`;
	}

	/**
	 * One closed-loop burst. kind: 'starts' (each expected answer starts an execution) or 'drops' (nothing
	 * may start; checked in the database).
	 */
	async burst(o) {
		const mark = await executionMark(this.query);
		const r = await this.measured(() => this.burstFrom(mark, o));
		r.cpuPerDelivery = r.cpuMs / r.requests;
		r.totalCpuPerDelivery = (r.cpuMs + r.serverCpuMs) / r.requests;
		r.serverCpuPerDelivery = r.serverCpuMs / r.requests;
		return r;
	}

	async burstFrom(
		mark,
		{
			wf,
			next,
			expect,
			kind,
			maxMs = this.warmUp ? 600 : this.opts.burstMs,
			maxRequests = this.opts.maxRequests,
			onAnswer,
		},
	) {
		const r = await runLoad({
			url: this.url(wf),
			next,
			concurrency: this.opts.concurrency,
			maxRequests,
			maxMs,
		});
		const good = r.outcomes[expect] || 0;
		const unexpected = Object.entries(r.outcomes).filter(([k]) => k !== expect);
		if (onAnswer) for (const t of r.tags) onAnswer(t);
		const result = {
			requests: r.answered,
			expected: good,
			unexpected: Object.fromEntries(unexpected),
			errors: r.errors,
			p50: quantile(r.latencies, 0.5),
			p99: quantile(r.latencies, 0.99),
			sendMs: r.elapsedMs,
			answeredPerSec: (good / r.elapsedMs) * 1000,
		};
		if (kind === 'starts') {
			const s = await this.settle(wf.id, mark, good, r.endedAt);
			const span = Math.max(s.lastStop, r.endedAt) - r.startedAt;
			Object.assign(result, {
				executions: s.executions,
				finished: s.finished,
				settled: s.settled,
				perSec: (s.finished / span) * 1000,
				backlogAtStop: good - s.finishedBy,
				notCreatedAtStop: Math.max(0, good - s.createdBy),
				drainMs: Math.max(0, s.lastStop - r.endedAt),
			});
		} else {
			await sleep(400);
			const s = await executionSummary(this.query, wf.id, mark);
			result.executions = s.executions;
			this.droppedExecutions += s.executions;
			this.droppedDeliveries += r.answered;
			result.perSec = (r.answered / r.elapsedMs) * 1000;
		}
		return result;
	}

	/**
	 * Waits until the burst's workflow has at least `expected` executions above `mark` and every one of them
	 * has stopped (or SETTLE_TIMEOUT_MS passed: `settled: false`); then reads how many had been created and
	 * finished at `stoppedSendingAt`.
	 */
	async settle(workflowId, mark, expected, stoppedSendingAt) {
		const deadline = Date.now() + SETTLE_TIMEOUT_MS;
		let settled = false;
		for (;;) {
			const s = await executionSummary(this.query, workflowId, mark);
			if (s.executions >= expected && s.stopped >= s.executions) {
				settled = true;
				break;
			}
			if (Date.now() > deadline) break;
			await sleep(100);
		}
		return { ...(await executionSummary(this.query, workflowId, mark, stoppedSendingAt)), settled };
	}

	// ---- what is sent ----
	header(good = true) {
		return {
			[fx.HOOK_HEADER]: good ? this.secrets.hookKey : `${this.secrets.hookKey.slice(0, -4)}nope`,
		};
	}

	/** New issues; in queue mode each client keeps to one webhook process, the clients spread over all of them. */
	fresh(wf, title) {
		return (i, client) => {
			const id = fx.newIssueId();
			const proc = client % this.bases.length;
			return {
				body: JSON.stringify(fx.message(id, title)),
				headers: this.header(),
				tag: { id, proc },
				url: this.url(wf, proc),
			};
		};
	}

	/**
	 * Issues accepted before, cycling through `pool`, each sent to the process that accepted it (`other`: to
	 * the next process instead, where it was never seen).
	 */
	repeat(wf, pool, { other = false } = {}) {
		let i = 0;
		return () => {
			if (pool.length === 0) throw new Error('no accepted issue to repeat yet');
			const { id, proc } = pool[(i += 1) % pool.length];
			return {
				body: JSON.stringify(fx.message(id)),
				headers: this.header(),
				tag: { id, proc },
				url: this.url(wf, proc + (other ? 1 : 0)),
			};
		};
	}

	/**
	 * Queue mode: issues accepted by one webhook process and never sent to the next one yet, each sent there
	 * once (that process has to ask Redis). How many there are bounds the burst.
	 */
	crossOnce(wf, pool) {
		const unsent = pool.filter((e) => !e.crossed);
		return {
			count: unsent.length,
			next: (i) => {
				const e = unsent[i];
				e.crossed = true;
				return {
					body: JSON.stringify(fx.message(e.id)),
					headers: this.header(),
					tag: e,
					url: this.url(wf, e.proc + 1),
				};
			},
		};
	}

	/**
	 * Delivers every issue of `pool` (up to `max`, the newest) once more, after the measurements: how many
	 * are answered duplicate, as a user re-sending them would see (and how many started an execution again).
	 */
	async redeliver(wf, pool, max = 400) {
		const entries = pool.slice(-max);
		const mark = await executionMark(this.query);
		const r = await runLoad({
			url: this.url(wf),
			next: (i) => ({
				body: JSON.stringify(fx.message(entries[i].id)),
				headers: this.header(),
				url: this.url(wf, entries[i].proc),
			}),
			concurrency: this.opts.concurrency,
			maxRequests: entries.length,
			maxMs: 120000,
		});
		await sleep(1000);
		const s = await executionSummary(this.query, wf.id, mark);
		return {
			sent: entries.length,
			duplicate: r.outcomes['200 duplicate'] || 0,
			outcomes: r.outcomes,
			executions: s.executions,
		};
	}

	remember(pool, outcome) {
		return ({ tag, outcome: got }) => {
			if (got === outcome) {
				pool.push(tag);
				if (pool.length > 5000) pool.splice(0, pool.length - 5000);
			}
		};
	}

	/** Figure 4: one request carrying `items` issues; the workflow answers when its last node is done. */
	async send(wf, nodeName) {
		const batch = fx.sendBatch(this.opts.items);
		await postOnce(`${this.sinkUrl}/__reset`, '{}');
		const mark = await executionMark(this.query);
		const { res, cpuMs: cpu } = await this.measured(async () => {
			const answer = await postOnce(this.url(wf), JSON.stringify(batch));
			await this.settle(wf.id, mark, 1, Date.now());
			return { res: answer };
		});
		const sink = await getJson(`${this.sinkUrl}/__stats`);
		const [exec] = await this.query(
			`SELECT e."id", e."status", e."startedAt", e."stoppedAt", d."data" FROM "execution_entity" e
			   LEFT JOIN "execution_data" d ON d."executionId" = e."id" WHERE e."workflowId" = ? AND e."id" > ? ORDER BY e."id" LIMIT 1`,
			[wf.id, mark],
		);
		let nodeMs = NaN;
		let nodeItems = NaN;
		if (exec?.data) {
			try {
				const data = this.flatted.parse(exec.data);
				const run = data.resultData.runData[nodeName]?.[0];
				nodeMs = run?.executionTime ?? NaN;
				nodeItems = run?.data?.main?.[0]?.length ?? NaN;
			} catch (error) {
				this.log(`could not read execution ${exec.id}: ${error.message}`);
			}
		}
		return {
			status: res.status,
			execStatus: exec?.status,
			endToEndMs: res.ms,
			execMs: dbTime(exec?.stoppedAt) - dbTime(exec?.startedAt),
			nodeMs,
			nodeItems,
			sent: sink.requests,
			authorized: sink.authorized,
			perSec: (this.opts.items / nodeMs) * 1000,
			executions: exec ? 1 : 0,
			cpuMs: cpu,
			cpuPerDelivery: cpu / this.opts.items,
		};
	}

	/** The ceiling: a plain Node.js keep-alive client posting the same bodies to the same sink. */
	async ceiling() {
		const { items } = fx.sendBatch(this.opts.items);
		await postOnce(`${this.sinkUrl}/__reset`, '{}');
		const r = await runLoad({
			url: `${this.sinkUrl}/hook/ceiling`,
			next: (i) => ({
				body: JSON.stringify(items[i].envelope),
				headers: { [fx.SINK_HEADER]: this.secrets.sinkKey },
			}),
			concurrency: this.opts.ceilingConcurrency,
			maxRequests: items.length,
			maxMs: 120000,
			keepBodies: false,
		});
		const sink = await getJson(`${this.sinkUrl}/__stats`);
		return {
			perSec: (r.answered / r.elapsedMs) * 1000,
			nodeMs: r.elapsedMs,
			sent: sink.requests,
			authorized: sink.authorized,
		};
	}
}

const ACCEPTED = '200 accepted';
const both = ['regular', 'queue'];
const regular = ['regular'];

/** A burst of new issues to `wf`, remembered in `pool` when accepted. */
const accept = (b, wf, pool, extra = {}) =>
	b.burst({
		wf,
		next: b.fresh(wf),
		expect: ACCEPTED,
		kind: 'starts',
		onAnswer: b.remember(pool, ACCEPTED),
		...extra,
	});

/** The backlog figure's bursts: senders for a fixed time, no request cap. */
const forFixedTime = (b) => ({ maxMs: b.warmUp ? 600 : b.opts.backlogMs, maxRequests: Infinity });

/**
 * Every measured variant: which figure it serves, the modes it runs in, and what it runs. Warm-up runs them
 * in this order (the duplicates need the pools their accepted counterparts fill).
 */
export const VARIANTS = {
	'ispm-accept': { figure: 1, modes: both, run: (b) => accept(b, fx.WF.ispmAccept, b.pools.ispm) },
	'builtin-accept': {
		figure: 1,
		modes: both,
		run: (b) =>
			b.burst({
				wf: fx.WF.builtinAccept,
				next: b.fresh(fx.WF.builtinAccept),
				expect: '200',
				kind: 'starts',
			}),
	},
	'builtin-dedup-accept': {
		figure: 1,
		modes: regular,
		run: (b) =>
			b.burst({
				wf: fx.WF.builtinDedup,
				next: b.fresh(fx.WF.builtinDedup),
				expect: '200',
				kind: 'starts',
				onAnswer: b.remember(b.pools.dedup, '200'),
			}),
	},
	'redis-accept': { figure: 5, modes: both, run: (b) => accept(b, fx.WF.ispmRedis, b.pools.redis) },
	'ispm-duplicate': {
		figure: 2,
		modes: both,
		run: (b) =>
			b.burst({
				wf: fx.WF.ispmAccept,
				next: b.repeat(fx.WF.ispmAccept, b.pools.ispm),
				expect: '200 duplicate',
				kind: 'drops',
			}),
	},
	'redis-duplicate': {
		figure: 5,
		modes: both,
		run: (b) =>
			b.burst({
				wf: fx.WF.ispmRedis,
				next: b.repeat(fx.WF.ispmRedis, b.pools.redis),
				expect: '200 duplicate',
				kind: 'drops',
			}),
	},
	'redis-duplicate-other': {
		figure: 5,
		modes: ['queue'],
		run: (b) => {
			const cross = b.crossOnce(fx.WF.ispmRedis, b.pools.redis);
			return b.burst({
				wf: fx.WF.ispmRedis,
				next: cross.next,
				expect: '200 duplicate',
				kind: 'drops',
				maxRequests: Math.min(cross.count, b.opts.maxRequests),
			});
		},
	},
	'ispm-unselected': {
		figure: 2,
		modes: regular,
		run: (b) =>
			b.burst({
				wf: fx.WF.ispmAccept,
				next: b.fresh(fx.WF.ispmAccept, fx.UNSELECTED_TYPE),
				expect: '200 ignored',
				kind: 'drops',
			}),
	},
	'ispm-badkey': {
		figure: 2,
		modes: regular,
		run: (b) =>
			b.burst({
				wf: fx.WF.ispmAccept,
				next: (i, c) => ({ ...b.fresh(fx.WF.ispmAccept)(i, c), headers: b.header(false) }),
				expect: '401',
				kind: 'drops',
			}),
	},
	'builtin-badkey': {
		figure: 2,
		modes: regular,
		run: (b) =>
			b.burst({
				wf: fx.WF.builtinAccept,
				next: (i, c) => ({ ...b.fresh(fx.WF.builtinAccept)(i, c), headers: b.header(false) }),
				expect: '403',
				kind: 'drops',
			}),
	},
	'builtin-dedup-duplicate': {
		figure: 2,
		modes: regular,
		run: (b) =>
			b.burst({
				wf: fx.WF.builtinDedup,
				next: b.repeat(fx.WF.builtinDedup, b.pools.dedup),
				expect: '200',
				kind: 'starts',
			}),
	},
	'builtin-dedup-unselected': {
		figure: 2,
		modes: regular,
		run: (b) =>
			b.burst({
				wf: fx.WF.builtinDedup,
				next: b.fresh(fx.WF.builtinDedup, fx.UNSELECTED_TYPE),
				expect: '200',
				kind: 'starts',
			}),
	},
	'scale-small': {
		figure: 3,
		modes: regular,
		run: (b) => accept(b, fx.WF.scaleSmall, b.pools.scaleSmall),
	},
	'scale-large': {
		figure: 3,
		modes: regular,
		run: (b) => accept(b, fx.WF.scaleLarge, b.pools.scaleLarge),
	},
	'send-ispm': { figure: 4, modes: regular, run: (b) => b.send(fx.WF.sendIspm, 'ISPM Event Hook') },
	'send-http': { figure: 4, modes: regular, run: (b) => b.send(fx.WF.sendHttp, 'HTTP Request') },
	'send-ceiling': { figure: 4, modes: regular, run: (b) => b.ceiling() },
	'backlog-ispm': {
		figure: 6,
		modes: both,
		run: (b) => accept(b, fx.WF.ispmAccept, b.pools.ispm, forFixedTime(b)),
	},
	'backlog-redis': {
		figure: 6,
		modes: both,
		run: (b) => accept(b, fx.WF.ispmRedis, b.pools.redis, forFixedTime(b)),
	},
	'backlog-builtin': {
		figure: 6,
		modes: both,
		run: (b) =>
			b.burst({
				wf: fx.WF.builtinAccept,
				next: b.fresh(fx.WF.builtinAccept),
				expect: '200',
				kind: 'starts',
				...forFixedTime(b),
			}),
	},
};

/** Variants that need the trigger's Redis memory (a Redis server and the `ispmRedisApi` credential). */
export const usesRedis = (v) => v.startsWith('redis-') || v === 'backlog-redis';

/** Waits until every webhook of these workflows is served by every base URL (n8n activates published workflows after it is ready). */
export async function waitForHooks(b, wfs) {
	const deadline = Date.now() + 120000;
	for (const wf of wfs) {
		for (let proc = 0; proc < b.bases.length; proc += 1) {
			for (;;) {
				// A bad key (or, for the sending hooks, an empty batch) answers without doing any work.
				const r = await postOnce(
					b.url(wf, proc),
					wf.path?.startsWith('bench-send') ? '{"items":[]}' : '{}',
					b.header(false),
				).catch(() => ({ status: 0 }));
				if (r.status !== 404 && r.status !== 0) break;
				if (Date.now() > deadline)
					throw new Error(`${b.url(wf, proc)} is not served (status ${r.status})`);
				await sleep(500);
			}
		}
	}
}
