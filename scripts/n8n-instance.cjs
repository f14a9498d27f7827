// One real n8n with this package installed: the shared machinery behind `npm start`, the end-to-end
// tests (test/e2e) and the benchmarks. CommonJS on purpose: ESM scripts import it, and Jest (ts-jest,
// CommonJS) requires it without experimental flags. Types: n8n-instance.d.cts.
//
// Steps, each usable alone:
//   provision()                      Node >= 24 + pinned n8n, cached outside the repo (scripts/runtime.mjs)
//   buildPackage() / packPackage()   `npm run build`, `npm pack` into a folder
//   installPackage()                 the tarball into $N8N_USER_FOLDER/.n8n/nodes, the way n8n does it
//   n8nEnv() / n8nCli()              environment and CLI (import:credentials, import:workflow, publish:workflow)
//   startN8n() / stopN8n()           boot, wait for /healthz/readiness, stop cleanly
//   queryDb()                        read n8n's SQLite database with Node 24's built-in node:sqlite
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');

const ROOT = path.resolve(__dirname, '..');
const PACKAGE_NAME = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).name;

const log = (msg) => process.stderr.write(`[n8n-instance] ${msg}\n`);

function sleep(ms) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a command synchronously; output goes to our stderr (progress stays visible, stdout stays clean). */
function runSync(cmd, args, options = {}) {
	const { quiet, ...spawnOptions } = options;
	if (!quiet)
		log(`$ ${cmd} ${args.join(' ')}${spawnOptions.cwd ? `   (in ${spawnOptions.cwd})` : ''}`);
	const result = spawnSync(cmd, args, {
		stdio: ['ignore', quiet ? 'pipe' : 2, quiet ? 'pipe' : 'inherit'],
		encoding: 'utf8',
		...spawnOptions,
	});
	if (result.error) throw result.error;
	if (result.status !== 0) {
		const detail = quiet
			? `\n${String(result.stdout || '')}${String(result.stderr || '')}`.trimEnd()
			: '';
		throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${result.status}${detail}`);
	}
	return result;
}

/**
 * Node >= 24 and n8n (N8N_VERSION, default 2.40.7), installed once into N8N_ISPM_CACHE
 * (default ~/.cache/n8n-nodes-ispm). The first run shows npm's progress on stderr.
 * @returns {{ node: string, n8nBin: string, n8nDir: string }}
 */
function provision() {
	const result = spawnSync(process.execPath, [path.join(__dirname, 'runtime.mjs')], {
		stdio: ['ignore', 'pipe', 'inherit'],
		encoding: 'utf8',
	});
	if (result.status !== 0)
		throw new Error(`provisioning n8n failed (exit code ${result.status}); see the output above`);
	const lines = result.stdout.trim().split('\n');
	return JSON.parse(lines[lines.length - 1]);
}

/** `npm run build` in the repository (n8n-node build → dist/). */
function buildPackage({ root = ROOT, quiet = false } = {}) {
	runSync('npm', ['run', 'build'], { cwd: root, quiet });
}

/** `npm pack` into destDir; returns the tarball's absolute path. */
function packPackage({ root = ROOT, destDir } = {}) {
	const dest = destDir || fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-nodes-ispm-pack-'));
	fs.mkdirSync(dest, { recursive: true });
	const result = runSync('npm', ['pack', '--json', '--pack-destination', dest], {
		cwd: root,
		stdio: ['ignore', 'pipe', 'pipe'],
		quiet: true,
	});
	const info = JSON.parse(result.stdout);
	return path.join(dest, info[0].filename);
}

/**
 * Installs the packed package into <userFolder>/.n8n/nodes like n8n installs community packages
 * (`npm install --omit=dev --omit=peer --ignore-scripts`). The tarball is copied next to that folder's
 * package.json under a stable name, so later installs by n8n itself (other community packages) keep it,
 * and the previous copy of this package is removed first so the fresh build always replaces it.
 */
function installPackage({ userFolder, tarball, quiet = false }) {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	fs.mkdirSync(nodesDir, { recursive: true });
	const manifest = path.join(nodesDir, 'package.json');
	if (!fs.existsSync(manifest)) {
		fs.writeFileSync(
			manifest,
			`${JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2)}\n`,
		);
	}
	const localTarball = `${PACKAGE_NAME.replace(/^@/, '').replace(/\//g, '-')}.tgz`;
	fs.copyFileSync(tarball, path.join(nodesDir, localTarball));
	fs.rmSync(path.join(nodesDir, 'node_modules', PACKAGE_NAME), { recursive: true, force: true });
	runSync(
		'npm',
		[
			'install',
			'--omit=dev',
			'--omit=peer',
			'--ignore-scripts',
			'--no-audit',
			'--no-fund',
			'--loglevel=error',
			`./${localTarball}`,
		],
		{ cwd: nodesDir, quiet },
	);
	const installed = path.join(nodesDir, 'node_modules', PACKAGE_NAME, 'package.json');
	if (!fs.existsSync(installed))
		throw new Error(`installing ${tarball} did not produce ${installed}`);
	return path.dirname(installed);
}

/** Quiet, offline-friendly settings; a variable already set in the environment wins over these. */
const N8N_DEFAULTS = {
	N8N_DIAGNOSTICS_ENABLED: 'false',
	N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
	N8N_TEMPLATES_ENABLED: 'false',
	N8N_PERSONALIZATION_ENABLED: 'false',
	N8N_HIRING_BANNER_ENABLED: 'false',
	N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
	DB_TYPE: 'sqlite',
};

/**
 * Environment for every n8n command of one instance: N8N_DEFAULTS, then the caller's environment, then
 * the instance's folder and ports, then `extra` (which wins over everything).
 */
function n8nEnv({
	runtime,
	userFolder,
	port = 5678,
	brokerPort = 5679,
	listenAddress,
	extra = {},
}) {
	const env = {
		...N8N_DEFAULTS,
		...process.env,
		PATH: `${path.dirname(runtime.node)}${path.delimiter}${process.env.PATH || ''}`,
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		...(listenAddress ? { N8N_LISTEN_ADDRESS: listenAddress } : {}),
		...extra,
	};
	// Inherited from a test runner these change n8n's behaviour (NODE_ENV=test: no database file).
	delete env.NODE_OPTIONS;
	if (env.NODE_ENV === 'test') delete env.NODE_ENV;
	delete env.JEST_WORKER_ID;
	return env;
}

/** Runs `n8n <args>` to completion; throws with n8n's output when it fails. Returns its output. */
function n8nCli(runtime, env, args, { quiet = true } = {}) {
	const result = spawnSync(runtime.node, [runtime.n8nBin, ...args], {
		env,
		cwd: env.N8N_USER_FOLDER,
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
		maxBuffer: 64 * 1024 * 1024,
	});
	const output = `${result.stdout || ''}${result.stderr || ''}`;
	if (result.error) throw result.error;
	if (result.status !== 0)
		throw new Error(`n8n ${args.join(' ')} failed with exit code ${result.status}:\n${output}`);
	if (!quiet) process.stderr.write(output);
	return output;
}

/** Imports credentials (one JSON file holding an array; plain `data` objects are encrypted on import). */
function importCredentials(runtime, env, file, options) {
	return n8nCli(runtime, env, ['import:credentials', `--input=${file}`], options);
}

/** Imports workflows: a file, or with a folder every *.json in it (`--separate`). */
function importWorkflows(runtime, env, fileOrDir, options) {
	const args = fs.statSync(fileOrDir).isDirectory()
		? ['import:workflow', '--separate', `--input=${fileOrDir}`]
		: ['import:workflow', `--input=${fileOrDir}`];
	return n8nCli(runtime, env, args, options);
}

/**
 * The n8n release line a runtime runs (1 or 2): `runtime.n8nVersion` as provisioned, else the version in
 * n8n's own package.json. The lines differ in how workflows are activated (n8n 2.x "publishes" them) and in
 * when n8n is ready to serve them (see startN8n).
 */
function n8nMajor(runtime) {
	const version =
		runtime.n8nVersion ||
		JSON.parse(
			fs.readFileSync(path.join(runtime.n8nDir, 'node_modules', 'n8n', 'package.json'), 'utf8'),
		).version;
	return Number(String(version).split('.')[0]);
}

/**
 * Publishes (activates) a workflow so its production webhooks are served on the next start: n8n 2.x's
 * `publish:workflow`; n8n 1.x has no such command and activates with `update:workflow --active=true`.
 */
function publishWorkflow(runtime, env, id, options) {
	const args =
		n8nMajor(runtime) >= 2
			? ['publish:workflow', `--id=${id}`]
			: ['update:workflow', `--id=${id}`, '--active=true'];
	return n8nCli(runtime, env, args, options);
}

/**
 * Publishes several workflows, then checks in the database that each one really has an active version
 * (n8n's CLI logs some failures without a non-zero exit code). `query` reads n8n's database (default: the
 * instance's SQLite file; see sqliteQuery).
 */
async function publishWorkflows(
	runtime,
	env,
	ids,
	{ query = sqliteQuery(runtime, env.N8N_USER_FOLDER) } = {},
) {
	for (const id of ids) publishWorkflow(runtime, env, id);
	if (ids.length === 0) return;
	// n8n 2.x marks a published workflow by its active version; 1.x by its `active` flag. Quoted names and no
	// parameters: the same text runs on SQLite and Postgres.
	const isPublished = n8nMajor(runtime) >= 2 ? '"activeVersionId" IS NOT NULL' : '"active" IS TRUE';
	const rows = await query(`SELECT "id" FROM "workflow_entity" WHERE ${isPublished}`);
	const published = new Set(rows.map((r) => r.id));
	const missing = ids.filter((id) => !published.has(id));
	if (missing.length) throw new Error(`n8n did not publish workflow(s) ${missing.join(', ')}`);
}

/**
 * A signed-in REST session of n8n's owner, for what only a signed-in user can do (run a workflow by hand,
 * see data tables). `owner`: { email, password, firstName, lastName }. n8n lets the owner account be
 * created once (`POST /rest/owner/setup`, same on n8n 1.x and 2.x); with `create: false` it signs in to an
 * existing one.
 * @returns {Promise<{ request(method: string, path: string, body?: unknown): Promise<{ status: number, body: unknown, text: string }> }>}
 */
async function ownerSession(baseUrl, owner, { create = true } = {}) {
	const call = async (method, urlPath, body, cookie) => {
		const response = await fetch(`${baseUrl}${urlPath}`, {
			method,
			headers: {
				...(body === undefined ? {} : { 'content-type': 'application/json' }),
				...(cookie ? { cookie } : {}),
				'browser-id': 'n8n-nodes-ispm-scripts',
			},
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(60000),
		});
		const text = await response.text();
		let parsed = text;
		try {
			parsed = JSON.parse(text);
		} catch {
			// not JSON
		}
		return { status: response.status, body: parsed, text, headers: response.headers };
	};
	if (create) {
		const setup = await call('POST', '/rest/owner/setup', owner);
		if (setup.status !== 200)
			throw new Error(`owner setup answered ${setup.status}: ${setup.text.slice(0, 500)}`);
	}
	const login = await call('POST', '/rest/login', {
		emailOrLdapLoginId: owner.email,
		email: owner.email,
		password: owner.password,
	});
	if (login.status !== 200)
		throw new Error(`owner login answered ${login.status}: ${login.text.slice(0, 500)}`);
	const cookie = (login.headers.get('set-cookie') || '').split(';')[0];
	return {
		request: async (method, urlPath, body) => {
			const { status, body: parsed, text } = await call(method, urlPath, body, cookie);
			return { status, body: parsed, text };
		},
	};
}

/**
 * Runs a workflow the way "Execute workflow" in the editor does, starting from the trigger named
 * `triggerName`, and resolves with the execution id (the run goes on in n8n). The body carries what
 * n8n 1.x reads (`workflowData`) and what 2.x reads (`triggerToStartFrom`); each ignores the other.
 */
async function runWorkflowManually(session, workflowId, triggerName) {
	const workflow = await session.request('GET', `/rest/workflows/${workflowId}`);
	if (workflow.status !== 200)
		throw new Error(`GET workflow ${workflowId} answered ${workflow.status}: ${workflow.text}`);
	const run = await session.request('POST', `/rest/workflows/${workflowId}/run`, {
		workflowData: workflow.body.data,
		triggerToStartFrom: { name: triggerName },
	});
	const executionId = run.body?.data?.executionId;
	if (run.status !== 200 || !executionId)
		throw new Error(
			`running workflow ${workflowId} answered ${run.status}: ${run.text.slice(0, 500)}`,
		);
	return String(executionId);
}

/** A TCP port free on 127.0.0.1 right now. */
function getFreePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

function httpStatus(url) {
	return new Promise((resolve) => {
		const req = http.get(url, { timeout: 2000 }, (res) => {
			res.resume();
			resolve(res.statusCode);
		});
		req.on('timeout', () => req.destroy());
		req.on('error', () => resolve(0));
	});
}

function isAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return error.code === 'EPERM';
	}
}

