/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- end-to-end test code: runs in Jest and drives a real n8n from outside */
/**
 * Boots the one n8n the whole end-to-end suite talks to:
 * provision (cached) → build → pack → install into a temporary user folder → import credentials and
 * workflows (test fixtures + examples/) → publish → start on free ports, plus the sink server.
 *
 * Environment: ISPM_E2E_SKIP_BUILD=1 reuses dist/ as is; ISPM_E2E_KEEP=1 keeps the temporary folder
 * (user folder, n8n.log); ISPM_E2E_LOG_LEVEL sets N8N_LOG_LEVEL (default debug: the trigger's trace of
 * refused deliveries is logged at debug, and the secrets check then covers n8n's most talkative log).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as examples from '../../scripts/examples.cjs';
import * as instance from '../../scripts/n8n-instance.cjs';
import {
	e2eCredentials,
	e2eWorkflows,
	makeSecrets,
	SINK_PATHS,
	TRIGGER_TYPE,
	type CredentialExport,
} from './fixtures';
import { startSinkServer } from './sink-server';
import { STATE_ENV, writeState, type E2eState } from './state';

const log = (message: string) => process.stderr.write(`[e2e] ${message}\n`);

/** The examples' ticketing credential: the suite points it at the sink. */
const DEMO_TICKETING_CREDENTIAL = 'IspmDemoCredTkt1';

declare global {
	var __ISPM_E2E_SINK__: { close(): Promise<void> } | undefined;
}

export default async function globalSetup(): Promise<void> {
	let ready = false;
	try {
		await setUp();
		ready = true;
	} finally {
		if (!ready) {
			await globalThis.__ISPM_E2E_SINK__?.close();
			globalThis.__ISPM_E2E_SINK__ = undefined;
		}
	}
}

async function setUp(): Promise<void> {
	const root = instance.ROOT;
	log('provisioning Node 24 + n8n (cached after the first run)');
	const runtime = instance.provision();

	if (process.env.ISPM_E2E_SKIP_BUILD !== '1') {
		log('building the package');
		instance.buildPackage({ quiet: true });
	}
	const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
		n8n: { nodes: string[]; credentials: string[] };
	};
	const missing = [...manifest.n8n.nodes, ...manifest.n8n.credentials].filter(
		(f) => !existsSync(join(root, f)),
	);
	if (missing.length) throw new Error(`the build did not produce ${missing.join(', ')}`);

	const workDir = mkdtempSync(join(tmpdir(), 'ispm-e2e-'));
	const userFolder = join(workDir, 'user');
	const logFile = join(workDir, 'n8n.log');
	const importDir = join(workDir, 'import');
	mkdirSync(join(importDir, 'workflows'), { recursive: true });
	const stateFile = join(workDir, 'state.json');
	process.env[STATE_ENV] = stateFile;
	log(`work folder ${workDir}`);

	log('packing and installing the package into the n8n user folder');
	const tarball = instance.packPackage({ destDir: join(workDir, 'pack') });
	instance.installPackage({ userFolder, tarball, quiet: true });

	const sink = await startSinkServer();
	globalThis.__ISPM_E2E_SINK__ = sink;

	const [port, brokerPort] = [await instance.getFreePort(), await instance.getFreePort()];
	// Pinned: a developer's shell settings (another database, queue mode) must not leak into the suite.
	const envExtra: Record<string, string> = {
		N8N_LOG_LEVEL: process.env.ISPM_E2E_LOG_LEVEL || 'debug',
		DB_TYPE: 'sqlite',
		EXECUTIONS_MODE: 'regular',
	};
	const env = instance.n8nEnv({
		runtime,
		userFolder,
		port,
		brokerPort,
		listenAddress: '127.0.0.1',
		extra: envExtra,
	});

	// Credentials: the run's own (fresh random keys) plus the examples' demo credentials, with demo keys
	// generated for this user folder as `npm start` does, and the ticketing endpoint of the examples
	// pointed at the sink so that their deliveries can be observed.
	const secrets = makeSecrets();
	const demoKeys = examples.demoKeys(userFolder);
	const credentials: CredentialExport[] = [
		...e2eCredentials(secrets, sink.url),
		...examples.demoCredentials(demoKeys, {
			[DEMO_TICKETING_CREDENTIAL]: { webhookUrl: `${sink.url}${SINK_PATHS.ticketing}` },
		}),
	];
	const credentialsFile = join(importDir, 'credentials.json');
	writeFileSync(credentialsFile, JSON.stringify(credentials), { mode: 0o600 });
	log(`importing ${credentials.length} credentials`);
	try {
		instance.importCredentials(runtime, env, credentialsFile);
	} finally {
		rmSync(credentialsFile, { force: true });
	}

	// The issue queue's data table, created the way `npm start` creates it.
	const n8nMajor = instance.n8nMajor(runtime);
	const issueTable = await examples.ensureIssueTable(runtime, userFolder);
	log(`n8n ${runtime.n8nVersion}: data table "${examples.issueTable().name}" is ${issueTable.id}`);

	const workflows = e2eWorkflows(credentials);
	for (const workflow of workflows) {
		writeFileSync(
			join(importDir, 'workflows', `${workflow.id}.json`),
			JSON.stringify(workflow, null, 2),
		);
	}
	const exampleWorkflowIds: string[] = [];
	const exampleTriggerWebhookIds: string[] = [];
	const examplesToPublish: string[] = [];
	for (const { workflow: example } of examples.exampleWorkflows()) {
		if (!examples.runsOn(example, n8nMajor)) continue;
		const workflow = examples.forN8nLine(example, n8nMajor, issueTable.id);
		exampleWorkflowIds.push(workflow.id);
		if (examples.isActivatable(workflow)) examplesToPublish.push(workflow.id);
		for (const node of workflow.nodes) {
			if (node.type === TRIGGER_TYPE && node.webhookId)
				exampleTriggerWebhookIds.push(node.webhookId);
		}
		writeFileSync(
			join(importDir, 'workflows', `example-${workflow.id}.json`),
			JSON.stringify(workflow),
		);
	}
	log(
		`importing ${workflows.length} test workflows and ${exampleWorkflowIds.length} example workflows`,
	);
	instance.importWorkflows(runtime, env, join(importDir, 'workflows'));

	const importedIds = [...workflows.map((w) => w.id), ...exampleWorkflowIds];
	const imported = await instance.queryDb<{ id: string }>(
		runtime,
		userFolder,
		`SELECT id FROM workflow_entity WHERE id IN (${importedIds.map(() => '?').join(',')})`,
		importedIds,
	);
	if (imported.length !== importedIds.length) {
		throw new Error(
			`n8n imported ${imported.length} of ${importedIds.length} workflows (${imported.map((r) => r.id).join(', ')})`,
		);
	}
	const ids = [...workflows.map((w) => w.id), ...examplesToPublish];
	log(`publishing ${ids.length} workflows`);
	await instance.publishWorkflows(runtime, env, ids);

	log(`starting n8n on port ${port} (log: ${logFile})`);
	const running = await instance.startN8n({ runtime, env, output: logFile, detached: true });
	running.child.unref();
	const baseUrl = `http://127.0.0.1:${port}`;

	const state: E2eState = {
		runtime,
		workDir,
		userFolder,
		logFile,
		port,
		brokerPort,
		baseUrl,
		pid: running.pid,
		sinkUrl: sink.url,
		secrets,
		exampleWorkflowIds,
		exampleTriggerWebhookIds,
		demoKeys,
		issueTableId: issueTable.id,
		publications: running.publications,
		envExtra,
	};
	writeState(state);
	log('n8n is ready');
}
