#!/usr/bin/env node
// `npm run test:compat`: the end-to-end suite (test/e2e) against other n8n lines than the pinned one.
//
//   npm run test:compat                          the oldest supported line and the newest installable 2.x
//   N8N_VERSION=1.123.81 npm run test:compat     one version
//   N8N_VERSION="1.123.81 2.41.1" npm run test:compat
//
// Each version is provisioned on first use like the pinned one (scripts/runtime.mjs: about 5 minutes and
// 3 GB, cached), the package is built once, and the suite runs once per version. Every version is run
// even when one fails; the exit code is the first failure's.
import { ensureDevDependenciesOrExit } from './ensure-deps.mjs';
import { bold, duration, runNpmScript } from './steps.mjs';

/**
 * The lines this package is proven on besides the pinned 2.40.7: n8n 1.123.x is the last 1.x line (still
 * patched), 2.41.1 the newest 2.x this registry can install (2.41.3 needs @n8n/agents 0.26.2, missing).
 */
const DEFAULT_COMPAT_VERSIONS = ['1.123.81', '2.41.1'];

function versions() {
	const given = (process.env.N8N_VERSION ?? '').split(/[\s,]+/).filter(Boolean);
	for (const version of given) {
		if (!/^\d+\.\d+\.\d+$/.test(version)) {
			process.stderr.write(`test:compat: "${version}" is not an n8n version (like 1.123.81)\n`);
			process.exit(2);
		}
	}
	return given.length ? given : DEFAULT_COMPAT_VERSIONS;
}

async function main() {
	const list = versions();
	await ensureDevDependenciesOrExit({ why: 'npm run test:compat' });
	process.stdout.write(`\n${bold(`test:compat: n8n ${list.join(', ')}`)}\n`);
	const built = await runNpmScript('build');
	if (built !== 0) process.exit(built);

	const results = [];
	for (const version of list) {
		process.stdout.write(`\n${bold(`test:compat: the end-to-end suite on n8n ${version}`)}\n`);
		const started = Date.now();
		// The build above is what every version tests: the suite does not rebuild it.
		const code = await runNpmScript('test:e2e', { N8N_VERSION: version, ISPM_E2E_SKIP_BUILD: '1' });
		results.push({ version, code, took: duration(Date.now() - started) });
	}
	process.stdout.write(`\n${bold('test:compat summary')}\n`);
	for (const { version, code, took } of results) {
		process.stdout.write(
			`  n8n ${version.padEnd(10)} ${code === 0 ? 'passed' : `FAILED (exit code ${code})`}  ${took}\n`,
		);
	}
	const failed = results.find((r) => r.code !== 0);
	process.exit(failed ? failed.code : 0);
}

await main();