/**
 * Whether pid is (still) an n8n process. Process ids are reused quickly on busy machines (pid_max is often
 * 32768), so a pid remembered from earlier is checked against /proc before it is signalled. A zombie has
 * an empty command line and counts as gone. Without /proc (not Linux) it falls back to isAlive.
 */
function isN8nProcess(pid) {
	let cmdline;
	try {
		cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
	} catch (error) {
		if (error.code === 'ENOENT' && fs.existsSync('/proc/self/cmdline')) return false;
		return isAlive(pid);
	}
	return cmdline.split('\0').some((arg) => arg.endsWith(path.join('n8n', 'bin', 'n8n')));
}

/**
 * Starts `n8n start` (or another long-running n8n command: `worker`, `webhook`) and resolves once
 * GET /healthz/readiness answers 200 (on N8N_PORT, or at readinessUrl: a worker serves it on
 * QUEUE_HEALTH_CHECK_PORT).
 * output: 'inherit' (the console) or a log file path (appended).
 * detached: own process group, so stopN8n can also end n8n's task runner if it must force-kill.
 */
async function startN8n({
	runtime,
	env,
	command = 'start',
	readinessUrl,
	output = 'inherit',
	detached = false,
	readyTimeoutMs = 300000,
	waitForWorkflows = true,
	onSpawn,
}) {
	const userFolder = env.N8N_USER_FOLDER;
	// What n8n printed since this start (n8n 1.x reports which workflows it activated only there).
	let readOutput;
	let stdio;
	let fd;
	if (output === 'inherit') {
		stdio = ['ignore', 'pipe', 'pipe'];
	} else {
		const offset = fs.existsSync(output) ? fs.statSync(output).size : 0;
		fd = fs.openSync(output, 'a');
		stdio = ['ignore', fd, fd];
		readOutput = () => readFrom(output, offset);
	}
	const child = spawn(runtime.node, [runtime.n8nBin, ...[command].flat()], {
		env,
		cwd: env.N8N_USER_FOLDER,
		stdio,
		detached,
	});
	if (fd !== undefined) fs.closeSync(fd);
	if (output === 'inherit') {
		let printed = '';
		const passOn = (target) => (chunk) => {
			target.write(chunk);
			if (printed.length < STARTUP_OUTPUT_LIMIT) printed += chunk;
		};
		child.stdout.on('data', passOn(process.stdout));
		child.stderr.on('data', passOn(process.stderr));
		readOutput = () => printed;
	}
	if (onSpawn) onSpawn(child);
	let exited = null;
	child.on('exit', (code, signal) => {
		exited = { code, signal };
	});
	const port = Number(env.N8N_PORT || 5678);
	const baseUrl = `http://localhost:${port}`;
	const deadline = Date.now() + readyTimeoutMs;
	for (;;) {
		if (exited) {
			const tail =
				output === 'inherit' ? '' : `\n--- end of ${output} ---\n${tailOf(output, 4000)}`;
			throw new Error(
				`n8n exited before it was ready (code ${exited.code}, signal ${exited.signal})${tail}`,
			);
		}
		if ((await httpStatus(readinessUrl || `http://127.0.0.1:${port}/healthz/readiness`)) === 200)
			break;
		if (Date.now() > deadline) {
			await stopN8n(child);
			throw new Error(`n8n was not ready within ${readyTimeoutMs} ms`);
		}
		await sleep(500);
	}
	let publications = null;
	const remaining = Math.max(deadline - Date.now(), 60000);
	if (waitForWorkflows && n8nMajor(runtime) < 2) {
		publications = await waitForStartupActivations(
			runtime,
			userFolder,
			readOutput,
			remaining,
			() => exited,
		);
	} else if (waitForWorkflows && (await hasPublicationTables(runtime, userFolder))) {
		publications = await waitForPublications(runtime, userFolder, remaining, () => exited);
	}
	return {
		child,
		pid: child.pid,
		port,
		baseUrl,
		publications,
		stop: (opts) => stopN8n(child, opts),
	};
}

