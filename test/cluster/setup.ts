/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/require-node-api-error -- real-infrastructure test code: runs in Jest and drives real n8n processes from outside */
/**
 * What every real-infrastructure suite does first: the pinned n8n (provisioned, cached), this package built
 * and packed, and a temporary work folder. Environment, as for the end-to-end suite:
 * ISPM_E2E_SKIP_BUILD=1 reuses dist/ as is; ISPM_E2E_KEEP=1 keeps the work folder (user folders, logs);
 * ISPM_E2E_LOG_LEVEL sets N8N_LOG_LEVEL (default info).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { track, untrack } from '../../scripts/cleanup.cjs';
import * as instance from '../../scripts/n8n-instance.cjs';

export interface Prepared {
	runtime: instance.Runtime;
	workDir: string;
	tarball: string;
	logLevel: string;
}

const log = (message: string) => process.stderr.write(`[setup] ${message}\n`);

export function preparePackage(name: string): Prepared {
	log('provisioning Node 24 + n8n (cached after the first run)');
	const runtime = instance.provision();
	if (process.env.ISPM_E2E_SKIP_BUILD !== '1') {
		log('building the package');
		instance.buildPackage({ quiet: true });
	}
	const manifest = JSON.parse(readFileSync(join(instance.ROOT, 'package.json'), 'utf8')) as {
		n8n: { nodes: string[]; credentials: string[] };
	};
	const missing = [...manifest.n8n.nodes, ...manifest.n8n.credentials].filter(
		(f) => !existsSync(join(instance.ROOT, f)),
	);
	if (missing.length) throw new Error(`the build did not produce ${missing.join(', ')}`);
	const workDir = mkdtempSync(join(tmpdir(), `ispm-${name}-`));
	log(`work folder ${workDir}`);
	if (process.env.ISPM_E2E_KEEP !== '1') track(`work folder ${workDir}`, { dir: workDir });
	const tarball = instance.packPackage({ destDir: join(workDir, 'pack') });
	return { runtime, workDir, tarball, logLevel: process.env.ISPM_E2E_LOG_LEVEL || 'info' };
}

/** Removes the work folder, unless ISPM_E2E_KEEP=1. */
export function removeWorkDir(workDir: string | undefined): void {
	if (!workDir) return;
	if (process.env.ISPM_E2E_KEEP === '1') {
		log(`kept ${workDir}`);
		return;
	}
	rmSync(workDir, { recursive: true, force: true });
	untrack(`work folder ${workDir}`);
}

/**
 * Runs `body`; when it throws, adds the end of the given logs to the error, so a failure shows what n8n
 * said.
 */
export async function withLogs<T>(logs: () => string, body: () => Promise<T>): Promise<T> {
	try {
		return await body();
	} catch (error) {
		if (error instanceof Error) error.message += `\n\n${logs()}`;
		throw error;
	}
}

/**
 * For test bodies: a failure (an assertion too) is noted and its message says where n8n's logs are;
 * `printIfFailed()` (in afterAll, before the folder goes) prints their tails once, however many tests failed.
 */
export function failureLogs(logs: () => string, where: () => string) {
	let failed = false;
	return {
		run<T>(body: () => Promise<T>): () => Promise<T> {
			return async () => {
				try {
					return await body();
				} catch (error) {
					failed = true;
					if (error instanceof Error)
						error.message += `\n\n(n8n's logs: ${where()}; their ends are printed after the suite)`;
					throw error;
				}
			};
		},
		printIfFailed(): void {
			if (failed) process.stderr.write(`\n[n8n logs after a failure]\n${logs()}\n`);
		},
	};
}
