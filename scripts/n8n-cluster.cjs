// n8n in queue mode (its distributed engine): one main (`n8n start`), N workers (`n8n worker`) and M webhook
// processes (`n8n webhook`) sharing one Postgres database and one Redis, each process with its own user
// folder holding this package installed the way n8n installs community packages. Built on n8n-instance.cjs
// (install, environment, CLI, start/stop) and services.cjs (Redis, Postgres). Types: n8n-cluster.d.cts.
//
//   startCluster()            install, import credentials and workflows, publish, start every process
//   cluster.main / .workers / .webhooks   processes: start(), stop() (graceful), kill() (SIGKILL)
//   cluster.addWorker()       one more worker, started
//   cluster.restartAll()      every process stopped, then started again (main first)
//   cluster.query(sql, params)   n8n's Postgres database through n8n's own `pg` module
//   cluster.stop()            everything stopped (the servers are the caller's)
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { randomBytes } = require('node:crypto');

const instance = require('./n8n-instance.cjs');
const { track, untrack } = require('./cleanup.cjs');
const { tailOf } = require('./services.cjs');

const log = (msg) => process.stderr.write(`[n8n-cluster] ${msg}\n`);

/**
 * How often n8n's main looks for executions left `new` or `running` by a process that died and marks them
 * `crashed` (N8N_EXECUTIONS_QUEUE_RECOVERY_INTERVAL, minutes; n8n's default is 180, and it also checks once
 * at start). Short here, so a suite that kills a process sees n8n settle within its run.
 */
const QUEUE_RECOVERY_INTERVAL_MIN = '0.25';

/**
 * `query(sql, params)` over n8n's Postgres database with the `pg` module n8n ships (so the project needs no
 * Postgres client of its own). Placeholders are written `?` (as for SQLite) and become `$1, $2, …`.
 * `close()` ends the pool.
 */
function postgresQuery(runtime, postgres) {
	const { Pool } = require(path.join(runtime.n8nDir, 'node_modules', 'pg'));
	const pool = new Pool({
		host: postgres.host,
		port: postgres.port,
		database: postgres.database,
		user: postgres.user,
		password: postgres.password,
		max: 2,
	});
	pool.on('error', () => {
		/* an idle client lost its connection (server stopping); the next query reconnects */
	});
	const query = async (sql, params = []) => {
		let n = 0;
		const text = sql.replace(/\?/g, () => `$${++n}`);
		return (await pool.query(text, params)).rows;
	};
	query.close = () => pool.end();
	return query;
}

/** SIGKILL to an n8n started detached: its process group (n8n and its task runner), then n8n itself. */
function killGroup(pid) {
	for (const target of [-pid, pid]) {
		try {
			process.kill(target, 'SIGKILL');
		} catch {
			/* already gone */
		}
	}
}

/**
 * One long-running n8n process (a cluster's main, worker or webhook process, or a regular-mode n8n).
 * `start()` boots it and waits for its readiness endpoint and, for a main given `query`, until its published
 * workflows are active; `stop()` ends it gracefully (SIGTERM: n8n finishes what runs); `kill()` ends it and
 * its task runner at once with SIGKILL, as a crash or an out-of-memory kill would. Its output is appended
 * to `logFile` across restarts. It is tracked (cleanup.cjs) while it runs.
 */