/** How much of n8n's console output startN8n keeps to read its startup report from. */
const STARTUP_OUTPUT_LIMIT = 1024 * 1024;

/**
 * n8n 1.x answers /healthz/readiness before it activates the active workflows, and keeps no record of the
 * outcome in its database: it prints `Activated workflow "<name>" (ID: <id>)` or `Issue on initial
 * workflow activation try of "<name>" (ID: <id>)` for each, then `Editor is now accessible via`. Waits for
 * that line and resolves with the outcome of each active workflow, in the shape waitForPublications gives.
 */
async function waitForStartupActivations(runtime, userFolder, readOutput, timeoutMs, hasExited) {
	const deadline = Date.now() + timeoutMs;
	let text = readOutput();
	while (!text.includes('Editor is now accessible via')) {
		if (hasExited()) throw new Error('n8n exited while activating its active workflows');
		if (Date.now() > deadline)
			throw new Error(`n8n did not finish activating its workflows within ${timeoutMs} ms`);
		await sleep(300);
		text = readOutput();
	}
	const idsAfter = (prefix) =>
		new Set(
			[...text.matchAll(new RegExp(`${prefix} ".*" \\(ID: ([^)\\s]+)\\)`, 'g'))].map((m) => m[1]),
		);
	const activated = idsAfter('Activated workflow');
	const failed = idsAfter('Issue on initial workflow activation try of');
	const active = await queryDb(
		runtime,
		userFolder,
		'SELECT id, name FROM workflow_entity WHERE active = 1 ORDER BY id',
	);
	return active.map((w) => {
		const ok = activated.has(w.id) && !failed.has(w.id);
		return {
			workflowId: w.id,
			name: w.name,
			status: ok ? 'completed' : 'failed',
			errorMessage: ok
				? null
				: failed.has(w.id)
					? 'n8n could not activate it (its log says why)'
					: 'n8n did not report activating it',
		};
	});
}

