/* eslint-disable @n8n/community-nodes/no-restricted-globals -- test code runs in Jest, not inside n8n: it waits on timers */
import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type INodeExecutionData,
} from 'n8n-workflow';

import { DEFAULT_DELIVERY_OPTIONS } from '../../lib/delivery';
import {
	TEST_MESSAGE_EVENT_DATA,
	validateEnvelope,
	type IspmEnvelope,
	type IspmEventData,
} from '../../lib/envelope';
import { DEFAULT_SOURCE, ISSUE_CREATED, KNOWN_ISSUE_TITLES } from '../../lib/issueTypes';
import { IspmEventHook } from '../../nodes/IspmEventHook/IspmEventHook.node';
import { createExecuteContext, type ExecuteContextOptions } from '../helpers/n8nContexts';
import { startSink, unusedPort, type RecordedRequest, type Sink } from '../helpers/sink';

/** Stand-ins for the API key and an extra parameter value; "dummy" marks them as not real. */
const KEY_VALUE = 'dummy-ispm-key-5f1c9a';
const TENANT_VALUE = 'dummy-tenant-77ab';

const issue = (overrides: Partial<IspmEventData> = {}): IspmEventData => ({
	...(JSON.parse(JSON.stringify(TEST_MESSAGE_EVENT_DATA)) as IspmEventData),
	...overrides,
});

let sink: Sink;

beforeEach(async () => {
	sink = await startSink();
});

afterEach(async () => {
	await sink.close();
});

function credentials(url = `${sink.url}/hook`) {
	const base = { webhookUrl: url, value: KEY_VALUE };
	return {
		ispmHeaderAuthApi: {
			...base,
			key: 'X-API-Key',
			additionalParameters: JSON.stringify({ 'X-Tenant': TENANT_VALUE }),
		},
		ispmQueryAuthApi: {
			...base,
			key: 'clientToken',
			additionalParameters: JSON.stringify({ tenant: TENANT_VALUE }),
		},
	};
}

async function run(
	options: Partial<ExecuteContextOptions> & { parameters: ExecuteContextOptions['parameters'] },
) {
	const context = createExecuteContext({
		nodeType: new IspmEventHook(),
		credentials: credentials(),
		...options,
	});
	const [output] = await new IspmEventHook().execute.call(context);
	return { output, context };
}

async function runExpectingError(
	options: Parameters<typeof run>[0],
): Promise<NodeApiError | NodeOperationError> {
	const error: unknown = await run(options).then(
		() => new Error('expected the node to fail'),
		(thrown: unknown) => thrown,
	);
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	throw error;
}

const bodyOf = (request: RecordedRequest) => request.body as IspmEnvelope;
const json = (item: INodeExecutionData) => item.json as IDataObject & { envelope: IspmEnvelope };
const serialize = (value: unknown) => JSON.stringify(value);
/** Everything a user could see of an error: message, description, and the serialized error. */
const errorText = (error: Error & { description?: string | null }) =>
	[
		error.message,
		error.description ?? '',
		JSON.stringify(error),
		JSON.stringify({ ...error }),
	].join('\n');

