#!/usr/bin/env node
// `npm run bench`: this package against n8n's own nodes, side by side, in one real n8n per expression engine.
//
// Setup (once): provision Node 24 + n8n (cached; scripts/runtime.mjs), build and pack a snapshot of the
// package in a temporary folder (the shared dist/ is never touched), install it into a template n8n user
// folder, import credentials and every benchmark workflow, publish them. Then, per engine (n8n's default
// `vm` and `N8N_EXPRESSION_ENGINE=legacy`), a copy of that folder boots one n8n and every variant is measured
// in rounds, interleaved (the starting variant rotates each round); figures are medians of rounds and
// ratios are taken within the run. Loopback only; every burst is bounded in requests and time.
//
// Options (also as BENCH_<NAME> environment variables):
//   --rounds=3 --burst-ms=2000 --max-requests=400 --concurrency=8 --items=1000
//   --engines=vm,legacy     (also vm-lazy: N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true)
//   --variants=a,b          only these (see VARIANTS below)
//   --source=worktree|head  what to build: the working tree (default) or the last commit
//   --patch=file.diff[,…]   apply these patches to the snapshot before building (measure a proposed change
//                           without touching the working tree)
//   --trigger-version=1     typeVersion of the ISPM Issue Trigger in the imported workflows
//   --profile               run n8n with --cpu-prof and summarise where its CPU time went, per variant,
//                           into --profile-out=bench/PROFILE-{engine}.md (no RESULTS written; work folder kept)
//   --out=bench/RESULTS.md  --no-write   --keep (keep the temporary folder)
//   --report-from=bench/RESULTS.json   only re-render the table of an earlier run (with --out=… to write it)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import * as fx from './lib/fixtures.mjs';
import { getJson, postOnce, runLoad } from './lib/loadgen.mjs';
import { bytes, fmt, median, quantile } from './lib/stats.mjs';
import { summariseProfiles } from './lib/profile.mjs';

const require = createRequire(import.meta.url);
const instance = require('../scripts/n8n-instance.cjs');
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');

// ---------------------------------------------------------------- options
const args = Object.fromEntries(
	process.argv.slice(2).map((a) => {
		const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
		if (!m) throw new Error(`unknown argument ${a}`);
		return [m[1], m[2] ?? 'true'];
	}),
);
const opt = (name, fallback) => args[name] ?? process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`] ?? fallback;
const OPTS = {
	rounds: Number(opt('rounds', 3)),
	burstMs: Number(opt('burst-ms', 2000)),
	maxRequests: Number(opt('max-requests', 400)),
	concurrency: Number(opt('concurrency', 8)),
	items: Number(opt('items', 1000)),
	engines: String(opt('engines', 'vm,legacy')).split(','),
	variants: opt('variants', '') ? String(opt('variants')).split(',') : null,
	source: String(opt('source', 'worktree')),
	profile: opt('profile', 'false') === 'true',
	out: path.resolve(ROOT, String(opt('out', 'bench/RESULTS.md'))),
	write: opt('no-write', 'false') !== 'true',
	keep: opt('keep', 'false') === 'true' || opt('profile', 'false') === 'true', // profiles stay for inspection
	ceilingConcurrency: Number(opt('ceiling-concurrency', 5)),
	triggerVersion: Number(opt('trigger-version', 1)),
	patches: opt('patch', '') ? String(opt('patch')).split(',').map((p) => path.resolve(process.cwd(), p)) : [],
};
const runStarted = Date.now();
const log = (msg) => process.stderr.write(`[bench ${((Date.now() - runStarted) / 1000).toFixed(0).padStart(3)}s] ${msg}\n`);

// ---------------------------------------------------------------- setup helpers
function git(argsList) {
	const r = spawnSync('git', argsList, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
	return r.status === 0 ? r.stdout : null;
}

/** Copies the package's sources (tracked and untracked-but-not-ignored files, or the last commit) to `dest`. */
function snapshotSources(dest) {
	mkdirSync(dest, { recursive: true });
	if (OPTS.source === 'head') {
		const r = spawnSync('sh', ['-c', `git archive HEAD | tar -x -C "${dest}"`], { cwd: ROOT, stdio: 'inherit' });
		if (r.status !== 0) throw new Error('git archive HEAD failed');
	} else {
		const listed = git(['ls-files', '--cached', '--others', '--exclude-standard', '-z']);
		const files = listed === null ? null : listed.split('\0').filter(Boolean);
		if (files === null) {
			// not a git checkout: copy everything but build output and dependencies
			cpSync(ROOT, dest, { recursive: true, filter: (src) => !/\/(node_modules|dist|\.git)(\/|$)/.test(src.slice(ROOT.length)) });
		} else {
			for (const f of files) {
				if (!existsSync(path.join(ROOT, f))) continue; // deleted in the working tree
				mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
				cpSync(path.join(ROOT, f), path.join(dest, f));
			}
		}
	}
	for (const patch of OPTS.patches) {
		const r = spawnSync('git', ['apply', '--verbose', patch], { cwd: dest, encoding: 'utf8' });
		if (r.status !== 0) throw new Error(`the patch ${patch} does not apply:\n${r.stderr}`);
		log(`applied ${path.relative(ROOT, patch)}`);
	}
	// The build needs the dev dependencies; the repository's own node_modules serves (read only).
	spawnSync('ln', ['-s', path.join(ROOT, 'node_modules'), path.join(dest, 'node_modules')]);
}

function startSink(port, keyName, keyValue) {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [path.join(HERE, 'lib', 'sink.mjs'), String(port), keyName, keyValue], {
			stdio: ['ignore', 'pipe', 'inherit'],
		});
		let out = '';
		child.stdout.on('data', (c) => {
			out += c;
			const m = /listening (\d+)/.exec(out);
			if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}` });
		});
		child.on('exit', (code) => reject(new Error(`the sink exited (${code})`)));
	});
}