function readFrom(file, offset) {
	try {
		const fdIn = fs.openSync(file, 'r');
		try {
			const size = fs.fstatSync(fdIn).size;
			const length = Math.min(Math.max(size - offset, 0), STARTUP_OUTPUT_LIMIT);
			const buffer = Buffer.alloc(length);
			fs.readSync(fdIn, buffer, 0, length, offset);
			return buffer.toString('utf8');
		} finally {
			fs.closeSync(fdIn);
		}
	} catch {
		return '';
	}
}

/** Whether this n8n has the workflow publication service's tables (n8n 2.x), so activation can be awaited. */
async function hasPublicationTables(runtime, userFolder) {
	if (!fs.existsSync(databaseFile(userFolder))) return false;
	const rows = await queryDb(
		runtime,
		userFolder,
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('workflow_publication_outbox', 'workflow_publication_trigger_status')",
	);
	return rows.length === 2;
}

/**
 * n8n 2.x answers /healthz/readiness before its publication service has activated the published
 * workflows (that happens in the background). Waits until every published workflow has trigger statuses
 * recorded for its published version and no publication is pending; resolves with
 * [{ workflowId, name, status, errorMessage }], status `completed` when all its triggers are active.
 * (After a restart n8n keeps webhooks registered from its database; schedule triggers are re-registered
 * shortly after start.)
 */
