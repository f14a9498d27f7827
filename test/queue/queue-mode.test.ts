/* eslint-disable @n8n/community-nodes/no-restricted-globals -- real-infrastructure test code: runs in Jest and drives real n8n processes from outside */
/**
 * n8n's queue mode (issue 10): main + one worker + two webhook processes, Postgres, Redis, this package
 * packed and installed in every process. With `issueMemory: redis` every issue starts exactly one execution
 * whichever processes its deliveries reach, also across a restart of everything and with two workers; with
 * `instance` the same scenarios are measured and reported (test-results/queue-mode.md), not asserted.
 * Then the two policies for an unreachable memory (a second Redis, so n8n's queue keeps working while it is
 * down), and a crash: webhook process 1 killed with SIGKILL in the middle of a burst.
 *
 * One cluster serves the whole file; the tests run in order and share it.
 */
import * as cluster from '../../scripts/n8n-cluster.cjs';
import {
	startPostgres,
	startRedis,
	type PostgresServer,
	type RedisServer,
} from '../../scripts/services.cjs';
import { makeIssue } from '../e2e/fixtures';
import {
	crashAssertions,
	crashDetails,
	crashTable,
	runCrashScenario,
	type CrashResult,
} from '../cluster/crash';
import { deliverUntilSettled, describeAnswer, post, sleep } from '../cluster/delivery';
import {
	byIssue,
	executionLogLines,
	executionsOf,
	QUIET_PERIOD_MS,
	settled,
	type Db,
} from '../cluster/executions';
import {
	beforeRestart,
	concurrentCopies,
	resentToOtherProcess,
	sequentialCrossProcess,
	type MeasureTarget,
	type Measurement,
} from '../cluster/measurements';
import { reportSection, startReport, table } from '../cluster/report';
import {
	failureLogs,
	preparePackage,
	removeWorkDir,
	withLogs,
	type Prepared,
} from '../cluster/setup';
import {
	apiKeyCredential,
	redisCredential,
	triggerUrl,
	triggerWorkflow,
	type ApiKey,
	type TriggerWorkflow,
} from '../cluster/workflows';

const REPORT = 'queue-mode';

let prepared: Prepared | undefined;
let postgres: PostgresServer | undefined;
let queueRedis: RedisServer | undefined;
let memoryRedis: RedisServer | undefined;
let n8n: cluster.Cluster | undefined;
let db: Db;
let apiKey: ApiKey;
let workflows: Record<'instance' | 'redis' | 'accept' | 'reject' | 'crash', TriggerWorkflow>;

const logs = () => (n8n ? n8n.tails(3000) : '(the cluster did not start)');
const failures = failureLogs(logs, () => `${prepared?.workDir}/logs`);
const webhookUrls = () => n8n!.webhooks.map((p) => p.baseUrl);
const target = (workflow: TriggerWorkflow): MeasureTarget => ({
	db,
	workflow,
	headers: apiKey.headers,
	webhooks: webhookUrls,
});

/** Rows of the report's comparison table: scenario → memory → what was measured. */
const rows: Array<{
	scenario: string;
	exact: string;
	issue10: string;
	redis?: string;
	instance?: string;
}> = [];

function record(
	scenario: string,
	memory: 'redis' | 'instance',
	value: string,
	exact: string,
	issue10: string,
) {
	let row = rows.find((r) => r.scenario === scenario);
	if (!row) rows.push((row = { scenario, exact, issue10 }));
	row[memory] = value;
}

const answers = (m: Measurement) =>
	Object.entries(m.answers)
		.map(([k, v]) => `${v}× ${k}`)
		.join(', ');