describe('IspmEventHook description', () => {
	const { description } = new IspmEventHook();

	it('should expose the names issue 3 promises', () => {
		expect(description).toMatchObject({
			name: 'ispmEventHook',
			displayName: 'ISPM Event Hook',
			version: 1,
			usableAsTool: true,
		});
		const names = description.properties.map((property) => property.name);
		expect(names).toEqual(
			expect.arrayContaining([
				'authentication',
				'operation',
				'eventDataSource',
				'eventData',
				'options',
			]),
		);
		const options = description.properties.find((property) => property.name === 'options');
		expect(options?.options?.map((option) => option.name).sort()).toEqual(
			['concurrency', 'eventType', 'maxAttempts', 'source', 'timeout'].sort(),
		);
	});

	it('should offer the credential test for both credential types', () => {
		expect(description.credentials).toEqual([
			expect.objectContaining({ name: 'ispmHeaderAuthApi', testedBy: 'ispmApiKeyTest' }),
			expect.objectContaining({ name: 'ispmQueryAuthApi', testedBy: 'ispmApiKeyTest' }),
		]);
		expect(typeof new IspmEventHook().methods.credentialTest.ispmApiKeyTest).toBe('function');
	});

	it('should show the same number defaults as the delivery logic uses', () => {
		const options =
			description.properties.find((property) => property.name === 'options')?.options ?? [];
		const defaultOf = (name: string) =>
			(options.find((option) => option.name === name) as { default: unknown }).default;
		expect(defaultOf('timeout')).toBe(DEFAULT_DELIVERY_OPTIONS.timeoutMs);
		expect(defaultOf('maxAttempts')).toBe(DEFAULT_DELIVERY_OPTIONS.maxAttempts);
		expect(defaultOf('concurrency')).toBe(DEFAULT_DELIVERY_OPTIONS.concurrency);
		expect(defaultOf('eventType')).toBe(ISSUE_CREATED);
		expect(defaultOf('source')).toBe(DEFAULT_SOURCE);
	});

	it('should list the known titles, filtered by what the user types', async () => {
		const search = new IspmEventHook().methods.listSearch.searchIssueTitles;
		const all = await search.call({} as never);
		expect(all.results.map((result) => result.value)).toEqual([...KNOWN_ISSUE_TITLES]);
		const mfa = await search.call({} as never, 'no mfa');
		expect(mfa.results.length).toBeGreaterThan(0);
		expect(mfa.results.every((result) => result.name.startsWith('No MFA'))).toBe(true);
	});
});