function n8nProcess({
	runtime,
	name,
	role = 'main',
	command = 'start',
	env,
	logFile,
	readinessUrl,
	query,
}) {
	let running = null;
	const cleanupKey = `n8n ${name} (${logFile})`;
	const proc = {
		name,
		role,
		env,
		logFile,
		port: Number(env.N8N_PORT),
		baseUrl: `http://127.0.0.1:${env.N8N_PORT}`,
		get pid() {
			return running ? running.pid : null;
		},
		get isRunning() {
			return running !== null && running.child.exitCode === null && !running.child.signalCode;
		},
		async start() {
			if (proc.isRunning) throw new Error(`${name} is already running`);
			let started;
			try {
				started = await instance.startN8n({
					runtime,
					env,
					command,
					readinessUrl,
					output: logFile,
					detached: true,
					waitForWorkflows: false,
					onSpawn: (child) => track(cleanupKey, { pid: child.pid, group: true, match: 'n8n' }),
				});
			} catch (error) {
				untrack(cleanupKey); // startN8n stopped it, or it exited by itself
				throw error;
			}
			running = started;
			if (role === 'main' && query) {
				const exited = () => started.child.exitCode !== null || started.child.signalCode !== null;
				await instance.waitForPublicationsIn(query, { timeoutMs: 180000, hasExited: exited });
			}
			return proc;
		},
		async stop(options) {
			if (!running) return;
			await instance.stopN8n(running.child, options);
			running = null;
			untrack(cleanupKey);
		},
		async kill() {
			if (!running) return;
			const { child } = running;
			killGroup(child.pid);
			while (child.exitCode === null && child.signalCode === null) await instance.sleep(20);
			running = null;
			untrack(cleanupKey);
		},
		tail(chars = 4000) {
			return tailOf(logFile, chars);
		},
	};
	return proc;
}

/**
 * Installs, configures and starts a queue-mode cluster.
 * @param {object} options
 * @param {import('./n8n-instance.cjs').Runtime} options.runtime
 * @param {string} options.tarball  this package, packed (n8n-instance packPackage)
 * @param {string} options.workDir  folder for user folders and logs (the caller removes it)
 * @param {{host,port,database,user,password}} options.postgres
 * @param {{host,port}} options.redis  the Redis of n8n's queue
 * @param {number} [options.workers=1]
 * @param {number} [options.webhooks=2]
 * @param {object[]} [options.credentials]  n8n credential exports (plain `data`, encrypted on import)
 * @param {object[]} [options.workflows]   n8n workflow exports; every one is published
 * @param {Record<string,string>} [options.env]  extra environment for every process
 */
