#!/usr/bin/env node
// `npm run bench`: this package against n8n's own nodes, side by side, in real n8n: one regular-mode n8n
// per expression engine, then a queue-mode cluster (main + 1 worker + 2 webhook processes, Postgres, Redis).
//
// Setup (once): provision Node 24 + n8n (cached; scripts/runtime.mjs), build and pack a snapshot of the
// package in a temporary folder (the shared dist/ is never touched), install it into a template n8n user
// folder, import credentials and every benchmark workflow, publish them. Then, per engine (n8n's default
// `vm` and `N8N_EXPRESSION_ENGINE=legacy`), a copy of that folder boots one n8n and every variant is measured
// in rounds, interleaved (the starting variant rotates each round); then the same in queue mode
// (scripts/n8n-cluster.cjs on scripts/services.cjs' Redis and Postgres) for its variants. Figures are medians
// of rounds and ratios are taken within one n8n in one run. Loopback only; every burst is bounded.
// What is measured and how: bench/README.md; the variants: bench/lib/bench.mjs.
//
// Options (also as BENCH_<NAME> environment variables):
//   --quick                 a shorter run (see QUICK below): 2 rounds, shorter bursts, `legacy` only
//   --rounds=3 --burst-ms=2000 --max-requests=400 --concurrency=8 --items=1000 --backlog-ms=6000
//   --engines=vm,legacy     regular mode (also vm-lazy: N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true)
//   --queue-engines=legacy  queue mode (empty: no queue mode)
//   --variants=a,b          only these (see bench/lib/bench.mjs VARIANTS)
//   --source=worktree|head  what to build: the working tree (default) or the last commit
//   --patch=file.diff[,…]   apply these patches to the snapshot before building (measure a proposed change
//                           without touching the working tree)
//   --trigger-version=1.1   typeVersion of the ISPM Issue Trigger in the imported workflows
//   --profile               regular mode only: run n8n with --cpu-prof and summarise where its CPU time went,
//                           per variant, into --profile-out=bench/PROFILE-{engine}.md (no RESULTS written;
//                           work folder kept)
//   --out=bench/RESULTS.md  --no-write   --keep (keep the temporary folder)
//   --report-from=bench/RESULTS.json   only re-render the table of an earlier run (with --out=… to write it)
import { spawn, spawnSync } from 'node:child_process';
import {
	cpSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as fx from './lib/fixtures.mjs';
import { Bench, usesRedis, VARIANTS, waitForHooks } from './lib/bench.mjs';
import { postgresPids, redisServerPid } from './lib/cpu.mjs';
import { sqliteReader } from './lib/db.mjs';
import { summariseProfiles } from './lib/profile.mjs';
import { label, problems, report } from './lib/report.mjs';
import { fmt } from './lib/stats.mjs';

const require = createRequire(import.meta.url);
const instance = require('../scripts/n8n-instance.cjs');
const services = require('../scripts/services.cjs');
const { startCluster } = require('../scripts/n8n-cluster.cjs');
const { track, untrack } = require('../scripts/cleanup.cjs');
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
const opt = (name, fallback) =>
	args[name] ?? process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`] ?? fallback;
/** --quick: every figure, in about a third of the time, with less certainty (fewer and shorter bursts, one engine). */
const QUICK = {
	rounds: 2,
	'burst-ms': 1200,
	'backlog-ms': 3000,
	engines: 'legacy',
	'queue-engines': 'legacy',
};
const quick = opt('quick', 'false') === 'true';
const qopt = (name, fallback) => opt(name, quick ? (QUICK[name] ?? fallback) : fallback);
const list = (value) => String(value).split(',').filter(Boolean);
const OPTS = {
	rounds: Number(qopt('rounds', 3)),
	burstMs: Number(qopt('burst-ms', 2000)),
	maxRequests: Number(opt('max-requests', 400)),
	concurrency: Number(opt('concurrency', 8)),
	items: Number(opt('items', 1000)),
	backlogMs: Number(qopt('backlog-ms', 6000)),
	engines: list(qopt('engines', 'vm,legacy')),
	queueEngines: list(qopt('queue-engines', 'legacy')),
	variants: opt('variants', '') ? list(opt('variants')) : null,
	source: String(opt('source', 'worktree')),
	profile: opt('profile', 'false') === 'true',
	out: path.resolve(ROOT, String(opt('out', 'bench/RESULTS.md'))),
	write: opt('no-write', 'false') !== 'true',
	keep: opt('keep', 'false') === 'true' || opt('profile', 'false') === 'true', // profiles stay for inspection
	ceilingConcurrency: Number(opt('ceiling-concurrency', 5)),
	triggerVersion: Number(opt('trigger-version', 1.1)),
	patches: opt('patch', '') ? list(opt('patch')).map((p) => path.resolve(process.cwd(), p)) : [],
	quick,
};
if (OPTS.profile) OPTS.queueEngines = [];
const runStarted = Date.now();
const log = (msg) =>
	process.stderr.write(
		`[bench ${((Date.now() - runStarted) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`,
	);
const loadavg = () =>
	os
		.loadavg()
		.map((l) => l.toFixed(2))
		.join(' ');

/** n8n settings per engine name (--engines). `vm` is n8n's default: nothing set. */
const ENGINES = {
	vm: {},
	legacy: { N8N_EXPRESSION_ENGINE: 'legacy' },
	// The default engine, with isolates taken only when an expression needs one.
	'vm-lazy': { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' },
};

// ---------------------------------------------------------------- setup helpers
function git(argsList) {
	const r = spawnSync('git', argsList, {
		cwd: ROOT,
		encoding: 'utf8',
		maxBuffer: 64 * 1024 * 1024,
	});
	return r.status === 0 ? r.stdout : null;
}

/** Copies the package's sources (tracked and untracked-but-not-ignored files, or the last commit) to `dest`. */
function snapshotSources(dest) {
	mkdirSync(dest, { recursive: true });
	if (OPTS.source === 'head') {
		const r = spawnSync('sh', ['-c', `git archive HEAD | tar -x -C "${dest}"`], {
			cwd: ROOT,
			stdio: 'inherit',
		});
		if (r.status !== 0) throw new Error('git archive HEAD failed');
	} else {
		const listed = git(['ls-files', '--cached', '--others', '--exclude-standard', '-z']);
		const files = listed === null ? null : listed.split('\0').filter(Boolean);
		if (files === null) {
			// not a git checkout: copy everything but build output and dependencies
			cpSync(ROOT, dest, {
				recursive: true,
				filter: (src) => !/\/(node_modules|dist|\.git)(\/|$)/.test(src.slice(ROOT.length)),
			});
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

function startSink(keyName, keyValue) {
	return new Promise((resolve, reject) => {
		const child = spawn(
			process.execPath,
			[path.join(HERE, 'lib', 'sink.mjs'), '0', keyName, keyValue],
			{
				stdio: ['ignore', 'pipe', 'inherit'],
			},
		);
		track('bench sink', { pid: child.pid, match: 'sink.mjs' });
		let out = '';
		child.stdout.on('data', (c) => {
			out += c;
			const m = /listening (\d+)/.exec(out);
			if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}` });
		});
		child.on('exit', (code) => {
			untrack('bench sink');
			reject(new Error(`the sink exited (${code})`));
		});
	});
}

