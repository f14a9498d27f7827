/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/require-node-api-error --
 * test code runs in Jest, not inside n8n: it starts processes and servers, waits on timers, rethrows. */
/**
 * The one n8n the browser tests drive, booted with the same machinery as `npm start` and `npm run test:e2e`
 * (scripts/n8n-instance.cjs): provision (cached) → build → pack → install into a fresh temporary user folder
 * → import the examples' demo credentials and the example workflows → start on free ports → create the
 * owner account through n8n's REST API (before any browser starts).
 *
 * Environment: ISPM_UI_SKIP_BUILD=1 (or ISPM_E2E_SKIP_BUILD=1) reuses dist/ as is; ISPM_UI_KEEP=1 keeps
 * the temporary folder (n8n log, database) after the run.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import * as instance from '../../../scripts/n8n-instance.cjs';
import type { CredentialExport } from '../../e2e/fixtures';
import { makeOwner, setUpOwner, type Owner } from '../../helpers/n8nRest';

export type { Owner };

const log = (message: string) => process.stderr.write(`[ui] ${message}\n`);

export interface ExampleWorkflow {
	id: string;
	name: string;
	file: string;
	nodeNames: string[];
}

export interface UiInstance {
	runtime: instance.Runtime;
	workDir: string;
	userFolder: string;
	logFile: string;
	port: number;
	/** Where the browser and the REST calls go: http://127.0.0.1:<port>. */
	baseUrl: string;
	owner: Owner;
	examples: ExampleWorkflow[];
	stop(): Promise<void>;
}

export async function bootN8n(): Promise<UiInstance> {
	const root = instance.ROOT;
	log('provisioning Node 24 + n8n (cached after the first run)');
	const runtime = instance.provision();

	if (process.env.ISPM_UI_SKIP_BUILD !== '1' && process.env.ISPM_E2E_SKIP_BUILD !== '1') {
		log('building the package');
		instance.buildPackage({ quiet: true });
	}
	const workDir = mkdtempSync(join(tmpdir(), 'ispm-ui-'));
	const userFolder = join(workDir, 'user');
	const logFile = join(workDir, 'n8n.log');
	const importDir = join(workDir, 'import');
	mkdirSync(join(importDir, 'workflows'), { recursive: true });
	log(`work folder ${workDir}`);

	let running: instance.RunningN8n | undefined;
	const stop = async () => {
		if (running) await running.stop();
		running = undefined;
		if (process.env.ISPM_UI_KEEP === '1') log(`kept ${workDir} (n8n log: ${logFile})`);
		else rmSync(workDir, { recursive: true, force: true });
	};

	try {
		log('packing and installing the package into the n8n user folder');
		const tarball = instance.packPackage({ destDir: join(workDir, 'pack') });
		instance.installPackage({ userFolder, tarball, quiet: true });

		const [port, brokerPort] = [await instance.getFreePort(), await instance.getFreePort()];
		const env = instance.n8nEnv({
			runtime,
			userFolder,
			port,
			brokerPort,
			listenAddress: '127.0.0.1',
			extra: { N8N_LOG_LEVEL: 'info' },
		});

		// The examples reference their demo credentials by id: import those so the examples open complete.
		const demoCredentialsFile = join(root, 'examples', 'demo-credentials.json');
		if (existsSync(demoCredentialsFile)) {
			const credentials = JSON.parse(
				readFileSync(demoCredentialsFile, 'utf8'),
			) as CredentialExport[];
			const file = join(importDir, 'credentials.json');
			writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
			log(`importing ${credentials.length} demo credentials`);
			instance.importCredentials(runtime, env, file);
		}

		const examples: ExampleWorkflow[] = [];
		for (const file of instance.workflowFiles(join(root, 'examples'))) {
			const workflow = JSON.parse(readFileSync(file, 'utf8')) as {
				id: string;
				name: string;
				nodes: Array<{ name: string }>;
			};
			examples.push({
				id: workflow.id,
				name: workflow.name,
				file: basename(file),
				nodeNames: workflow.nodes.map((n) => n.name),
			});
			writeFileSync(join(importDir, 'workflows', basename(file)), JSON.stringify(workflow));
		}
		if (examples.length) {
			log(`importing ${examples.length} example workflows`);
			instance.importWorkflows(runtime, env, join(importDir, 'workflows'));
		}

		log(`starting n8n on port ${port} (log: ${logFile})`);
		running = await instance.startN8n({
			runtime,
			env,
			output: logFile,
			detached: true,
			readyTimeoutMs: 180_000,
		});
		const baseUrl = `http://127.0.0.1:${port}`;

		const owner = makeOwner();
		log('creating the owner account through the REST API');
		await setUpOwner(baseUrl, owner);

		return { runtime, workDir, userFolder, logFile, port, baseUrl, owner, examples, stop };
	} catch (error) {
		await stop();
		throw error;
	}
}