async function waitForPublications(
	runtime,
	userFolder,
	timeoutMs = 120000,
	hasExited = () => null,
) {
	return waitForPublicationsIn(sqliteQuery(runtime, userFolder), { timeoutMs, hasExited });
}

/**
 * waitForPublications for any database n8n uses: `query(sql)` resolves with rows (SQLite or Postgres; the
 * statements quote n8n's camelCase names, which both accept).
 */
async function waitForPublicationsIn(query, { timeoutMs = 120000, hasExited = () => null } = {}) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const published = await query(
			'SELECT "id", "name", "activeVersionId" FROM "workflow_entity" WHERE "activeVersionId" IS NOT NULL ORDER BY "id"',
		);
		const [{ inFlight }] = await query(
			'SELECT COUNT(*) AS "inFlight" FROM "workflow_publication_outbox" WHERE "status" IN (\'pending\', \'in_progress\')',
		);
		const statuses = await query(
			'SELECT "workflowId", "versionId", "status", "errorMessage" FROM "workflow_publication_trigger_status"',
		);
		const results = published.map((w) => {
			const rows = statuses.filter(
				(r) => r.workflowId === w.id && r.versionId === w.activeVersionId,
			);
			const failed = rows.filter((r) => r.status !== 'activated');
			return {
				workflowId: w.id,
				name: w.name,
				status: rows.length === 0 ? 'waiting' : failed.length ? 'failed' : 'completed',
				errorMessage: failed.length
					? failed.map((r) => r.errorMessage || r.status).join('; ')
					: null,
			};
		});
		if (Number(inFlight) === 0 && results.every((r) => r.status !== 'waiting')) return results;
		if (hasExited()) throw new Error('n8n exited while activating its published workflows');
		if (Date.now() > deadline) {
			const pending = results.filter((r) => r.status === 'waiting').map((r) => r.workflowId);
			throw new Error(
				`n8n did not finish activating workflow(s) ${pending.join(', ') || '(publications in flight)'} within ${timeoutMs} ms`,
			);
		}
		await sleep(300);
	}
}