describe('IspmEventHook: key placement and message', () => {
	it('should send the key and extra parameters as headers, and nothing in the query', async () => {
		const { output } = await run({ parameters: { eventData: issue() } });
		const [request] = sink.requests;
		expect(request.method).toBe('POST');
		expect(request.path).toBe('/hook');
		expect(request.headers['x-api-key']).toBe(KEY_VALUE);
		expect(request.headers['x-tenant']).toBe(TENANT_VALUE);
		expect(request.query).toEqual({});
		expect(output).toHaveLength(1);
	});

	it('should send the key and extra parameters in the query, and not as headers', async () => {
		await run({ parameters: { authentication: 'queryAuth', eventData: issue() } });
		const [request] = sink.requests;
		expect(request.query).toEqual({ clientToken: KEY_VALUE, tenant: TENANT_VALUE });
		expect(JSON.stringify(request.headers)).not.toContain(KEY_VALUE);
		expect(JSON.stringify(request.headers)).not.toContain(TENANT_VALUE);
	});

	it('should post a valid envelope with the default source and type, eventData intact', async () => {
		const eventData = issue({ title: 'No MFA - Admin Account' });
		const { output } = await run({ parameters: { eventData } });
		const body = bodyOf(sink.requests[0]);
		expect(validateEnvelope(body).ok).toBe(true);
		expect(body).toMatchObject({ source: 'Okta ISPM', type: 'issue.created' });
		expect(body.eventData).toEqual(eventData);
		expect(body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
		expect(output[0].json).toEqual({
			id: body.id,
			statusCode: 200,
			attempts: 1,
			response: { ok: true },
			envelope: body,
		});
		expect(output[0].pairedItem).toEqual({ item: 0 });
	});

	it('should accept eventData as JSON text', async () => {
		const eventData = issue();
		await run({ parameters: { eventData: JSON.stringify(eventData) } });
		expect(bodyOf(sink.requests[0]).eventData).toEqual(eventData);
	});

	it("should forward the trigger's eventData by default", async () => {
		const eventData = issue({ id: 'Alert_forwarded~' });
		await run({ parameters: {}, items: [{ json: { id: 'envelope-id', eventData } }] });
		expect(bodyOf(sink.requests[0]).eventData).toEqual(eventData);
	});

	it('should say to pass only the issue when given a whole ISPM message', async () => {
		const error = await runExpectingError({
			parameters: { eventData: '={{ $json }}' },
			items: [{ json: { id: 'm-1', eventData: issue() } }],
		});
		expect(error.message).toBe(
			'Invalid eventData in item 0: eventData: got a whole ISPM message (it has its own eventData): pass only the issue, e.g. {{ $json.eventData }}',
		);
		expect(sink.requests).toHaveLength(0);
	});

	it('should say eventData is required when the input has none', async () => {
		const error = await runExpectingError({
			parameters: {},
			items: [{ json: { unrelated: true } }],
		});
		expect(error.message).toBe('Invalid eventData in item 0: eventData: is required');
		expect(error.description).toMatch(/\{\{ \$json\.eventData \}\}/);
	});

	it('should use the source and event type options', async () => {
		await run({
			parameters: {
				eventData: issue(),
				options: { source: 'Lab ISPM', eventType: 'issue.updated' },
			},
		});
		expect(bodyOf(sink.requests[0])).toMatchObject({ source: 'Lab ISPM', type: 'issue.updated' });
	});
});

describe('IspmEventHook: fields mode', () => {
	/** The text fields, which go into eventData as they are. */
	const text = {
		id: 'Alert_fields~',
		severity: 'Low',
		category: 'Hygiene',
		detectedAt: '2024-06-18',
		shortDescription: 'Short',
		fullDescription: 'Full',
		suggestedRemediation: 'Rotate',
		riskAndImpact: 'Risky',
		link: 'https://ispm.example.com/issues/Alert_fields~',
	};
	const entity = {
		id: 'Account_1~',
		type: 'Account',
		displayName: 'jane@example.com',
		identifierInService: '00u1',
		sourceProductName: 'Okta',
		sourceProductTenant: 'example.okta.com',
	};
	const additionalData = { username: 'jane', types: ['Admin'], lastLogin: '03/28/2024' };
	const fields = {
		...text,
		eventDataSource: 'fields',
		title: { __rl: true, mode: 'list', value: 'Old Password - Account' },
		frameworks: 'SOX,  PCI-DSS v4.0 ,',
		affectedEntity: { ...entity, additionalData: JSON.stringify(additionalData) },
	};

	it('should build eventData from the fields', async () => {
		await run({ parameters: fields });
		const body = bodyOf(sink.requests[0]);
		expect(validateEnvelope(body).ok).toBe(true);
		expect(body.eventData).toEqual({
			...text,
			title: 'Old Password - Account',
			frameworks: ['SOX', 'PCI-DSS v4.0'],
			affectedEntity: { ...entity, additionalData },
		});
	});

	it('should take a custom title, generate an ISPM-shaped id and default detectedAt to today', async () => {
		const before = new Date().toISOString().slice(0, 10);
		await run({
			parameters: {
				eventDataSource: 'fields',
				title: { __rl: true, mode: 'custom', value: 'Brand New Issue - Account' },
			},
			items: [{ json: {} }, { json: {} }],
		});
		const [first, second] = sink.requests.map((request) => bodyOf(request).eventData);
		expect(first.title).toBe('Brand New Issue - Account');
		expect(first.id).toMatch(/^Alert_[A-Za-z0-9_-]{27}~$/);
		expect(second.id).not.toBe(first.id);
		expect([before, new Date().toISOString().slice(0, 10)]).toContain(first.detectedAt);
		expect(first).not.toHaveProperty('affectedEntity');
		expect(first).not.toHaveProperty('frameworks');
	});

	it('should name the field when additionalData is not a JSON object', async () => {
		const error = await runExpectingError({
			parameters: { ...fields, affectedEntity: { additionalData: '{"username":' } },
		});
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toMatch(
			/item 0.*eventData\.affectedEntity\.additionalData: expected a JSON object/,
		);
		expect(sink.requests).toHaveLength(0);
	});

	it('should name the field when detectedAt is not a date', async () => {
		const error = await runExpectingError({
			parameters: { ...fields, detectedAt: 'last tuesday' },
		});
		expect(error.message).toMatch(/eventData\.detectedAt: expected a date YYYY-MM-DD/);
	});
});

describe('IspmEventHook: retries and failures', () => {
	it('should retry a 503 and send the same envelope id twice', async () => {
		sink.respondWith((_, index) =>
			index === 0 ? { status: 503 } : { status: 200, body: { accepted: 1 } },
		);
		const { output } = await run({ parameters: { eventData: issue() } });
		expect(sink.requests).toHaveLength(2);
		const ids = sink.requests.map((request) => bodyOf(request).id);
		expect(ids[0]).toBe(ids[1]);
		expect(output[0].json).toMatchObject({
			id: ids[0],
			statusCode: 200,
			attempts: 2,
			response: { accepted: 1 },
		});
	});

	it('should honour Retry-After on a 429', async () => {
		sink.respondWith((_, index) =>
			index === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 },
		);
		const { output } = await run({ parameters: { eventData: issue() } });
		const [first, second] = sink.requests;
		expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(950);
		expect(output[0].json).toMatchObject({ statusCode: 200, attempts: 2, response: null });
	});

	it('should stop waiting for Retry-After when the execution is cancelled', async () => {
		sink.respondWith(() => ({ status: 503, headers: { 'retry-after': '30' } }));
		const context = createExecuteContext({
			nodeType: new IspmEventHook(),
			credentials: credentials(),
			parameters: { eventData: issue() },
		});
		const started = Date.now();
		const execution = new IspmEventHook().execute.call(context);
		while (sink.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
		context.cancel();
		await expect(execution).rejects.toThrow();
		expect(Date.now() - started).toBeLessThan(5000);
		expect(sink.requests).toHaveLength(1);
	});

	it('should not retry a 400 and fail with NodeApiError carrying the item index', async () => {
		sink.respondWith(() => ({ status: 400, body: { error: 'title unknown' } }));
		const error = await runExpectingError({ parameters: { eventData: issue() } });
		expect(sink.requests).toHaveLength(1);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('HTTP 400: the receiver rejected the message as invalid');
		expect(error.description).toBe('The receiver answered: {"error":"title unknown"}');
		expect((error as NodeApiError).httpCode).toBe('400');
		expect(error.context.itemIndex).toBe(0);
	});

	it('should report a timeout', async () => {
		sink.respondWith(() => ({ status: 200, delayMs: 500 }));
		const error = await runExpectingError({
			parameters: { eventData: issue(), options: { timeout: 100, maxAttempts: 1 } },
		});
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toMatch(/^No answer from 127\.0\.0\.1:\d+ before the timeout$/);
	});

	it('should report a refused connection after retrying it', async () => {
		const port = await unusedPort();
		const context = createExecuteContext({
			nodeType: new IspmEventHook(),
			credentials: credentials(`http://127.0.0.1:${port}/hook`),
			parameters: { eventData: issue(), options: { maxAttempts: 2 } },
			continueOnFail: true,
		});
		const [output] = await new IspmEventHook().execute.call(context);
		expect(context.requested).toHaveLength(2);
		expect(output[0].json).toEqual({
			error: expect.stringMatching(/connection refused .*\(after 2 attempts\)/),
			statusCode: null,
			attempts: 2,
		});
	});

	it('should not follow a redirect, so the key never reaches the other host', async () => {
		const elsewhere = await startSink();
		try {
			sink.respondWith(() => ({ status: 302, headers: { location: `${elsewhere.url}/collect` } }));
			const error = await runExpectingError({ parameters: { eventData: issue() } });
			expect(error.message).toMatch(/^HTTP 302: .*redirects are not followed/);
			expect(sink.requests).toHaveLength(1);
			expect(elsewhere.requests).toHaveLength(0);
		} finally {
			await elsewhere.close();
		}
	});

	it('should pass n8n the options that keep redirects off and statuses in hand', async () => {
		const { context } = await run({
			parameters: { eventData: issue(), options: { timeout: 1234 } },
		});
		expect(context.requested[0]).toMatchObject({
			method: 'POST',
			url: `${sink.url}/hook`,
			json: true,
			timeout: 1234,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			disableFollowRedirect: true,
		});
		expect(context.requested[0]).not.toHaveProperty('headers');
		expect(context.requested[0]).not.toHaveProperty('qs');
	});
});

describe('IspmEventHook: concurrency and order', () => {
	const items = Array.from({ length: 12 }, (_, n) => ({
		json: { eventData: issue({ id: `Alert_${n}~` }) },
	}));
	const slowFirst = (request: RecordedRequest) => {
		const n = Number(/Alert_(\d+)~/.exec(bodyOf(request).eventData.id)?.[1]);
		return { status: 200, body: { n }, delayMs: 10 + ((12 - n) % 4) * 25 };
	};

	it.each([1, 3, 5])(
		'should keep at most %i in flight and outputs in input order',
		async (concurrency) => {
			sink.respondWith(slowFirst);
			const { output } = await run({ parameters: { options: { concurrency } }, items });
			expect(sink.maxInFlight).toBeLessThanOrEqual(concurrency);
			expect(sink.maxInFlight).toBe(concurrency);
			expect(output.map((item) => json(item).envelope.eventData.id)).toEqual(
				items.map((_, n) => `Alert_${n}~`),
			);
			expect(output.map((item) => (item.json.response as { n: number }).n)).toEqual(
				items.map((_, n) => n),
			);
			expect(output.map((item) => item.pairedItem)).toEqual(items.map((_, n) => ({ item: n })));
		},
	);
});

describe('IspmEventHook: Continue On Fail', () => {
	const items = [
		{ json: { eventData: issue({ id: 'Alert_ok0~' }) } },
		{ json: { eventData: issue({ id: 'Alert_invalid~', title: '' }) } },
		{ json: { eventData: issue({ id: 'Alert_rejected~' }) } },
		{ json: { eventData: issue({ id: 'Alert_ok3~' }) } },
	];
	const rejectOne = (request: RecordedRequest) =>
		bodyOf(request).eventData.id === 'Alert_rejected~'
			? { status: 422 }
			: { status: 200, body: { ok: true } };

	it('should give failed items an error and still send the others', async () => {
		sink.respondWith(rejectOne);
		const { output } = await run({ parameters: {}, items, continueOnFail: true });
		expect(output).toHaveLength(4);
		expect(output[0].json).toMatchObject({ statusCode: 200, attempts: 1 });
		expect(output[1].json).toEqual({
			error: 'Invalid eventData in item 1: eventData.title: must not be empty',
			statusCode: null,
			attempts: 0,
		});
		expect(output[2].json).toEqual({
			error: 'HTTP 422: the receiver could not process the message',
			statusCode: 422,
			attempts: 1,
		});
		expect(output[3].json).toMatchObject({ statusCode: 200, attempts: 1 });
		// n8n routes an item with `error` to the error output ("Continue (using error output)").
		expect(output.map((item) => item.error?.constructor.name)).toEqual([
			undefined,
			'NodeOperationError',
			'NodeApiError',
			undefined,
		]);
		expect(output[2].error?.message).toBe('HTTP 422: the receiver could not process the message');
		expect(output[1].error?.context.itemIndex).toBe(1);
		expect(output.map((item) => item.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
			{ item: 3 },
		]);
		expect(sink.requests.map((request) => bodyOf(request).eventData.id).sort()).toEqual(
			['Alert_ok0~', 'Alert_ok3~', 'Alert_rejected~'].sort(),
		);
	});

	it('should fail before sending anything when an item has invalid eventData', async () => {
		const error = await runExpectingError({ parameters: {}, items });
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe('Invalid eventData in item 1: eventData.title: must not be empty');
		expect(error.context.itemIndex).toBe(1);
		expect(sink.requests).toHaveLength(0);
	});

	it('should report several invalid fields with their paths', async () => {
		const error = await runExpectingError({
			parameters: {
				eventData: { id: 7, frameworks: 'SOX', affectedEntity: { additionalData: [] } },
			},
		});
		expect(error.message).toContain('eventData.id: expected a string, got number');
		expect(error.message).toContain('eventData.title: is required');
		expect(error.message).toContain(
			'eventData.frameworks: expected an array of strings, got string',
		);
		expect(error.message).toContain('eventData.affectedEntity.additionalData');
	});

	it('should stop at the first failure by item order without Continue On Fail', async () => {
		const ordered = [0, 1, 2, 3].map((n) => ({
			json: { eventData: issue({ id: `Alert_${n}~` }) },
		}));
		// Items 0-2 fill the three lanes; item 2 fails first, item 1 later: the error must be item 1's,
		// and item 3 is never started.
		sink.respondWith((request) => {
			const id = bodyOf(request).eventData.id;
			if (id === 'Alert_1~') return { status: 401, delayMs: 150 };
			if (id === 'Alert_2~') return { status: 403 };
			return { status: 200, delayMs: 100 };
		});
		const error = await runExpectingError({
			parameters: { options: { concurrency: 3 } },
			items: ordered,
		});
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.context.itemIndex).toBe(1);
		expect(error.message).toMatch(/^HTTP 401: the receiver rejected the API key/);
		expect(sink.requests.map((request) => bodyOf(request).eventData.id)).not.toContain('Alert_3~');
	});

	it('should fail every item with the configuration problem when the Webhook Address is missing', async () => {
		const context = createExecuteContext({
			nodeType: new IspmEventHook(),
			credentials: credentials(''),
			parameters: { eventData: issue() },
			items: [{ json: {} }, { json: {} }],
			continueOnFail: true,
		});
		const [output] = await new IspmEventHook().execute.call(context);
		expect(output.map((item) => item.json.error)).toEqual([
			expect.stringMatching(/^No Webhook Address/),
			expect.stringMatching(/^No Webhook Address/),
		]);
		const error = await runExpectingError({
			parameters: { eventData: issue() },
			credentials: credentials(''),
		});
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toMatch(/^No Webhook Address/);
	});

	it('should name a bad option', async () => {
		const error = await runExpectingError({
			parameters: { eventData: issue(), options: { maxAttempts: 0 } },
		});
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toMatch(/"Max Attempts" \(maxAttempts\)/);
		expect(sink.requests).toHaveLength(0);
	});
});