/** CPU time (user + system, ms) the process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuMs(pid) {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
	} catch {
		return NaN;
	}
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

const sqlTime = (s) => (s ? Date.parse(`${String(s).replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? '' : 'Z'}`) : NaN);

// ---------------------------------------------------------------- one engine's n8n
class Bench {
	constructor({ runtime, engine, userFolder, env, running, secrets, sinkUrl, flatted }) {
		Object.assign(this, { runtime, engine, userFolder, env, running, secrets, sinkUrl, flatted });
		this.base = `http://127.0.0.1:${running.port}`;
		this.pools = { ispm: [], dedup: [], scaleLarge: [] };
		this.droppedExecutions = 0;
		this.droppedDeliveries = 0;
		/** Where each measured burst ran, on the monotonic clock V8's CPU profiles use (µs). */
		this.windows = [];
		this.current = null;
	}

	/** Runs fn as the measured part of the current variant: n8n's CPU time and the profile window. */
	async measured(fn) {
		const c0 = cpuMs(this.running.pid);
		const t0 = monotonicUs();
		const r = await fn();
		const t1 = monotonicUs();
		r.cpuMs = cpuMs(this.running.pid) - c0;
		if (!this.warmUp && this.current) this.windows.push({ label: this.current, t0, t1 });
		return r;
	}

	db(sql, params = []) {
		return instance.queryDb(this.runtime, this.userFolder, sql, params);
	}

	async executionMark() {
		const [row] = await this.db('SELECT COALESCE(MAX(id), 0) AS mark FROM execution_entity');
		return row.mark;
	}

	/** Waits until `expected` executions of `workflowId` newer than `mark` have stopped; returns their summary. */
	async settle(workflowId, mark, expected, timeoutMs = 120000) {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const [row] = await this.db(
				`SELECT COUNT(*) AS n, SUM(CASE WHEN stoppedAt IS NOT NULL THEN 1 ELSE 0 END) AS done,
				        SUM(CASE WHEN status = 'success' THEN 1 ELSE 0 END) AS ok,
				        MIN(startedAt) AS firstStart, MAX(stoppedAt) AS lastStop
				   FROM execution_entity WHERE workflowId = ? AND id > ?`,
				[workflowId, mark],
			);
			if (row.done >= expected || Date.now() > deadline) {
				return { executions: row.n, done: row.done, ok: row.ok, lastStop: sqlTime(row.lastStop), firstStart: sqlTime(row.firstStart) };
			}
			await instance.sleep(150);
		}
	}

	url(wf) {
		return `${this.base}/webhook/${wf.path ?? `${wf.webhookId}/ispm`}`;
	}

	/**
	 * One closed-loop burst. kind: 'starts' (each expected answer starts an execution; throughput counts
	 * until the last of them stopped) or 'drops' (nothing may start; checked in the database).
	 */
	async burst(o) {
		const mark = await this.executionMark();
		const r = await this.measured(() => this.burstFrom(mark, o));
		r.cpuPerDelivery = r.cpuMs / r.requests;
		return r;
	}

	async burstFrom(mark, { wf, next, expect, kind, maxMs = this.warmUp ? 600 : OPTS.burstMs, maxRequests = OPTS.maxRequests, onAnswer }) {
		const wall0 = Date.now();
		const r = await runLoad({ url: this.url(wf), next, concurrency: OPTS.concurrency, maxRequests, maxMs });
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
			answeredPerSec: (r.answered / r.elapsedMs) * 1000,
		};
		if (kind === 'starts') {
			const s = await this.settle(wf.id, mark, good);
			const span = Math.max(s.lastStop, wall0 + r.elapsedMs) - wall0;
			result.executions = s.executions;
			result.executionsOk = s.ok;
			result.perSec = (good / span) * 1000;
		} else {
			await instance.sleep(400);
			const s = await this.settle(wf.id, mark, 0, 0);
			result.executions = s.executions;
			this.droppedExecutions += s.executions;
			this.droppedDeliveries += r.answered;
			result.perSec = (r.answered / r.elapsedMs) * 1000;
		}
		return result;
	}

	// ---- the variants ----
	header(good = true) {
		return { [fx.HOOK_HEADER]: good ? this.secrets.hookKey : `${this.secrets.hookKey.slice(0, -4)}nope` };
	}

	fresh(title) {
		return () => {
			const id = fx.newIssueId();
			return { body: JSON.stringify(fx.message(id, title)), headers: this.header(), tag: id };
		};
	}

	repeat(pool) {
		let i = 0;
		return () => {
			if (pool.length === 0) throw new Error('no accepted issue to repeat yet');
			const id = pool[(i += 1) % pool.length];
			return { body: JSON.stringify(fx.message(id)), headers: this.header(), tag: id };
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
		const batch = fx.sendBatch(OPTS.items);
		await postOnce(`${this.sinkUrl}/__reset`, '{}');
		const mark = await this.executionMark();
		const { res, s, cpuMs: cpu } = await this.measured(async () => {
			const res = await postOnce(this.url(wf), JSON.stringify(batch));
			return { res, s: await this.settle(wf.id, mark, 1) };
		});
		const sink = await getJson(`${this.sinkUrl}/__stats`);
		const [exec] = await this.db(
			`SELECT e.id, e.status, e.startedAt, e.stoppedAt, e.storedAt, d.data FROM execution_entity e
			   LEFT JOIN execution_data d ON d.executionId = e.id WHERE e.workflowId = ? AND e.id > ? ORDER BY e.id LIMIT 1`,
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
				log(`could not read execution ${exec.id}: ${error.message}`);
			}
		}
		const execMs = sqlTime(exec?.stoppedAt) - sqlTime(exec?.startedAt);
		return {
			status: res.status,
			execStatus: exec?.status,
			endToEndMs: res.ms,
			execMs,
			nodeMs,
			nodeItems,
			sent: sink.requests,
			authorized: sink.authorized,
			perSec: (OPTS.items / nodeMs) * 1000,
			executions: s.executions,
			cpuMs: cpu,
			cpuPerDelivery: cpu / OPTS.items,
		};
	}

	/** The ceiling: a plain Node.js keep-alive client posting the same bodies to the same sink. */
	async ceiling() {
		const { items } = fx.sendBatch(OPTS.items);
		await postOnce(`${this.sinkUrl}/__reset`, '{}');
		const r = await runLoad({
			url: `${this.sinkUrl}/hook/ceiling`,
			next: (i) => ({ body: JSON.stringify(items[i].envelope), headers: { [fx.SINK_HEADER]: this.secrets.sinkKey } }),
			concurrency: OPTS.ceilingConcurrency,
			maxRequests: items.length,
			maxMs: 120000,
			keepBodies: false,
		});
		const sink = await getJson(`${this.sinkUrl}/__stats`);
		return { perSec: (r.answered / r.elapsedMs) * 1000, nodeMs: r.elapsedMs, sent: sink.requests, authorized: sink.authorized };
	}
}