/** Measures every selected variant on `b`: warm-up in declared order, then rounds, the first variant rotating. */
async function measureAll(b, selected) {
	log(`[${b.key}] warm-up`);
	for (const v of selected) {
		b.warmUp = true;
		await VARIANTS[v].run(b);
		b.warmUp = false;
	}
	const perVariant = Object.fromEntries(selected.map((v) => [v, []]));
	for (let round = 0; round < OPTS.rounds; round += 1) {
		log(`[${b.key}] round ${round + 1}/${OPTS.rounds}, load average ${loadavg()}`);
		const order = selected.map((_, i) => selected[(i + round) % selected.length]);
		for (const v of order) {
			b.current = v;
			const r = await VARIANTS[v].run(b);
			r.round = round;
			perVariant[v].push(r);
			const backlog =
				r.backlogAtStop !== undefined
					? ` backlog ${r.backlogAtStop}/${r.notCreatedAtStop} drain ${fmt(r.drainMs)} ms`
					: '';
			const note = problems(r, OPTS);
			log(
				`[${b.key}] ${v}: ${fmt(r.perSec)}/s${r.answeredPerSec !== undefined ? ` (answered ${fmt(r.answeredPerSec)}/s)` : ''}${r.p50 !== undefined ? ` p50 ${fmt(r.p50)} ms` : ''} n8n CPU ${fmt(r.cpuPerDelivery)} ms/delivery${backlog}${note ? `  ${note}` : ''}`,
			);
		}
	}
	return perVariant;
}