describe('IspmEventHook: Send Test Message', () => {
	it("should send ISPM's test message with a fresh id and timestamp per item", async () => {
		const { output } = await run({
			parameters: { operation: 'sendTestMessage' },
			items: [{ json: {} }, { json: {} }],
		});
		const [first, second] = sink.requests.map(bodyOf);
		expect(validateEnvelope(first).ok).toBe(true);
		expect(first.eventData).toEqual(TEST_MESSAGE_EVENT_DATA);
		expect(first).toMatchObject({ source: 'Okta ISPM', type: 'issue.created' });
		expect(second.id).not.toBe(first.id);
		expect(output.map((item) => item.json.id)).toEqual([first.id, second.id]);
		expect(sink.requests[0].headers['x-api-key']).toBe(KEY_VALUE);
	});
});

describe('IspmEventHook: secrets', () => {
	/** A receiver that echoes back everything it was sent, secrets included. */
	const echo = (status: number) => (request: RecordedRequest) => ({
		status,
		body: { headers: request.headers, query: request.query, note: `key was ${KEY_VALUE}` },
	});

	it.each(['headerAuth', 'queryAuth'])(
		'should keep secrets out of the output (%s)',
		async (authentication) => {
			sink.respondWith(echo(200));
			const { output } = await run({ parameters: { authentication, eventData: issue() } });
			expect(JSON.stringify(sink.requests[0])).toContain(KEY_VALUE);
			const text = serialize(output);
			expect(text).not.toContain(KEY_VALUE);
			expect(text).not.toContain(TENANT_VALUE);
		},
	);

	it.each(['headerAuth', 'queryAuth'])(
		'should keep secrets out of errors (%s)',
		async (authentication) => {
			sink.respondWith(echo(400));
			const error = await runExpectingError({ parameters: { authentication, eventData: issue() } });
			const text = errorText(error);
			expect(text).toContain('***');
			expect(text).not.toContain(KEY_VALUE);
			expect(text).not.toContain(TENANT_VALUE);

			const { output } = await run({
				parameters: { authentication, eventData: issue() },
				continueOnFail: true,
			});
			expect(serialize(output)).not.toContain(KEY_VALUE);
		},
	);

	it('should keep secrets out of errors when the secret is in the URL host path', async () => {
		const port = await unusedPort();
		const url = `http://127.0.0.1:${port}/hook/${KEY_VALUE}`;
		const error = await runExpectingError({
			parameters: { authentication: 'queryAuth', eventData: issue(), options: { maxAttempts: 1 } },
			credentials: credentials(url),
		});
		expect(errorText(error)).not.toContain(KEY_VALUE);
	});
});

