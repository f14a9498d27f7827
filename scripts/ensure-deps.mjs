// The project's own development dependencies (n8n-node, TypeScript, Jest, …), installed by the scripts
// that need them (`npm start`, `npm run test:all`, `npm run test:compat`) instead of by the user first.
// npm's `pre`/`post` script hooks cannot do it: this project's .npmrc sets ignore-scripts=true, and npm
// then skips them.
//
// `node_modules` counts as installed when it holds exactly what package-lock.json pins, read from the
// record npm keeps of its last install (node_modules/.package-lock.json): every locked package present at
// its locked version (optional packages for other platforms excepted), nothing extra. Checking takes a few
// milliseconds; when it fails, `npm ci` runs once (about a minute, 800 MB), its output in a log file.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { CACHE_DIR, childNpmEnv, runLogged, withLock } from './runtime.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Oldest Node the development tools run on (package.json `engines`). */
const MIN_NODE = [20, 15];

function readJson(file) {
	return JSON.parse(readFileSync(file, 'utf8'));
}

const DEPENDENCY_FIELDS = [
	'dependencies',
	'devDependencies',
	'peerDependencies',
	'optionalDependencies',
];

/**
 * Why `npm ci` cannot run as is (package.json and package-lock.json disagree, so it would refuse), or null.
 */
function lockMismatch(root) {
	const manifest = readJson(join(root, 'package.json'));
	const locked = readJson(join(root, 'package-lock.json')).packages?.[''] ?? {};
	for (const field of DEPENDENCY_FIELDS) {
		const want = manifest[field] ?? {};
		const have = locked[field] ?? {};
		for (const name of new Set([...Object.keys(want), ...Object.keys(have)])) {
			if (want[name] !== have[name])
				return `${field}.${name} is ${want[name] ?? 'absent'} in package.json but ${have[name] ?? 'absent'} in package-lock.json`;
		}
	}
	return null;
}

/**
 * null when node_modules holds what package-lock.json pins, else the first difference found.
 * @param {string} root the project folder
 */
export function installedMismatch(root = ROOT) {
	const record = join(root, 'node_modules', '.package-lock.json');
	if (!existsSync(record)) return 'node_modules is missing or was not installed by npm';
	const wanted = readJson(join(root, 'package-lock.json')).packages ?? {};
	const installed = readJson(record).packages ?? {};
	for (const [path, entry] of Object.entries(wanted)) {
		if (path === '' || entry.link) continue;
		const have = installed[path];
		if (!have) {
			// npm leaves out optional packages built for other platforms (e.g. @esbuild/darwin-arm64).
			if (entry.optional) continue;
			return `${path} is not installed`;
		}
		if (have.version !== entry.version)
			return `${path} is ${have.version}, package-lock.json pins ${entry.version}`;
		if (!existsSync(join(root, path, 'package.json'))) return `${path} was removed`;
	}
	for (const path of Object.keys(installed)) {
		if (!(path in wanted)) return `${path} is installed but not in package-lock.json`;
	}
	return null;
}

class SetupError extends Error {}

/**
 * Makes sure the development dependencies are installed as package-lock.json pins them, running `npm ci`
 * when they are not. Throws a SetupError whose message is what the user should do when that cannot work
 * (Node too old, package.json and the lock file out of step, npm ci failing).
 * @param {{ root?: string, why?: string }} options `why`: what the caller needs them for (printed once)
 */
export async function ensureDevDependencies({ root = ROOT, why = 'this command' } = {}) {
	const [major, minor] = process.versions.node.split('.').map(Number);
	if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
		throw new SetupError(
			`Node.js ${MIN_NODE.join('.')} or newer is needed (this is ${process.versions.node}). Install a newer Node.js (e.g. from https://nodejs.org) and run the command again.`,
		);
	}
	const problem = installedMismatch(root);
	if (problem === null) return false;
	const outOfStep = lockMismatch(root);
	if (outOfStep !== null) {
		throw new SetupError(
			`package.json and package-lock.json disagree (${outOfStep}), so npm ci cannot install the development dependencies. Run: npm install`,
		);
	}
	await withLock(join(root, 'node_modules'), async () => {
		// Another process may have installed them while this one waited for the lock.
		const stillMissing = installedMismatch(root);
		if (stillMissing === null) return;
		process.stderr.write(
			`[setup] ${why} needs the project's development dependencies (${stillMissing})\n`,
		);
		mkdirSync(CACHE_DIR, { recursive: true });
		const logFile = join(CACHE_DIR, 'npm-ci.log');
		try {
			await runLogged(
				'installing them with npm ci (about a minute and 800 MB the first time)',
				'npm',
				['ci', '--no-audit', '--no-fund', '--loglevel=warn'],
				{ cwd: root, env: childNpmEnv(), logFile },
			);
		} catch (error) {
			throw new SetupError(
				`${error.message}\n\nInstalling the development dependencies failed. Run it yourself to see why: npm ci`,
			);
		}
		const left = installedMismatch(root);
		if (left !== null) throw new SetupError(`npm ci finished but ${left}. Run: npm ci`);
	});
	return true;
}

/** Runs ensureDevDependencies for a command-line script; on failure prints the reason and exits 1. */
export async function ensureDevDependenciesOrExit(options) {
	try {
		return await ensureDevDependencies(options);
	} catch (error) {
		process.stderr.write(`\n${error.message}\n`);
		process.exit(1);
	}
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const installed = await ensureDevDependenciesOrExit({ why: 'scripts/ensure-deps.mjs' });
	process.stderr.write(
		installed
			? '[setup] development dependencies installed\n'
			: '[setup] development dependencies are up to date\n',
	);
}