/**
 * After the measurements: the newest issues each trigger workflow accepted during the run, delivered once
 * more (each to the process that accepted it). Every one should be answered duplicate and start nothing.
 * At most the trigger's capacity (`rememberIssues`: 100 for scale-small) minus a margin for the order in
 * which concurrent deliveries were recorded.
 */
async function recheck(b, selected) {
	const checks = [
		['ispm-accept', fx.WF.ispmAccept, b.pools.ispm, 400],
		['redis-accept', fx.WF.ispmRedis, b.pools.redis, 400],
		['scale-small', fx.WF.scaleSmall, b.pools.scaleSmall, 50],
		['scale-large', fx.WF.scaleLarge, b.pools.scaleLarge, 400],
	];
	const out = {};
	for (const [v, wf, pool, max] of checks) {
		if (!selected.includes(v) || pool.length === 0) continue;
		out[v] = await b.redeliver(wf, pool, max);
		log(
			`[${b.key}] ${v}: the newest ${out[v].sent} accepted issues delivered again: ${out[v].duplicate} answered duplicate, ${out[v].executions} executions started`,
		);
	}
	return out;
}

// ---------------------------------------------------------------- regular mode
async function regularMode({
	runtime,
	engine,
	template,
	workDir,
	secrets,
	sink,
	flatted,
	selected,
	redis,
	workflowIds,
	children,
}) {
	const userFolder = path.join(workDir, engine);
	cpSync(template, userFolder, { recursive: true });
	if (redis) await redis.command('FLUSHALL'); // each engine's n8n starts with an empty shared memory
	const [port, brokerPort] = [await instance.getFreePort(), await instance.getFreePort()];
	const extra = { N8N_LOG_LEVEL: 'warn', ...ENGINES[engine] };
	const env = instance.n8nEnv({
		runtime,
		userFolder,
		port,
		brokerPort,
		listenAddress: '127.0.0.1',
		extra,
	});
	const profileDir = path.join(workDir, `profile-${engine}`);
	if (OPTS.profile) env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${profileDir}`;
	log(`[${engine}] starting n8n on port ${port}`);
	const cleanupKey = `bench n8n ${engine}`;
	const running = await instance.startN8n({
		runtime,
		env,
		output: path.join(workDir, `n8n-${engine}.log`),
		detached: true,
		onSpawn: (child) => track(cleanupKey, { pid: child.pid, group: true, match: 'n8n' }),
	});
	children.push(running);
	const query = sqliteReader(runtime, instance.databaseFile(userFolder));
	const redisPid = redis ? redisServerPid(redis.port) : undefined;
	try {
		const b = new Bench({
			key: engine,
			mode: 'regular',
			engine,
			bases: [`http://127.0.0.1:${port}`],
			n8nPids: () => [running.pid],
			serverPids: () => (redisPid ? [redisPid] : []),
			query,
			secrets,
			sinkUrl: sink.url,
			flatted,
			opts: OPTS,
			log,
		});
		await waitForHooks(
			b,
			Object.values(fx.WF).filter((wf) => workflowIds.includes(wf.id)),
		);
		const perVariant = await measureAll(b, selected);
		await instance.sleep(1500); // n8n saves static data just after an execution stops
		const sizes = await query(
			`SELECT "id", length("staticData") AS "size", "staticData" FROM "workflow_entity" WHERE "id" IN (?, ?, ?)`,
			[fx.WF.scaleLarge.id, fx.WF.scaleSmall.id, fx.WF.ispmAccept.id],
		);
		const staticSizes = Object.fromEntries(
			sizes.map((r) => [r.id, { size: r.size, shape: describeStatic(r.staticData) }]),
		);
		const large = sizes.find((r) => r.id === fx.WF.scaleLarge.id);
		if (large)
			staticSizes[large.id].persisted = persistedShare(large.staticData, b.pools.scaleLarge);
		const rechecked = await recheck(b, selected);
		if (OPTS.profile) {
			await running.stop();
			const deliveries = Object.fromEntries(
				Object.entries(perVariant).map(([v, rs]) => [
					v,
					rs.reduce((a, r) => a + (r.requests ?? OPTS.items), 0),
				]),
			);
			const summary = summariseProfiles(profileDir, { windows: b.windows, deliveries });
			const file = path.resolve(
				process.cwd(),
				String(opt('profile-out', `bench/PROFILE-${engine}.md`)).replace('{engine}', engine),
			);
			mkdirSync(path.dirname(file), { recursive: true });
			writeFileSync(file, summary);
			log(
				`[${engine}] profile summary written to ${path.relative(ROOT, file)} (raw profiles in ${profileDir})`,
			);
		}
		return {
			perVariant,
			staticSizes,
			rechecked,
			dropped: { executions: b.droppedExecutions, deliveries: b.droppedDeliveries },
		};
	} finally {
		log(`[${engine}] stopping n8n`);
		await query.close();
		await running.stop();
		untrack(cleanupKey);
		children.splice(children.indexOf(running), 1);
	}
}