describe('IspmEventHook: what the wire can carry (issue 11)', () => {
	const NON_ASCII_KEY = 'clé-ключ-7f3a9c';

	it.each([
		[
			'a non-ASCII Value',
			{ value: NON_ASCII_KEY },
			/^The ISPM credential's Value cannot be sent in an HTTP header: it contains a non-ASCII character/,
		],
		[
			'a Value with a trailing space',
			{ value: `${KEY_VALUE} ` },
			/^The ISPM credential's Value cannot be sent in an HTTP header: it starts or ends/,
		],
		[
			'a Key with a colon',
			{ key: 'X-API-Key:' },
			/^The ISPM credential's Key is not a valid HTTP header name: it contains ":"/,
		],
		[
			'an extra value a header cannot carry',
			{ additionalParameters: JSON.stringify({ 'X-Tenant': `ténant-${TENANT_VALUE}` }) },
			/^Additional Parameters: the value of "X-Tenant" cannot be sent in an HTTP header/,
		],
	])(
		'should fail with a configuration error and send nothing for %s (header credential)',
		async (_case, change, message) => {
			const all = credentials();
			const bad = { ...all, ispmHeaderAuthApi: { ...all.ispmHeaderAuthApi, ...change } };
			const error = await runExpectingError({
				parameters: { eventData: issue() },
				credentials: bad,
			});
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(error.message).toMatch(message);
			expect(error.context.itemIndex).toBe(0);
			const text = errorText(error);
			for (const secret of [KEY_VALUE, TENANT_VALUE, NON_ASCII_KEY])
				expect(text).not.toContain(secret);
			expect(sink.requests).toHaveLength(0);

			const { output } = await run({
				parameters: { eventData: issue() },
				credentials: bad,
				continueOnFail: true,
			});
			expect(output[0].json.error).toMatch(message);
			expect(sink.requests).toHaveLength(0);
		},
	);

	it('should send a non-ASCII key in full through a query credential, encoded', async () => {
		const all = credentials();
		const withKey = { ...all, ispmQueryAuthApi: { ...all.ispmQueryAuthApi, value: NON_ASCII_KEY } };
		await run({
			parameters: { authentication: 'queryAuth', eventData: issue() },
			credentials: withKey,
		});
		expect(sink.requests).toHaveLength(1);
		expect(new URL(sink.requests[0].url, sink.url).searchParams.getAll('clientToken')).toEqual([
			NON_ASCII_KEY,
		]);
	});

	it("should send the key once when the Webhook Address already carries it (Okta Workflows' invoke URL), keeping the rest", async () => {
		const OLD_TOKEN = 'dummy-old-token-3e8d';
		const all = credentials();
		const address = `${sink.url}/api/flo/f1/invoke?clientToken=${OLD_TOKEN}&keep=a%20b#fragment`;
		sink.respondWith((request) => ({ status: 200, body: { saw: request.url } }));
		const { output } = await run({
			parameters: { authentication: 'queryAuth', eventData: issue() },
			credentials: { ...all, ispmQueryAuthApi: { ...all.ispmQueryAuthApi, webhookUrl: address } },
		});
		expect(sink.requests).toHaveLength(1);
		const [request] = sink.requests;
		expect(request.path).toBe('/api/flo/f1/invoke');
		const query = new URL(request.url, sink.url).searchParams;
		expect(query.getAll('clientToken')).toEqual([KEY_VALUE]);
		expect(query.getAll('tenant')).toEqual([TENANT_VALUE]);
		expect(query.getAll('keep')).toEqual(['a b']);
		expect(request.url).toContain('keep=a%20b');
		expect(request.url).not.toContain(OLD_TOKEN);
		// The old token is a secret too: the receiver's echo of the address is redacted in the output.
		expect(serialize(output)).not.toContain(OLD_TOKEN);
	});

	it('should redact a token the Webhook Address carries under the key name from errors', async () => {
		const OLD_TOKEN = 'dummy-old-token-3e8d';
		const all = credentials();
		sink.respondWith(() => ({ status: 400, body: { error: `stale clientToken ${OLD_TOKEN}` } }));
		const error = await runExpectingError({
			parameters: { authentication: 'queryAuth', eventData: issue() },
			credentials: {
				...all,
				ispmQueryAuthApi: {
					...all.ispmQueryAuthApi,
					webhookUrl: `${sink.url}/hook?clientToken=${OLD_TOKEN}`,
				},
			},
		});
		expect(errorText(error)).toContain('stale clientToken ***');
		expect(errorText(error)).not.toContain(OLD_TOKEN);
	});
});