beforeAll(async () => {
	prepared = preparePackage('queue');
	postgres = await startPostgres();
	queueRedis = await startRedis({ name: 'redis-queue' });
	memoryRedis = await startRedis({ name: 'redis-memory' });
	apiKey = apiKeyCredential('IspmQueueKey0001');
	const queueRedisCredential = redisCredential(
		'IspmQueueRedis01',
		'ISPM issue memory (the queue Redis)',
		queueRedis,
	);
	const memoryRedisCredential = redisCredential(
		'IspmQueueRedis02',
		'ISPM issue memory (a separate Redis)',
		memoryRedis,
	);
	const key = apiKey.credential;
	workflows = {
		instance: triggerWorkflow({
			id: 'IspmQueueWfInst1',
			name: 'queue: instance memory',
			apiKey: key,
			issueMemory: 'instance',
		}),
		redis: triggerWorkflow({
			id: 'IspmQueueWfRedis',
			name: 'queue: redis memory',
			apiKey: key,
			issueMemory: 'redis',
			redis: queueRedisCredential,
		}),
		accept: triggerWorkflow({
			id: 'IspmQueueWfAccpt',
			name: 'queue: redis memory, accept when unreachable',
			apiKey: key,
			issueMemory: 'redis',
			redis: memoryRedisCredential,
			whenMemoryUnreachable: 'accept',
		}),
		reject: triggerWorkflow({
			id: 'IspmQueueWfRejct',
			name: 'queue: redis memory, reject when unreachable',
			apiKey: key,
			issueMemory: 'redis',
			redis: memoryRedisCredential,
			whenMemoryUnreachable: 'reject',
		}),
		crash: triggerWorkflow({
			id: 'IspmQueueWfCrash',
			name: 'queue: crash, redis memory',
			apiKey: key,
			issueMemory: 'redis',
			redis: queueRedisCredential,
		}),
	};
	n8n = await cluster.startCluster({
		runtime: prepared.runtime,
		tarball: prepared.tarball,
		workDir: prepared.workDir,
		postgres,
		redis: queueRedis,
		workers: 1,
		webhooks: 2,
		credentials: [key, queueRedisCredential, memoryRedisCredential],
		workflows: Object.values(workflows).map((w) => w.export),
		env: { N8N_LOG_LEVEL: prepared.logLevel },
	});
	db = { query: n8n.query, n8nDir: prepared.runtime.n8nDir };
	startReport(REPORT, 'Queue mode: executions per issue', [
		`n8n ${prepared.runtime.n8nDir.split('n8n-').pop()} in queue mode: main + 1 worker + 2 webhook processes, Postgres 15, Redis 7; trigger typeVersion 1.1`,
		"executions counted in n8n's database for exactly the issues of each scenario; senders retry 409 after Retry-After",
		`measured ${new Date().toISOString()}`,
	]);
}, 30 * 60_000);

afterAll(async () => {
	if (rows.length) {
		reportSection(
			REPORT,
			'Executions per scenario',
			table(
				['scenario', 'exact', '`redis`', '`instance`', 'issue 10 measured (`instance`)'],
				rows.map((r) => [r.scenario, r.exact, r.redis ?? '–', r.instance ?? '–', r.issue10]),
			),
		);
	}
	failures.printIfFailed();
	const stops: Array<Promise<unknown>> = [];
	if (n8n) stops.push(n8n.stop().catch((e) => process.stderr.write(`${e}\n`)));
	await Promise.all(stops);
	for (const server of [memoryRedis, queueRedis, postgres]) await server?.remove();
	removeWorkDir(prepared?.workDir);
}, 5 * 60_000);

describe.each([
	['redis', true],
	['instance', false],
] as const)('issueMemory %s: deliveries spread over both webhook processes', (memory, exact) => {
	const workflow = () => workflows[memory];

	test(
		`(a) 10 new issues, each delivered 4 times at once, 2 copies to each webhook process${exact ? ': 10 executions' : ' (reported)'}`,
		failures.run(async () => {
			const m = await concurrentCopies(target(workflow()));
			record(
				'(a) 10 issues × 4 copies at once, 2 per webhook process',
				memory,
				`${m.executions}`,
				'10',
				'20',
			);
			process.stderr.write(`[queue] (a) ${memory}: ${m.executions} executions; ${answers(m)}\n`);
			expect(m.neverRan).toBe(0);
			if (!exact) return;
			expect(m.executions).toBe(10);
			expect(m.ranMoreThanOnce).toBe(0);
			expect(m.acceptedOnce).toBe(10);
			expect(m.answers).toEqual({ '200 accepted': 10, '200 duplicate': 30 });
		}),
	);

	test(
		`(b) 20 new issues, then the same 20 each to the other webhook process${exact ? ': 20, then 0' : ' (reported)'}`,
		failures.run(async () => {
			const { first, again } = await resentToOtherProcess(target(workflow()));
			record(
				'(b) 20 issues, then each again to the other process',
				memory,
				`${first.executions}, then ${again.executions}`,
				'20, then 0',
				'20, then 20',
			);
			process.stderr.write(
				`[queue] (b) ${memory}: ${first.executions} then ${again.executions}; ${answers(first)} / ${answers(again)}\n`,
			);
			expect(first.neverRan).toBe(0);
			if (!exact) return;
			expect(first.executions).toBe(20);
			expect(first.answers).toEqual({ '200 accepted': 20 });
			expect(again.executions).toBe(0);
			expect(again.answers).toEqual({ '200 duplicate': 20 });
		}),
	);

	test(
		`(c) one issue to webhook process 1, its execution finished, then to process 2${exact ? ': 1 execution' : ' (reported)'}`,
		failures.run(async () => {
			const { first, again } = await sequentialCrossProcess(target(workflow()));
			record(
				'(c) 1 issue to process 1, finished, then to process 2',
				memory,
				`${first.executions + again.executions}`,
				'1',
				'2',
			);
			expect(first.executions).toBe(1);
			if (!exact) return;
			expect(again.executions).toBe(0);
			expect(again.answers).toEqual({ '200 duplicate': 1 });
		}),
	);
});