// ---------------------------------------------------------------- queue mode
/**
 * Queue mode for one engine: a fresh Postgres and Redis (scripts/services.cjs; the issue memory uses the
 * queue's Redis, as the trigger's notice suggests), the cluster (scripts/n8n-cluster.cjs), its variants.
 */
async function queueMode({ runtime, engine, tarball, workDir, secrets, sink, flatted, selected }) {
	const key = `queue:${engine}`;
	log(`[${key}] starting Postgres and Redis`);
	const postgres = await services.startPostgres({ name: `bench-postgres-${engine}` });
	const redis = await services.startRedis({ name: `bench-queue-redis-${engine}`, persist: false });
	let cluster;
	try {
		const ids = [fx.WF.ispmAccept.id, fx.WF.ispmRedis.id, fx.WF.builtinAccept.id];
		cluster = await startCluster({
			runtime,
			tarball,
			workDir: path.join(workDir, key.replace(':', '-')),
			postgres,
			redis,
			workers: 1,
			webhooks: 2,
			credentials: fx.credentials(secrets, sink.url, redis),
			workflows: fx.workflows({ triggerTypeVersion: OPTS.triggerVersion, only: ids }),
			env: { N8N_LOG_LEVEL: 'warn', ...ENGINES[engine] },
		});
		const redisPid = redisServerPid(redis.port);
		const pgData = path.join(postgres.dir, 'data');
		const b = new Bench({
			key,
			mode: 'queue',
			engine,
			bases: cluster.webhooks.map((p) => p.baseUrl),
			n8nPids: () => cluster.processes.map((p) => p.pid).filter(Boolean),
			serverPids: () => [redisPid, ...postgresPids(pgData)].filter(Boolean),
			query: cluster.query,
			secrets,
			sinkUrl: sink.url,
			flatted,
			opts: OPTS,
			log,
		});
		await waitForHooks(b, [fx.WF.ispmAccept, fx.WF.ispmRedis, fx.WF.builtinAccept]);
		const perVariant = await measureAll(b, selected);
		return { perVariant, rechecked: await recheck(b, selected) };
	} finally {
		log(`[${key}] stopping the cluster, Postgres and Redis`);
		if (cluster)
			await cluster.stop().catch((error) => log(`stopping the cluster: ${error.message}`));
		await redis.remove();
		await postgres.remove();
	}
}