async function startCluster({
	runtime,
	tarball,
	workDir,
	postgres,
	redis,
	workers = 1,
	webhooks = 2,
	credentials = [],
	workflows = [],
	env: extraEnv = {},
}) {
	fs.mkdirSync(path.join(workDir, 'logs'), { recursive: true });
	const query = postgresQuery(runtime, postgres);
	const shared = {
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
		...extraEnv,
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: postgres.host,
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_DATABASE: postgres.database,
		DB_POSTGRESDB_USER: postgres.user,
		DB_POSTGRESDB_PASSWORD: postgres.password,
		N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
		N8N_EXECUTIONS_QUEUE_RECOVERY_INTERVAL: QUEUE_RECOVERY_INTERVAL_MIN,
	};
	const processes = [];

	// The package is installed once, as n8n installs community packages; every other process gets a copy
	// of that nodes folder (the same files, without paying npm's start-up again per process).
	let installedNodes = null;
	function installInto(userFolder) {
		const nodesDir = path.join(userFolder, '.n8n', 'nodes');
		if (installedNodes) {
			fs.cpSync(installedNodes, nodesDir, { recursive: true, verbatimSymlinks: true });
		} else {
			instance.installPackage({ userFolder, tarball, quiet: true });
			installedNodes = nodesDir;
		}
	}

	async function makeProcess(role, index) {
		const name = role === 'main' ? 'main' : `${role}${index}`;
		const userFolder = path.join(workDir, name);
		installInto(userFolder);
		const [port, brokerPort, healthPort] = [
			await instance.getFreePort(),
			await instance.getFreePort(),
			await instance.getFreePort(),
		];
		const extra = { ...shared };
		if (role === 'worker') {
			extra.QUEUE_HEALTH_CHECK_ACTIVE = 'true';
			extra.QUEUE_HEALTH_CHECK_PORT = String(healthPort);
		}
		const env = instance.n8nEnv({
			runtime,
			userFolder,
			port,
			brokerPort,
			listenAddress: '127.0.0.1',
			extra,
		});
		const proc = n8nProcess({
			runtime,
			name,
			role,
			command: role === 'main' ? 'start' : role,
			env,
			logFile: path.join(workDir, 'logs', `${name}.log`),
			readinessUrl:
				role === 'worker'
					? `http://127.0.0.1:${healthPort}/healthz/readiness`
					: `http://127.0.0.1:${port}/healthz/readiness`,
			query,
		});
		processes.push(proc);
		return proc;
	}

	const cluster = {
		query,
		workDir,
		/** Every process, main first. */
		get processes() {
			return [...processes];
		},
		get main() {
			return processes.find((p) => p.role === 'main');
		},
		get workers() {
			return processes.filter((p) => p.role === 'worker');
		},
		get webhooks() {
			return processes.filter((p) => p.role === 'webhook');
		},
		/** Starts one more worker and resolves once it is ready. */
		async addWorker() {
			const worker = await makeProcess('worker', cluster.workers.length + 1);
			await worker.start();
			log(`${worker.name} ready`);
			return worker;
		},
		/** Stops a process for good and forgets it. */
		async removeProcess(proc) {
			await proc.stop();
			processes.splice(processes.indexOf(proc), 1);
		},
		/** Starts whatever is not running: main first (it activates the workflows), then the rest at once. */
		async startAll() {
			if (!cluster.main.isRunning) await cluster.main.start();
			await Promise.all(processes.filter((p) => !p.isRunning).map((p) => p.start()));
		},
		/** Graceful stop of everything: webhook processes (no new work), workers (finish theirs), main. */
		async stopAll() {
			await Promise.all(cluster.webhooks.map((p) => p.stop()));
			await Promise.all(cluster.workers.map((p) => p.stop()));
			await cluster.main.stop();
		},
		async restartAll() {
			await cluster.stopAll();
			await cluster.startAll();
		},
		/** The end of every process's log, for a failure message. */
		tails(chars = 3000) {
			return processes.map((p) => `--- ${p.name} (${p.logFile}) ---\n${p.tail(chars)}`).join('\n');
		},
		/** Stops every process (SIGKILL for any that does not stop in time) and closes the database pool. */
		async stop() {
			try {
				await cluster.stopAll();
			} finally {
				await Promise.all(processes.map((p) => p.kill()));
				await query.close();
			}
		},
	};

	try {
		const main = await makeProcess('main', 0);
		for (let i = 1; i <= workers; i += 1) await makeProcess('worker', i);
		for (let i = 1; i <= webhooks; i += 1) await makeProcess('webhook', i);
		log('installed the package; importing');
		importAll(runtime, main.env, workDir, credentials, workflows);
		await instance.publishWorkflows(
			runtime,
			main.env,
			workflows.map((w) => w.id),
			{ query },
		);
		log(
			`starting main, ${workers} worker(s), ${webhooks} webhook process(es) (logs in ${workDir}/logs)`,
		);
		await cluster.startAll();
		log('every process is ready');
	} catch (error) {
		const tails = cluster.tails();
		await cluster.stop().catch(() => {});
		error.message += `\n${tails}`;
		throw error;
	}
	return cluster;
}

/** Imports credentials and workflows with the main's environment (before any process starts). */
function importAll(runtime, env, workDir, credentials, workflows) {
	const importDir = path.join(workDir, 'import');
	fs.mkdirSync(path.join(importDir, 'workflows'), { recursive: true });
	if (credentials.length) {
		const file = path.join(importDir, 'credentials.json');
		fs.writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
		try {
			instance.importCredentials(runtime, env, file);
		} finally {
			fs.rmSync(file, { force: true });
		}
	}
	for (const workflow of workflows) {
		fs.writeFileSync(
			path.join(importDir, 'workflows', `${workflow.id}.json`),
			JSON.stringify(workflow),
		);
	}
	if (workflows.length) instance.importWorkflows(runtime, env, path.join(importDir, 'workflows'));
}

module.exports = { startCluster, n8nProcess, postgresQuery, QUEUE_RECOVERY_INTERVAL_MIN };