describe('(d) a restart of every process', () => {
	async function restartScenario(label: string, issue10: string) {
		const redis = await beforeRestart(target(workflows.redis));
		const instance = await beforeRestart(target(workflows.instance));
		await n8n!.restartAll();
		const redisAgain = await redis.again();
		const instanceAgain = await instance.again();
		const scenario = `(d) 10 accepted issues, restart of every process (${label}), each re-sent: executions started again`;
		record(scenario, 'redis', `${redisAgain.executions}`, '0', issue10);
		record(scenario, 'instance', `${instanceAgain.executions}`, '0', issue10);
		process.stderr.write(
			`[queue] (d) ${label}: redis ${redisAgain.executions} re-run (${answers(redisAgain)}); instance ${instanceAgain.executions} re-run (${answers(instanceAgain)})\n`,
		);
		expect(redis.first.executions).toBe(10);
		expect(instance.first.executions).toBe(10);
		expect(redisAgain.executions).toBe(0);
		expect(redisAgain.answers).toEqual({ '200 duplicate': 10 });
	}

	test(
		'with one worker: issues accepted before the restart are duplicates after it (redis)',
		failures.run(async () => {
			await restartScenario('one worker', '0');
		}),
	);

	test(
		'with two workers: issues accepted before the restart are duplicates after it (redis)',
		failures.run(async () => {
			const second = await n8n!.addWorker();
			try {
				await restartScenario('two workers', '3 of 10');
			} finally {
				await n8n!.removeProcess(second);
			}
		}),
	);
});

describe("when the issue memory's Redis is unreachable (n8n's own queue Redis keeps running)", () => {
	const url = (workflow: TriggerWorkflow) => triggerUrl(webhookUrls()[0], workflow);

	beforeAll(async () => {
		// Both triggers have talked to their Redis before it goes away.
		for (const workflow of [workflows.accept, workflows.reject]) {
			const message = makeIssue();
			const answer = await post(url(workflow), message, apiKey.headers);
			expect(describeAnswer(answer)).toBe('200 accepted');
		}
		for (const workflow of [workflows.accept, workflows.reject]) await settled(db, workflow.id);
	});

	afterEach(async () => {
		if (!memoryRedis!.isRunning()) await memoryRedis!.start();
	});

	test(
		'accept: a delivery while it is down is accepted, and its execution says deduplication was unchecked',
		failures.run(async () => {
			const message = makeIssue();
			await memoryRedis!.stop();
			const answer = await post(url(workflows.accept), message, apiKey.headers);
			await memoryRedis!.start();
			expect(describeAnswer(answer)).toBe('200 accepted');
			const executions = await settled(db, workflows.accept.id, {
				issueIds: [message.eventData.id],
				atLeast: 1,
			});
			const runs = byIssue(executions, [message.eventData.id]).get(message.eventData.id)!;
			expect(runs).toHaveLength(1);
			expect(runs[0].customData).toMatchObject({ deduplication: 'unchecked' });
		}),
	);

	test(
		'reject: a delivery while it is down gets 503 with Retry-After and starts nothing; the retry after Redis is back is accepted once',
		failures.run(async () => {
			const message = makeIssue();
			const id = message.eventData.id;
			await memoryRedis!.stop();
			const answer = await post(url(workflows.reject), message, apiKey.headers);
			await sleep(QUIET_PERIOD_MS);
			const whileDown = byIssue(await executionsOf(db, workflows.reject.id), [id]).get(id)!;
			await memoryRedis!.start();
			expect(answer.status).toBe(503);
			expect(answer.retryAfter).not.toBeNull();
			expect(whileDown).toHaveLength(0);

			// A sender retries after Retry-After (503 again while the trigger reconnects, 409 while a copy starts).
			const retried = await deliverUntilSettled(url(workflows.reject), message, apiKey.headers, {
				retryStatuses: [409, 503],
			});
			expect(describeAnswer(retried.final)).toBe('200 accepted');
			const again = await post(
				triggerUrl(webhookUrls()[1], workflows.reject),
				message,
				apiKey.headers,
			);
			expect(describeAnswer(again)).toBe('200 duplicate');
			const executions = await settled(db, workflows.reject.id, { issueIds: [id], atLeast: 1 });
			expect(byIssue(executions, [id]).get(id)).toHaveLength(1);
		}),
	);
});

describe('crash: webhook process 1 killed with SIGKILL in the middle of a burst (redis memory)', () => {
	let result: CrashResult;

	beforeAll(async () => {
		const webhook1 = n8n!.webhooks[0];
		result = await withLogs(logs, () =>
			runCrashScenario({
				db,
				workflowId: workflows.crash.id,
				url: triggerUrl(webhook1.baseUrl, workflows.crash),
				headers: apiKey.headers,
				ranExecutions: false,
				kill: () => webhook1.kill(),
				restart: async () => {
					await webhook1.start();
				},
				explain: async (executionIds) => executionLogLines(n8n!.processes, executionIds),
			}),
		);
		reportSection(
			REPORT,
			'Crash: 300 new issues from 8 senders to webhook process 1, killed after 100 answers',
			crashTable(result),
		);
		reportSection(REPORT, 'Crash: the issues behind those numbers', crashDetails(result));
	}, 20 * 60_000);

	crashAssertions(() => result, failures.run);
});