/** n8n settings per engine name (--engines). `vm` is n8n's default: nothing set. */
const ENGINES = {
	vm: {},
	legacy: { N8N_EXPRESSION_ENGINE: 'legacy' },
	// The default engine, with isolates taken only when an expression needs one.
	'vm-lazy': { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' },
};

/** Every measured variant: figure, what it runs. `needs`: variants that must have run first (pools). */
const VARIANTS = {
	'ispm-accept': { figure: 1, run: (b) => b.burst({ wf: fx.WF.ispmAccept, next: b.fresh(), expect: '200 accepted', kind: 'starts', onAnswer: b.remember(b.pools.ispm, '200 accepted') }) },
	'builtin-accept': { figure: 1, run: (b) => b.burst({ wf: fx.WF.builtinAccept, next: b.fresh(), expect: '200', kind: 'starts' }) },
	'builtin-dedup-accept': {
		figure: 1,
		run: (b) => b.burst({ wf: fx.WF.builtinDedup, next: b.fresh(), expect: '200', kind: 'starts', onAnswer: b.remember(b.pools.dedup, '200') }),
	},
	'ispm-duplicate': { figure: 2, run: (b) => b.burst({ wf: fx.WF.ispmAccept, next: b.repeat(b.pools.ispm), expect: '200 duplicate', kind: 'drops' }) },
	'ispm-unselected': { figure: 2, run: (b) => b.burst({ wf: fx.WF.ispmAccept, next: b.fresh(fx.UNSELECTED_TYPE), expect: '200 ignored', kind: 'drops' }) },
	'ispm-badkey': {
		figure: 2,
		run: (b) => b.burst({ wf: fx.WF.ispmAccept, next: () => ({ ...b.fresh()(), headers: b.header(false) }), expect: '401', kind: 'drops' }),
	},
	'builtin-badkey': {
		figure: 2,
		run: (b) => b.burst({ wf: fx.WF.builtinAccept, next: () => ({ ...b.fresh()(), headers: b.header(false) }), expect: '403', kind: 'drops' }),
	},
	'builtin-dedup-duplicate': { figure: 2, run: (b) => b.burst({ wf: fx.WF.builtinDedup, next: b.repeat(b.pools.dedup), expect: '200', kind: 'starts' }) },
	'builtin-dedup-unselected': { figure: 2, run: (b) => b.burst({ wf: fx.WF.builtinDedup, next: b.fresh(fx.UNSELECTED_TYPE), expect: '200', kind: 'starts' }) },
	'scale-small': { figure: 3, run: (b) => b.burst({ wf: fx.WF.scaleSmall, next: b.fresh(), expect: '200 accepted', kind: 'starts' }) },
	'scale-large': {
		figure: 3,
		run: (b) => b.burst({ wf: fx.WF.scaleLarge, next: b.fresh(), expect: '200 accepted', kind: 'starts', onAnswer: b.remember(b.pools.scaleLarge, '200 accepted') }),
	},
	'send-ispm': { figure: 4, run: (b) => b.send(fx.WF.sendIspm, 'ISPM Event Hook') },
	'send-http': { figure: 4, run: (b) => b.send(fx.WF.sendHttp, 'HTTP Request') },
	'send-ceiling': { figure: 4, run: (b) => b.ceiling() },
};

// ---------------------------------------------------------------- main
async function main() {
	if (opt('report-from', '')) {
		// Re-renders the table from a results file (bench/RESULTS.json) without measuring anything.
		const saved = JSON.parse(readFileSync(path.resolve(process.cwd(), String(opt('report-from'))), 'utf8'));
		Object.assign(OPTS, { ...saved.options, out: OPTS.out, write: OPTS.write });
		const md = report(saved);
		process.stdout.write(`${md}\n`);
		if (OPTS.write && args.out) writeFileSync(OPTS.out, md);
		return;
	}
	const selected = OPTS.variants ?? Object.keys(VARIANTS);
	for (const e of OPTS.engines) if (!ENGINES[e]) throw new Error(`unknown engine ${e}; known: ${Object.keys(ENGINES).join(', ')}`);
	for (const v of selected) if (!VARIANTS[v]) throw new Error(`unknown variant ${v}; known: ${Object.keys(VARIANTS).join(', ')}`);
	log(`options ${JSON.stringify({ ...OPTS, out: path.relative(ROOT, OPTS.out) })}`);

	const runtime = instance.provision();
	const n8nVersion = JSON.parse(readFileSync(path.join(runtime.n8nDir, 'node_modules', 'n8n', 'package.json'), 'utf8')).version;
	const nodeVersion = spawnSync(runtime.node, ['--version'], { encoding: 'utf8' }).stdout.trim();
	const flatted = createRequire(path.join(runtime.n8nDir, 'node_modules', 'n8n', 'package.json'))('flatted');

	const workDir = mkdtempSync(path.join(os.tmpdir(), 'ispm-bench-'));
	log(`work folder ${workDir}`);
	const children = [];
	const cleanup = async () => {
		for (const c of children.splice(0)) await c.stop().catch(() => {});
		if (!OPTS.keep) rmSync(workDir, { recursive: true, force: true });
	};
	process.once('SIGINT', () => cleanup().finally(() => process.exit(130)));

	try {
		const secrets = fx.makeSecrets();
		const sink = await startSink(0, fx.SINK_HEADER, secrets.sinkKey);
		children.push({ stop: async () => sink.child.kill('SIGTERM') });

		log(`building the package (${OPTS.source === 'head' ? 'last commit' : 'working tree'}) in ${workDir}/src`);
		const src = path.join(workDir, 'src');
		snapshotSources(src);
		instance.buildPackage({ root: src, quiet: true });
		const tarball = instance.packPackage({ root: src, destDir: path.join(workDir, 'pack') });
		const commit = (git(['rev-parse', '--short', 'HEAD']) || '').trim();
		const dirty = OPTS.source !== 'head' && (git(['status', '--porcelain', '--untracked-files=no', '--', 'lib', 'nodes', 'credentials']) || '').trim() !== '';

		const template = path.join(workDir, 'template');
		instance.installPackage({ userFolder: template, tarball, quiet: true });
		const env0 = instance.n8nEnv({ runtime, userFolder: template, listenAddress: '127.0.0.1' });
		const importDir = path.join(workDir, 'import');
		mkdirSync(path.join(importDir, 'workflows'), { recursive: true });
		const credFile = path.join(importDir, 'credentials.json');
		writeFileSync(credFile, JSON.stringify(fx.credentials(secrets, sink.url)), { mode: 0o600 });
		log('importing credentials and workflows');
		instance.importCredentials(runtime, env0, credFile);
		rmSync(credFile);
		const wfs = fx.workflows({ triggerTypeVersion: OPTS.triggerVersion });
		for (const wf of wfs) {
			for (const n of wf.nodes) if (n.type === 'n8n-nodes-base.httpRequest') n.parameters.url = `${sink.url}/hook/http`;
			writeFileSync(path.join(importDir, 'workflows', `${wf.id}.json`), JSON.stringify(wf));
		}
		instance.importWorkflows(runtime, env0, path.join(importDir, 'workflows'));
		const ids = wfs.map((w) => w.id);
		const imported = await instance.queryDb(runtime, template, `SELECT id, length(staticData) AS size FROM workflow_entity`);
		if (ids.some((id) => !imported.find((r) => r.id === id))) throw new Error(`n8n did not import every workflow: ${JSON.stringify(imported)}`);
		const importedLarge = imported.find((r) => r.id === fx.WF.scaleLarge.id).size;
		log(`publishing ${ids.length} workflows`);
		await instance.publishWorkflows(runtime, env0, ids);

		const results = {};
		const staticSizes = {};
		let dropped = {};
		for (const engine of OPTS.engines) {
			const userFolder = path.join(workDir, engine);
			cpSync(template, userFolder, { recursive: true });
			const [port, brokerPort] = [await instance.getFreePort(), await instance.getFreePort()];
			const extra = { N8N_LOG_LEVEL: 'warn', ...ENGINES[engine] };
			const env = instance.n8nEnv({ runtime, userFolder, port, brokerPort, listenAddress: '127.0.0.1', extra });
			const profileDir = path.join(workDir, `profile-${engine}`);
			if (OPTS.profile) env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${profileDir}`;
			log(`[${engine}] starting n8n on port ${port}`);
			const running = await instance.startN8n({ runtime, env, output: path.join(workDir, `n8n-${engine}.log`), detached: true });
			children.push(running);
			const b = new Bench({ runtime, engine, userFolder, env, running, secrets, sinkUrl: sink.url, flatted });
			await waitForHooks(b);

			log(`[${engine}] warm-up`);
			for (const v of selected) {
				b.warmUp = true;
				await VARIANTS[v].run(b);
				b.warmUp = false;
			}
			const perVariant = Object.fromEntries(selected.map((v) => [v, []]));
			for (let round = 0; round < OPTS.rounds; round += 1) {
				const order = selected.map((_, i) => selected[(i + round) % selected.length]);
				for (const v of order) {
					b.current = v;
					const r = await VARIANTS[v].run(b);
					r.round = round;
					perVariant[v].push(r);
					log(`[${engine}] round ${round + 1}/${OPTS.rounds} ${v}: ${fmt(r.perSec)}/s${r.p50 !== undefined ? ` p50 ${fmt(r.p50)} ms p99 ${fmt(r.p99)} ms` : ''} n8n CPU ${fmt(r.cpuPerDelivery)} ms/delivery${summariseProblems(r)}`);
				}
			}
			results[engine] = perVariant;
			dropped[engine] = { executions: b.droppedExecutions, deliveries: b.droppedDeliveries };
			await instance.sleep(1500); // n8n saves static data just after an execution stops
			const sizes = await b.db(`SELECT id, length(staticData) AS size, staticData FROM workflow_entity WHERE id IN (?, ?, ?)`, [
				fx.WF.scaleLarge.id,
				fx.WF.scaleSmall.id,
				fx.WF.ispmAccept.id,
			]);
			staticSizes[engine] = Object.fromEntries(sizes.map((r) => [r.id, { size: r.size, shape: describeStatic(r.staticData) }]));
			const large = sizes.find((r) => r.id === fx.WF.scaleLarge.id);
			if (large && staticSizes[engine][large.id]) staticSizes[engine][large.id].persisted = persistedShare(large.staticData, b.pools.scaleLarge);
			log(`[${engine}] stopping n8n`);
			await running.stop();
			children.splice(children.indexOf(running), 1);
			if (OPTS.profile) {
				const deliveries = Object.fromEntries(Object.entries(perVariant).map(([v, rs]) => [v, rs.reduce((a, r) => a + (r.requests ?? OPTS.items), 0)]));
				const summary = summariseProfiles(profileDir, { windows: b.windows, deliveries });
				const file = path.resolve(process.cwd(), String(opt('profile-out', `bench/PROFILE-${engine}.md`)).replace('{engine}', engine));
				mkdirSync(path.dirname(file), { recursive: true });
				writeFileSync(file, summary);
				log(`[${engine}] profile summary written to ${path.relative(ROOT, file)} (raw profiles in ${profileDir})`);
			}
		}

		const meta = {
			n8nVersion,
			nodeVersion,
			cores: os.cpus().length,
			cpu: os.cpus()[0]?.model ?? '?',
			commit: commit + (dirty ? ' + uncommitted changes' : '') + OPTS.patches.map((p) => ` + ${path.relative(ROOT, p)}`).join(''),
			date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
			loadavg: os.loadavg().map((l) => l.toFixed(2)).join(' '),
			minutes: ((Date.now() - runStarted) / 60000).toFixed(1),
			importedLarge,
		};
		const md = report({ results, staticSizes, dropped, meta });
		process.stdout.write(`${md}\n`);
		if (OPTS.write && !OPTS.profile) {
			writeFileSync(OPTS.out, md);
			writeFileSync(OPTS.out.replace(/\.md$/, '.json'), `${JSON.stringify({ meta, options: OPTS, results, staticSizes, dropped }, null, 1)}\n`);
			log(`written to ${path.relative(ROOT, OPTS.out)}`);
		}
	} finally {
		await cleanup();
		if (OPTS.keep) log(`kept ${workDir}`);
	}
}

function summariseProblems(r) {
	const bits = [];
	if (r.unexpected && Object.keys(r.unexpected).length) bits.push(`unexpected ${JSON.stringify(r.unexpected)}`);
	if (r.errors) bits.push(`${r.errors} errors`);
	if (r.executionsOk !== undefined && r.executionsOk < r.expected) bits.push(`${r.expected - r.executionsOk} executions not successful`);
	if (r.nodeItems !== undefined && r.sent !== OPTS.items) bits.push(`sink got ${r.sent}`);
	if (r.authorized !== undefined && r.authorized !== r.sent) bits.push(`${r.sent - r.authorized} without the key`);
	return bits.length ? `  (${bits.join(', ')})` : '';
}

function describeStatic(text) {
	try {
		const ring = JSON.parse(text)[`node:${fx.TRIGGER_NODE}`]?.seenIssues;
		if (!ring) return 'none';
		const n = Array.isArray(ring.ids) ? ring.ids.length : typeof ring.keys === 'string' ? `${ring.keys.length} chars of keys` : '?';
		return `version ${ring.version}, capacity ${ring.capacity}, ${n}${Array.isArray(ring.ids) ? ' ids' : ''}`;
	} catch {
		return '?';
	}
}

/**
 * How many of the issues the trigger accepted in this run its stored memory holds once the run is over
 * (whatever stored form the package writes: plain ids, or the 16-character SHA-256 keys).
 */
function persistedShare(text, accepted) {
	try {
		const ring = JSON.parse(text)[`node:${fx.TRIGGER_NODE}`]?.seenIssues;
		if (!ring) return { found: 0, of: accepted.length };
		let has;
		if (Array.isArray(ring.ids)) {
			const ids = new Set(ring.ids);
			has = (id) => ids.has(id);
		} else if (typeof ring.keys === 'string') {
			const keys = new Set(ring.keys.match(/.{16}/g) || []);
			has = (id) => keys.has(createHash('sha256').update(id, 'utf8').digest('base64url').slice(0, 16));
		} else {
			return { found: NaN, of: accepted.length };
		}
		return { found: accepted.filter(has).length, of: accepted.length };
	} catch {
		return { found: NaN, of: accepted.length };
	}
}

/** Waits until every benchmark webhook is served (n8n activates published workflows after it is ready). */
async function waitForHooks(b) {
	const deadline = Date.now() + 120000;
	const hooks = [fx.WF.ispmAccept, fx.WF.builtinAccept, fx.WF.builtinDedup, fx.WF.scaleSmall, fx.WF.scaleLarge, fx.WF.sendIspm, fx.WF.sendHttp];
	for (const wf of hooks) {
		for (;;) {
			// A bad key (or, for the sending hooks, an empty batch) answers without doing any work.
			const r = await postOnce(b.url(wf), wf.path?.startsWith('bench-send') ? '{"items":[]}' : '{}', b.header(false)).catch(() => ({ status: 0 }));
			if (r.status !== 404 && r.status !== 0) break;
			if (Date.now() > deadline) throw new Error(`${b.url(wf)} is not served (status ${r.status})`);
			await instance.sleep(500);
		}
	}
}

// ---------------------------------------------------------------- the report
function report({ results, staticSizes, dropped, meta }) {
	const lines = [];
	const engines = Object.keys(results);
	const label = (e) => ({ vm: 'default (`vm`)', 'vm-lazy': '`vm` + lazy acquire' })[e] ?? `\`${e}\``;
	const legacy = (e) => e === 'legacy';
	lines.push("# Benchmarks: n8n-nodes-ispm against n8n's own nodes");
	lines.push('');
	lines.push(
		`n8n ${meta.n8nVersion} · Node.js ${meta.nodeVersion} · ${meta.cores} cores (${meta.cpu}) · package at ${meta.commit} · ${meta.date} · ` +
			`${OPTS.rounds} rounds; closed loop with ${OPTS.concurrency} clients, bursts of ≤ ${OPTS.burstMs} ms / ${OPTS.maxRequests} requests · the run took ${meta.minutes} min · load average at the end ${meta.loadavg}`,
	);
	lines.push('');
	lines.push(
		'Command: `npm run bench` (`node bench/run.mjs`). One n8n per expression engine, every workflow imported into it, variants measured interleaved in rounds. ' +
			'Figures are medians of the rounds; a ratio is the median of the per-round ratios (both sides from the same round of the same n8n), ' +
			'so a ratio can differ from the quotient of the two medians. **Throughput** of deliveries that start an execution counts until the last execution of the burst has stopped ' +
			"(n8n's database); **latency** is the time to n8n's HTTP answer; **n8n CPU** is the user + system time of the n8n process (all its threads, /proc) during the burst divided by the deliveries: " +
			'a cost measure that other load on the machine disturbs less than throughput does.',
	);
	lines.push('');
	lines.push('| figure | engine | this package | n8n built-in | ratio (package ÷ built-in) | goal |');
	lines.push('|---|---|---|---|---|---|');

	const get = (e, v) => results[e]?.[v] || [];
	const m = (e, v, key) => median(get(e, v).map((r) => r[key]));
	/** Median over rounds of a[key] / b[key] (or b / a with invert), paired by round. */
	const ratio = (e, a, b, key = 'perSec', invert = false) => {
		const out = [];
		for (const x of get(e, a)) {
			const y = get(e, b).find((r) => r.round === x.round);
			if (y) out.push(invert ? y[key] / x[key] : x[key] / y[key]);
		}
		return median(out);
	};
	const has = (e, ...vs) => vs.every((v) => get(e, v).length);
	const row = (...cells) => lines.push(`| ${cells.join(' | ')} |`);
	const x = (v) => (Number.isFinite(v) ? `${fmt(v)}×` : '—');

	for (const e of engines) {
		if (has(e, 'ispm-accept', 'builtin-accept')) {
			const [a, b] = ['ispm-accept', 'builtin-accept'];
			row('**1** accepted deliveries/s: ISPM Issue Trigger → No Op vs Webhook (header auth) → No Op', label(e), fmt(m(e, a, 'perSec')), fmt(m(e, b, 'perSec')), x(ratio(e, a, b)), legacy(e) ? '≥ 1.0' : 'explain');
			row('1 p50 latency, ms', label(e), fmt(m(e, a, 'p50')), fmt(m(e, b, 'p50')), x(ratio(e, a, b, 'p50')), 'lower is better');
			row('1 p99 latency, ms', label(e), fmt(m(e, a, 'p99')), fmt(m(e, b, 'p99')), x(ratio(e, a, b, 'p99')), 'lower is better');
			row('1 n8n CPU per accepted delivery, ms', label(e), fmt(m(e, a, 'cpuPerDelivery')), fmt(m(e, b, 'cpuPerDelivery')), x(ratio(e, a, b, 'cpuPerDelivery')), 'lower is better');
		}
		if (has(e, 'ispm-accept', 'builtin-dedup-accept')) {
			const [a, b] = ['ispm-accept', 'builtin-dedup-accept'];
			row('1b accepted deliveries/s vs the same job built from Webhook → Remove Duplicates → If → No Op', label(e), fmt(m(e, a, 'perSec')), fmt(m(e, b, 'perSec')), x(ratio(e, a, b)), 'report');
			row('1b n8n CPU per accepted delivery, ms', label(e), fmt(m(e, a, 'cpuPerDelivery')), fmt(m(e, b, 'cpuPerDelivery')), x(ratio(e, a, b, 'cpuPerDelivery')), 'lower is better');
		}
		const drop = (v, builtin, builtinAccept, what) => {
			if (!has(e, v)) return;
			const hb = builtin && has(e, builtin);
			row(`**2** ${what} deliveries/s`, label(e), fmt(m(e, v, 'perSec')), hb ? fmt(m(e, builtin, 'perSec')) : '—', hb ? x(ratio(e, v, builtin)) : '—', 'report');
			if (has(e, 'ispm-accept')) {
				const hba = hb && has(e, builtinAccept);
				const cost = (a, acc) => `${fmt(ratio(e, a, acc, 'cpuPerDelivery'))} CPU · ${fmt(ratio(e, a, acc, 'perSec', true))} throughput`;
				row(`2 ${what}: cost of one ÷ cost of an accepted one`, label(e), cost(v, 'ispm-accept'), hba ? cost(builtin, builtinAccept) : '—', '', legacy(e) ? '≤ 0.33' : 'report');
			}
		};
		drop('ispm-duplicate', 'builtin-dedup-duplicate', 'builtin-dedup-accept', 'duplicate');
		drop('ispm-unselected', 'builtin-dedup-unselected', 'builtin-dedup-accept', 'unselected-type');
		drop('ispm-badkey', 'builtin-badkey', 'builtin-accept', 'bad-key');
		if (dropped[e] && (has(e, 'ispm-duplicate') || has(e, 'ispm-unselected') || has(e, 'ispm-badkey'))) {
			row(
				'2 executions started by dropped deliveries (n8n database)',
				label(e),
				`${dropped[e].executions} of ${dropped[e].deliveries}`,
				has(e, 'builtin-dedup-duplicate') ? 'one per duplicate or unselected delivery (Remove Duplicates and If run inside an execution)' : '—',
				'',
				'0',
			);
		}
		if (has(e, 'scale-small', 'scale-large')) {
			const [a, b] = ['scale-small', 'scale-large'];
			row('**3** accepted deliveries/s, remembering 100 → 100,000 issues', label(e), `${fmt(m(e, a, 'perSec'))} → ${fmt(m(e, b, 'perSec'))}`, '—', '', '');
			row('3 n8n CPU per delivery, ms, remembering 100 → 100,000 issues', label(e), `${fmt(m(e, a, 'cpuPerDelivery'))} → ${fmt(m(e, b, 'cpuPerDelivery'))}`, '—', '', '');
			row('3 cost per delivery, 100,000 ÷ 100 remembered', label(e), `${fmt(ratio(e, b, a, 'cpuPerDelivery'))} CPU · ${fmt(ratio(e, a, b))} throughput`, '—', '', '≤ 1.2');
		}
		if (has(e, 'scale-large')) {
			const st = staticSizes[e]?.[fx.WF.scaleLarge.id];
			if (st) row('3 static data stored at the bound (100,000 issues)', label(e), `${bytes(st.size)} (${st.shape})`, '—', '', 'report');
			if (st?.persisted) row('3 issues accepted in this run found in the stored memory afterwards', label(e), `${st.persisted.found} of ${st.persisted.of}`, '—', '', 'all');
		}
		if (has(e, 'send-ispm', 'send-http')) {
			const [a, b] = ['send-ispm', 'send-http'];
			row(`**4** sending ${OPTS.items} items, items/s while the node runs: ISPM Event Hook vs HTTP Request (defaults)`, label(e), fmt(m(e, a, 'perSec')), fmt(m(e, b, 'perSec')), x(ratio(e, a, b)), '≥ 3');
			row('4 n8n CPU per item, ms (whole execution)', label(e), fmt(m(e, a, 'cpuPerDelivery')), fmt(m(e, b, 'cpuPerDelivery')), x(ratio(e, a, b, 'cpuPerDelivery')), 'lower is better');
			row(`4 whole request (${OPTS.items} items in, workflow done), ms`, label(e), fmt(m(e, a, 'endToEndMs')), fmt(m(e, b, 'endToEndMs')), x(ratio(e, a, b, 'endToEndMs')), 'lower is better');
			if (has(e, 'send-ceiling')) {
				row(
					`4 share of the ceiling: a plain Node.js keep-alive client (${OPTS.ceilingConcurrency} in flight) at ${fmt(m(e, 'send-ceiling', 'perSec'))} items/s`,
					label(e),
					x(ratio(e, a, 'send-ceiling')),
					x(ratio(e, b, 'send-ceiling')),
					'',
					'close to 1',
				);
			}
		}
	}
	lines.push('');
	lines.push(
		`Figure 3's workflows were imported with their trigger's static data pre-filled (100 and 100,000 ids in the first stored form; the 100,000 one is ${bytes(meta.importedLarge)} as imported); ` +
			'the trigger rewrites it in its own stored form at its first execution. Figure 4 posts one request with the items to a Webhook → Split Out → node workflow answering when the last node is done; ' +
			"items/s is the number of items ÷ the node's own execution time from n8n's execution data; both nodes post the same envelopes to a local sink (a separate process) that checks the key.",
	);
	lines.push('');
	lines.push('<details><summary>Per-round figures</summary>');
	lines.push('');
	lines.push('| engine | variant | per round (/s) | n8n CPU ms per delivery | p50 ms | p99 ms | requests | notes |');
	lines.push('|---|---|---|---|---|---|---|---|');
	for (const e of engines) {
		for (const [v, rs] of Object.entries(results[e])) {
			lines.push(
				`| ${e} | ${v} | ${rs.map((r) => fmt(r.perSec)).join(', ')} | ${rs.map((r) => fmt(r.cpuPerDelivery)).join(', ')} | ${rs.map((r) => fmt(r.p50)).join(', ')} | ${rs.map((r) => fmt(r.p99)).join(', ')} | ${rs.map((r) => r.requests ?? r.sent).join(', ')} | ${rs.map(summariseProblems).filter(Boolean).join(' ')} |`,
			);
		}
	}
	lines.push('');
	lines.push('</details>');
	lines.push('');
	return lines.join('\n');
}

main().catch((error) => {
	process.stderr.write(`${error.stack || error}\n`);
	process.exit(1);
});
