/**
 * Deliveries that must not start anything: wrong, missing or misplaced keys and extra parameters (401),
 * invalid envelopes (400), and issues the trigger is not configured for (200 "ignored").
 * Afterwards: nothing reached the sink, and neither workflow has a new execution.
 */
import { KEY_NAMES, WORKFLOWS, makeIssue, type IspmMessage } from './fixtures';
import {
	QUIET_PERIOD_MS,
	deliver,
	executions,
	headerTriggerAuth,
	httpPost,
	queryTriggerAuth,
	readState,
	sink,
	sinkRequestsFor,
	settledExecutions,
	sleep,
	webhookUrl,
	type HttpResult,
} from './harness';

const headerUrl = (query: Record<string, string> = {}) =>
	webhookUrl(WORKFLOWS.header.webhookId, query);
const queryUrl = (query: Record<string, string> = {}) =>
	webhookUrl(WORKFLOWS.query.webhookId, query);

/** Every issue id this file sent; none may reach the sink. */
const sentIssueIds: string[] = [];
let executionsBefore: { header: number; query: number };

function issue(
	eventData: Partial<IspmMessage['eventData']> = {},
	envelope: Record<string, unknown> = {},
): IspmMessage {
	const message = makeIssue(eventData, envelope);
	sentIssueIds.push(message.eventData.id);
	return message;
}

function expectNoSecretIn(result: HttpResult): void {
	for (const value of Object.values(readState().secrets)) expect(result.text).not.toContain(value);
}

function expectUnauthorized(result: HttpResult): void {
	expect(result.status).toBe(401);
	expect(result.body).toEqual({ error: expect.any(String) });
	expectNoSecretIn(result);
}

beforeAll(async () => {
	executionsBefore = {
		header: (await executions(WORKFLOWS.header.id)).length,
		query: (await executions(WORKFLOWS.query.id)).length,
	};
});

describe('401: the header-key trigger', () => {
	test('no key at all', async () => {
		expectUnauthorized(await httpPost(headerUrl(), issue()));
	});

	test('wrong key value', async () => {
		const auth = { ...headerTriggerAuth(), [KEY_NAMES.triggerHeader]: 'not-the-key' };
		expectUnauthorized(await httpPost(headerUrl(), issue(), auth));
	});

	test('right key, extra parameter missing', async () => {
		const auth = headerTriggerAuth();
		delete auth[KEY_NAMES.triggerHeaderExtra];
		expectUnauthorized(await httpPost(headerUrl(), issue(), auth));
	});

	test('right key, extra parameter wrong', async () => {
		const auth = { ...headerTriggerAuth(), [KEY_NAMES.triggerHeaderExtra]: 'other-tenant' };
		expectUnauthorized(await httpPost(headerUrl(), issue(), auth));
	});

	test('key and extra parameter in the query string instead of headers', async () => {
		expectUnauthorized(await httpPost(headerUrl(headerTriggerAuth()), issue()));
	});

	test('key in a header, extra parameter in the query string', async () => {
		const { [KEY_NAMES.triggerHeaderExtra]: tenant, ...keyOnly } = headerTriggerAuth();
		expectUnauthorized(
			await httpPost(headerUrl({ [KEY_NAMES.triggerHeaderExtra]: tenant }), issue(), keyOnly),
		);
	});

	test("the query-key trigger's key does not open the header-key trigger", async () => {
		const { secrets } = readState();
		const auth = { ...headerTriggerAuth(), [KEY_NAMES.triggerHeader]: secrets.triggerQueryKey };
		expectUnauthorized(await httpPost(headerUrl(), issue(), auth));
	});
});

describe('401: the query-key trigger', () => {
	test('no parameters at all', async () => {
		expectUnauthorized(await httpPost(queryUrl(), issue()));
	});

	test('wrong key value', async () => {
		expectUnauthorized(
			await httpPost(
				queryUrl({ ...queryTriggerAuth(), [KEY_NAMES.triggerQuery]: 'not-the-key' }),
				issue(),
			),
		);
	});

	test('key and extra parameter sent as headers instead of query parameters', async () => {
		expectUnauthorized(await httpPost(queryUrl(), issue(), queryTriggerAuth()));
	});

	test('right key, extra parameter missing', async () => {
		const { [KEY_NAMES.triggerQuery]: key } = queryTriggerAuth();
		expectUnauthorized(await httpPost(queryUrl({ [KEY_NAMES.triggerQuery]: key }), issue()));
	});

	test('right key, extra parameter wrong', async () => {
		expectUnauthorized(
			await httpPost(
				queryUrl({ ...queryTriggerAuth(), [KEY_NAMES.triggerQueryExtra]: 'elsewhere' }),
				issue(),
			),
		);
	});

	test('right key in the query string, extra parameter as a header', async () => {
		const { [KEY_NAMES.triggerQuery]: key, [KEY_NAMES.triggerQueryExtra]: tenant } =
			queryTriggerAuth();
		expectUnauthorized(
			await httpPost(queryUrl({ [KEY_NAMES.triggerQuery]: key }), issue(), {
				[KEY_NAMES.triggerQueryExtra]: tenant,
			}),
		);
	});
});

