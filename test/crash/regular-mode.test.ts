/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- real-infrastructure test code: runs in Jest and drives a real n8n from outside */
/**
 * Crash in regular mode (issue 10): one n8n (SQLite, the trigger's default `instance` memory) killed with
 * SIGKILL in the middle of a burst of new issues, then restarted. What was answered `accepted` exists; what
 * already ran is a duplicate; what was not answered is accepted when sent again, and nothing runs twice.
 * Measurements: test-results/crash-regular.md. (The queue-mode crash runs in test/queue, on that suite's
 * cluster.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { n8nProcess, type ClusterProcess } from '../../scripts/n8n-cluster.cjs';
import * as instance from '../../scripts/n8n-instance.cjs';
import {
	crashAssertions,
	crashDetails,
	crashTable,
	runCrashScenario,
	type CrashResult,
} from '../cluster/crash';
import { executionLogLines, type Db } from '../cluster/executions';
import { reportSection, startReport } from '../cluster/report';
import {
	failureLogs,
	preparePackage,
	removeWorkDir,
	withLogs,
	type Prepared,
} from '../cluster/setup';
import {
	apiKeyCredential,
	triggerUrl,
	triggerWorkflow,
	type ApiKey,
	type TriggerWorkflow,
} from '../cluster/workflows';

const REPORT = 'crash-regular';

let prepared: Prepared | undefined;
let n8n: ClusterProcess | undefined;
let apiKey: ApiKey;
let workflow: TriggerWorkflow;
let db: Db;

const logs = () => (n8n ? `--- ${n8n.logFile} ---\n${n8n.tail(6000)}` : '(n8n did not start)');
const failures = failureLogs(logs, () => n8n?.logFile ?? '(none)');

beforeAll(async () => {
	prepared = preparePackage('crash');
	const { runtime, workDir, tarball, logLevel } = prepared;
	const userFolder = join(workDir, 'user');
	instance.installPackage({ userFolder, tarball, quiet: true });
	const [port, brokerPort] = [await instance.getFreePort(), await instance.getFreePort()];
	const env = instance.n8nEnv({
		runtime,
		userFolder,
		port,
		brokerPort,
		listenAddress: '127.0.0.1',
		extra: { N8N_LOG_LEVEL: logLevel, DB_TYPE: 'sqlite', EXECUTIONS_MODE: 'regular' },
	});
	apiKey = apiKeyCredential('IspmCrashKey0001');
	workflow = triggerWorkflow({
		id: 'IspmCrashRegular',
		name: 'crash: regular mode, instance memory',
		apiKey: apiKey.credential,
	});
	const importDir = join(workDir, 'import');
	mkdirSync(importDir, { recursive: true });
	const credentialsFile = join(importDir, 'credentials.json');
	writeFileSync(credentialsFile, JSON.stringify([apiKey.credential]), { mode: 0o600 });
	instance.importCredentials(runtime, env, credentialsFile);
	const workflowFile = join(importDir, 'workflow.json');
	writeFileSync(workflowFile, JSON.stringify(workflow.export));
	instance.importWorkflows(runtime, env, workflowFile);
	await instance.publishWorkflows(runtime, env, [workflow.id]);

	const query = instance.sqliteQuery(runtime, userFolder);
	db = { query, n8nDir: runtime.n8nDir };
	n8n = n8nProcess({ runtime, name: 'n8n', env, logFile: join(workDir, 'n8n.log'), query });
	await withLogs(logs, () => n8n!.start());
	startReport(REPORT, 'Crash in regular mode', [
		`n8n ${runtime.n8nDir.split('n8n-').pop()}, SQLite, EXECUTIONS_MODE=regular, trigger typeVersion 1.1, issueMemory default (instance), N8N_EXPRESSION_ENGINE ${process.env.N8N_EXPRESSION_ENGINE || "n8n's default"}`,
		`measured ${new Date().toISOString()}`,
	]);
}, 30 * 60_000);

afterAll(async () => {
	failures.printIfFailed();
	await n8n?.stop();
	removeWorkDir(prepared?.workDir);
});

describe('regular mode: n8n killed with SIGKILL in the middle of a burst, then restarted', () => {
	let result: CrashResult;

	beforeAll(async () => {
		result = await withLogs(logs, () =>
			runCrashScenario({
				db,
				workflowId: workflow.id,
				url: triggerUrl(n8n!.baseUrl, workflow),
				headers: apiKey.headers,
				ranExecutions: true,
				kill: () => n8n!.kill(),
				restart: async () => {
					await n8n!.start();
				},
				explain: async (executionIds) => executionLogLines([n8n!], executionIds),
			}),
		);
		reportSection(
			REPORT,
			'300 new issues, 8 senders, killed after 100 answers',
			crashTable(result),
		);
		reportSection(REPORT, 'The issues behind those numbers', crashDetails(result));
	}, 20 * 60_000);

	crashAssertions(() => result, failures.run);
});