// ---------------------------------------------------------------- main
async function main() {
	if (opt('report-from', '')) {
		// Re-renders the table from a results file (bench/RESULTS.json) without measuring anything.
		const saved = JSON.parse(
			readFileSync(path.resolve(process.cwd(), String(opt('report-from'))), 'utf8'),
		);
		const md = report(saved);
		process.stdout.write(`${md}\n`);
		if (OPTS.write && args.out) writeFileSync(OPTS.out, md);
		return;
	}
	for (const e of [...OPTS.engines, ...OPTS.queueEngines])
		if (!ENGINES[e])
			throw new Error(`unknown engine ${e}; known: ${Object.keys(ENGINES).join(', ')}`);
	const chosen = OPTS.variants ?? Object.keys(VARIANTS);
	for (const v of chosen)
		if (!VARIANTS[v])
			throw new Error(`unknown variant ${v}; known: ${Object.keys(VARIANTS).join(', ')}`);
	const regularVariants = chosen.filter((v) => VARIANTS[v].modes.includes('regular'));
	const queueVariants = OPTS.queueEngines.length
		? chosen.filter((v) => VARIANTS[v].modes.includes('queue'))
		: [];
	log(`options ${JSON.stringify({ ...OPTS, out: path.relative(ROOT, OPTS.out) })}`);
	const loadStart = loadavg();

	const runtime = instance.provision();
	const n8nVersion = JSON.parse(
		readFileSync(path.join(runtime.n8nDir, 'node_modules', 'n8n', 'package.json'), 'utf8'),
	).version;
	const nodeVersion = spawnSync(runtime.node, ['--version'], { encoding: 'utf8' }).stdout.trim();
	const flatted = createRequire(path.join(runtime.n8nDir, 'node_modules', 'n8n', 'package.json'))(
		'flatted',
	);

	const workDir = mkdtempSync(path.join(os.tmpdir(), 'ispm-bench-'));
	if (!OPTS.keep) track('bench work folder', { dir: workDir });
	log(`work folder ${workDir}`);
	const children = [];
	let redis = null;
	const cleanup = async () => {
		for (const c of children.splice(0)) await c.stop().catch(() => {});
		if (redis) await redis.remove().catch(() => {});
		if (!OPTS.keep) {
			rmSync(workDir, { recursive: true, force: true });
			untrack('bench work folder');
		}
	};

	try {
		const secrets = fx.makeSecrets();
		const sink = await startSink(fx.SINK_HEADER, secrets.sinkKey);
		children.push({
			stop: async () => {
				sink.child.removeAllListeners('exit');
				sink.child.kill('SIGTERM');
				untrack('bench sink');
			},
		});

		log(
			`building the package (${OPTS.source === 'head' ? 'last commit' : 'working tree'}) in ${workDir}/src`,
		);
		const src = path.join(workDir, 'src');
		snapshotSources(src);
		instance.buildPackage({ root: src, quiet: true });
		const tarball = instance.packPackage({ root: src, destDir: path.join(workDir, 'pack') });
		const commit = (git(['rev-parse', '--short', 'HEAD']) || '').trim();
		const dirty =
			OPTS.source !== 'head' &&
			(
				git([
					'status',
					'--porcelain',
					'--untracked-files=no',
					'--',
					'lib',
					'nodes',
					'credentials',
				]) || ''
			).trim() !== '';

		const results = {};
		const staticSizes = {};
		const dropped = {};
		const rechecked = {};
		let importedLarge = NaN;
		if (regularVariants.length && OPTS.engines.length) {
			if (regularVariants.some(usesRedis))
				redis = await services.startRedis({ name: 'bench-redis', persist: false });
			const template = path.join(workDir, 'template');
			instance.installPackage({ userFolder: template, tarball, quiet: true });
			const env0 = instance.n8nEnv({ runtime, userFolder: template, listenAddress: '127.0.0.1' });
			const importDir = path.join(workDir, 'import');
			mkdirSync(path.join(importDir, 'workflows'), { recursive: true });
			const credFile = path.join(importDir, 'credentials.json');
			writeFileSync(credFile, JSON.stringify(fx.credentials(secrets, sink.url, redis)), {
				mode: 0o600,
			});
			log('importing credentials and workflows');
			instance.importCredentials(runtime, env0, credFile);
			rmSync(credFile);
			const wfs = fx
				.workflows({ triggerTypeVersion: OPTS.triggerVersion })
				.filter((wf) => redis || wf.id !== fx.WF.ispmRedis.id);
			for (const wf of wfs) {
				for (const n of wf.nodes)
					if (n.type === 'n8n-nodes-base.httpRequest') n.parameters.url = `${sink.url}/hook/http`;
				writeFileSync(path.join(importDir, 'workflows', `${wf.id}.json`), JSON.stringify(wf));
			}
			instance.importWorkflows(runtime, env0, path.join(importDir, 'workflows'));
			const ids = wfs.map((w) => w.id);
			const imported = await instance.queryDb(
				runtime,
				template,
				`SELECT id, length(staticData) AS size FROM workflow_entity`,
			);
			if (ids.some((id) => !imported.find((r) => r.id === id)))
				throw new Error(`n8n did not import every workflow: ${JSON.stringify(imported)}`);
			importedLarge = imported.find((r) => r.id === fx.WF.scaleLarge.id).size;
			log(`publishing ${ids.length} workflows`);
			await instance.publishWorkflows(runtime, env0, ids);
			for (const engine of OPTS.engines) {
				const r = await regularMode({
					runtime,
					engine,
					template,
					workDir,
					secrets,
					sink,
					flatted,
					selected: regularVariants,
					redis,
					workflowIds: ids,
					children,
				});
				results[engine] = r.perVariant;
				staticSizes[engine] = r.staticSizes;
				rechecked[engine] = r.rechecked;
				dropped[engine] = r.dropped;
			}
			if (redis) await redis.remove();
			redis = null;
		}
		for (const engine of queueVariants.length ? OPTS.queueEngines : []) {
			const r = await queueMode({
				runtime,
				engine,
				tarball,
				workDir,
				secrets,
				sink,
				flatted,
				selected: queueVariants,
			});
			results[`queue:${engine}`] = r.perVariant;
			rechecked[`queue:${engine}`] = r.rechecked;
		}

		const meta = {
			n8nVersion,
			nodeVersion,
			cores: os.cpus().length,
			cpu: os.cpus()[0]?.model ?? '?',
			commit:
				commit +
				(dirty ? ' + uncommitted changes' : '') +
				OPTS.patches.map((p) => ` + ${path.relative(ROOT, p)}`).join(''),
			date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
			loadStart,
			loadEnd: loadavg(),
			minutes: ((Date.now() - runStarted) / 60000).toFixed(1),
			importedLarge,
			quick: OPTS.quick,
		};
		const saved = { meta, options: OPTS, results, staticSizes, dropped, rechecked };
		const md = report(saved);
		process.stdout.write(`${md}\n`);
		if (OPTS.write && !OPTS.profile) {
			writeFileSync(OPTS.out, md);
			writeFileSync(OPTS.out.replace(/\.md$/, '.json'), `${JSON.stringify(saved, null, 1)}\n`);
			log(`written to ${path.relative(ROOT, OPTS.out)}`);
		}
		log(`done in ${meta.minutes} min (${Object.keys(results).map(label).join(', ')})`);
	} finally {
		await cleanup();
		if (OPTS.keep) log(`kept ${workDir}`);
	}
}

function describeStatic(text) {
	try {
		const ring = JSON.parse(text)[`node:${fx.TRIGGER_NODE}`]?.seenIssues;
		if (!ring) return 'none';
		const n = typeof ring.keys === 'string' ? `${ring.keys.length / 16} keys` : '?';
		return `version ${ring.version}, capacity ${ring.capacity}, ${n}`;
	} catch {
		return '?';
	}
}

/** How many of the issues the trigger accepted in this run its stored memory holds once the run is over. */
function persistedShare(text, accepted) {
	try {
		const ring = JSON.parse(text)[`node:${fx.TRIGGER_NODE}`]?.seenIssues;
		if (typeof ring?.keys !== 'string') return { found: 0, of: accepted.length };
		const keys = new Set(ring.keys.match(/.{16}/g) || []);
		return {
			found: accepted.filter((e) => keys.has(fx.issueKey(e.id))).length,
			of: accepted.length,
		};
	} catch {
		return { found: NaN, of: accepted.length };
	}
}

main().catch((error) => {
	process.stderr.write(`${error.stack || error}\n`);
	process.exit(1);
});