describe('400: invalid envelopes (correctly authenticated)', () => {
	const cases: Array<[string, (m: IspmMessage) => unknown, string]> = [
		[
			'eventData.id missing',
			(m) => ({ ...m, eventData: { ...m.eventData, id: undefined } }),
			'eventData.id',
		],
		[
			'eventData.title missing',
			(m) => ({ ...m, eventData: { ...m.eventData, title: undefined } }),
			'eventData.title',
		],
		[
			'eventData.title empty',
			(m) => ({ ...m, eventData: { ...m.eventData, title: '' } }),
			'eventData.title',
		],
		['message id missing', (m) => ({ ...m, id: undefined }), 'id'],
		['timestamp not a date-time', (m) => ({ ...m, timestamp: 'yesterday' }), 'timestamp'],
		['type missing', (m) => ({ ...m, type: undefined }), 'type'],
		['eventData not an object', (m) => ({ ...m, eventData: 'an issue' }), 'eventData'],
		[
			'frameworks not an array',
			(m) => ({ ...m, eventData: { ...m.eventData, frameworks: 'SOX' } }),
			'eventData.frameworks',
		],
	];

	test.each(cases)('%s', async (_name, mutate, path) => {
		const body = JSON.parse(JSON.stringify(mutate(issue()))) as unknown;
		const result = await httpPost(headerUrl(), body, headerTriggerAuth());
		expect(result.status).toBe(400);
		const answer = result.body as {
			error: unknown;
			problems: Array<{ path: string; message: string }>;
		};
		expect(typeof answer.error).toBe('string');
		expect(answer.problems.length).toBeGreaterThan(0);
		expect(answer.problems.map((p) => p.path)).toContain(path);
		expectNoSecretIn(result);
	});

	test('a JSON array instead of an object', async () => {
		const result = await httpPost(headerUrl(), [issue()], headerTriggerAuth());
		expect(result.status).toBe(400);
		expect((result.body as { problems: unknown[] }).problems.length).toBeGreaterThan(0);
	});

	test('a body that is not JSON at all is refused (n8n itself answers 422 before the node runs)', async () => {
		const result = await httpPost(headerUrl(), '{"id": "broken', headerTriggerAuth());
		expect([400, 422]).toContain(result.status);
	});
});

describe('200 ignored: issues the trigger is not configured for', () => {
	test('a type other than issue.created', async () => {
		const result = await deliver(
			'header',
			issue({ title: 'Unused Admin Account', severity: 'High' }, { type: 'issue.updated' }),
		);
		expect(result.status).toBe(200);
		expect(result.body).toMatchObject({ status: 'ignored', reason: expect.any(String) });
	});

	test('a title not selected', async () => {
		const result = await deliver(
			'header',
			issue({ title: 'Old Password - Account', severity: 'High' }),
		);
		expect(result.status).toBe(200);
		expect(result.body).toMatchObject({ status: 'ignored', reason: expect.any(String) });
	});

	test('a severity not selected', async () => {
		const result = await deliver(
			'header',
			issue({ title: 'Unused Admin Account', severity: 'Low' }),
		);
		expect(result.status).toBe(200);
		expect(result.body).toMatchObject({ status: 'ignored', reason: expect.any(String) });
	});

	test('the query-key trigger (all titles, all severities) still ignores other event types', async () => {
		const result = await deliver('query', issue({}, { type: 'issue.resolved' }));
		expect(result.status).toBe(200);
		expect(result.body).toMatchObject({ status: 'ignored' });
	});
});

describe('afterwards', () => {
	test('nothing reached the sink and no execution started', async () => {
		await sleep(QUIET_PERIOD_MS);
		const received = (await sink.requests()).filter((r) => {
			const id = (r.body as { eventData?: { id?: string } } | undefined)?.eventData?.id;
			return id !== undefined && sentIssueIds.includes(id);
		});
		expect(received).toEqual([]);
		expect(await executions(WORKFLOWS.header.id)).toHaveLength(executionsBefore.header);
		expect(await executions(WORKFLOWS.query.id)).toHaveLength(executionsBefore.query);
	});

	test('a refused delivery does not use up the issue: sent correctly later, it goes through once', async () => {
		const message = makeIssue({ title: 'No MFA - Admin Account', severity: 'Critical' });
		expectUnauthorized(await httpPost(headerUrl(), message));
		const ignored = await deliver('header', { ...message, type: 'issue.updated' });
		expect(ignored.body).toMatchObject({ status: 'ignored' });

		const accepted = await deliver('header', message);
		expect(accepted.status).toBe(200);
		expect(accepted.body).toMatchObject({ status: 'accepted' });
		expect(await sinkRequestsFor(message.eventData.id, 1)).toHaveLength(1);
		expect(await settledExecutions(WORKFLOWS.header.id, executionsBefore.header + 1)).toHaveLength(
			executionsBefore.header + 1,
		);
	});
});