function tailOf(file, chars) {
	try {
		const text = fs.readFileSync(file, 'utf8');
		return text.slice(-chars);
	} catch {
		return '';
	}
}

/**
 * Stops n8n gracefully (SIGTERM, n8n finishes running executions) and waits until it is gone;
 * force-kills (the whole group when it was started detached) after timeoutMs.
 * Accepts the ChildProcess from startN8n or a bare pid (e.g. one recorded by another module).
 */
async function stopN8n(childOrPid, { timeoutMs = 60000 } = {}) {
	const pid = typeof childOrPid === 'number' ? childOrPid : childOrPid.pid;
	const child = typeof childOrPid === 'number' ? null : childOrPid;
	// A bare pid is only signalled while it still belongs to an n8n process (never a recycled pid).
	const gone = () =>
		child ? child.exitCode !== null || child.signalCode !== null : !isN8nProcess(pid);
	if (!pid || gone()) return;
	const signal = (target, sig) => {
		if (gone()) return;
		try {
			process.kill(target, sig);
		} catch {
			/* already gone, or not a process group */
		}
	};
	signal(pid, 'SIGTERM');
	const deadline = Date.now() + timeoutMs;
	while (!gone() && Date.now() < deadline) await sleep(200);
	if (!gone()) {
		log(`n8n (pid ${pid}) did not stop within ${timeoutMs} ms; killing it`);
		signal(-pid, 'SIGKILL'); // the whole group (task runner too) when it was started detached
		signal(pid, 'SIGKILL');
		while (!gone()) await sleep(100);
	}
}

const QUERY_SCRIPT = `
const { DatabaseSync } = require('node:sqlite');
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => {
	const { file, statements } = JSON.parse(input);
	const db = new DatabaseSync(file);
	try {
		db.exec('PRAGMA busy_timeout = 10000');
		let rows = [];
		if (statements.length === 1) {
			rows = db.prepare(statements[0].sql).all(...statements[0].params);
		} else {
			db.exec('BEGIN IMMEDIATE');
			try {
				for (const { sql, params } of statements) rows = db.prepare(sql).all(...params);
				db.exec('COMMIT');
			} catch (error) {
				db.exec('ROLLBACK');
				throw error;
			}
		}
		process.stdout.write(JSON.stringify(rows, (k, v) => (typeof v === 'bigint' ? Number(v) : v)));
	} finally {
		db.close();
	}
});`;

/** Path of the instance's SQLite database. */
function databaseFile(userFolder) {
	return path.join(userFolder, '.n8n', 'database.sqlite');
}

function runSql(runtime, userFolder, statements) {
	return new Promise((resolve, reject) => {
		const child = spawn(runtime.node, ['--no-warnings', '-e', QUERY_SCRIPT], {
			stdio: ['pipe', 'pipe', 'pipe'],
		});
		let out = '';
		let err = '';
		child.stdout.on('data', (c) => (out += c));
		child.stderr.on('data', (c) => (err += c));
		child.on('error', reject);
		child.on('close', (code) => {
			if (code !== 0) {
				const sql = statements.map((s) => s.sql).join(';\n');
				return reject(new Error(`SQLite query failed (${code}): ${err.trim()}\n${sql}`));
			}
			try {
				resolve(JSON.parse(out));
			} catch (error) {
				reject(error);
			}
		});
		child.stdin.end(JSON.stringify({ file: databaseFile(userFolder), statements }));
	});
}

/**
 * Runs one SQL statement against n8n's SQLite database (works while n8n runs) and resolves with its rows.
 * Uses Node 24's built-in node:sqlite in a child process, so the caller may run on any Node version.
 */
function queryDb(runtime, userFolder, sql, params = []) {
	return runSql(runtime, userFolder, [{ sql, params }]);
}

/**
 * Runs several statements in one transaction (all or nothing); resolves with the rows of the last one.
 * @param {Array<{ sql: string, params?: unknown[] }>} statements
 */
function transactDb(runtime, userFolder, statements) {
	return runSql(
		runtime,
		userFolder,
		statements.map(({ sql, params = [] }) => ({ sql, params })),
	);
}

/** A `query(sql, params)` function over an instance's SQLite database (see queryDb). */
function sqliteQuery(runtime, userFolder) {
	return (sql, params = []) => queryDb(runtime, userFolder, sql, params);
}

/** Workflow files in a folder: *.json whose content is a workflow (has a `nodes` array). */
function workflowFiles(dir) {
	return fs
		.readdirSync(dir)
		.filter((f) => f.endsWith('.json'))
		.map((f) => path.join(dir, f))
		.filter((f) => {
			try {
				return Array.isArray(JSON.parse(fs.readFileSync(f, 'utf8')).nodes);
			} catch {
				return false;
			}
		})
		.sort();
}

module.exports = {
	ROOT,
	PACKAGE_NAME,
	provision,
	buildPackage,
	packPackage,
	installPackage,
	n8nEnv,
	n8nCli,
	importCredentials,
	importWorkflows,
	publishWorkflow,
	publishWorkflows,
	n8nMajor,
	ownerSession,
	runWorkflowManually,
	getFreePort,
	startN8n,
	stopN8n,
	isAlive,
	isN8nProcess,
	databaseFile,
	queryDb,
	transactDb,
	waitForPublications,
	waitForPublicationsIn,
	sqliteQuery,
	workflowFiles,
	sleep,
};
