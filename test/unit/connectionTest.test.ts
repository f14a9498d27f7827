/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code runs in Jest, not inside n8n */
import { isDeepStrictEqual } from 'node:util';
import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	IHttpRequestOptions,
} from 'n8n-workflow';

import { validateEnvelope, TEST_MESSAGE_EVENT_DATA, type IspmEnvelope } from '../../lib/envelope';
import { NO_URL_MESSAGE } from '../../lib/connectionTest';
import { IspmEventHook } from '../../nodes/IspmEventHook/IspmEventHook.node';
import { CREDENTIAL_CLASSES, createCredentialTestContext } from '../helpers/n8nContexts';
import { sendPlain } from '../helpers/nodeHttpClient';
import { startSink, unusedPort, type RecordedRequest, type Sink } from '../helpers/sink';

/** Stand-ins for the API key and an extra parameter value; "dummy" marks them as not real. */
const KEY_VALUE = 'dummy-conn-key-9d2e';
const EXTRA_VALUE = 'dummy-extra-41aa';

const CASES = [
	{ type: 'ispmHeaderAuthApi', location: 'header', key: 'X-API-Key', extra: 'X-Tenant' },
	{ type: 'ispmQueryAuthApi', location: 'query', key: 'clientToken', extra: 'tenant' },
] as const;

let sink: Sink;

beforeEach(async () => {
	sink = await startSink();
});

afterEach(async () => {
	await sink.close();
});

function credentialData(
	testCase: (typeof CASES)[number],
	webhookUrl: string,
): ICredentialDataDecryptedObject {
	return {
		webhookUrl,
		key: testCase.key,
		value: KEY_VALUE,
		additionalParameters: JSON.stringify({ [testCase.extra]: EXTRA_VALUE }),
	};
}

/** Where a request carried a name/value pair: only in the header, or only in the query. */
function placement(request: RecordedRequest, name: string, value: string) {
	return {
		header: request.headers[name.toLowerCase()] === value,
		query: request.query[name] === value,
		elsewhere:
			request.rawBody.includes(value) ||
			request.path.includes(value) ||
			Object.entries(request.headers).some(
				([header, sent]) => header !== name.toLowerCase() && String(sent).includes(value),
			) ||
			Object.entries(request.query).some(([param, sent]) => param !== name && sent.includes(value)),
	};
}

describe.each(CASES)('$type authenticate', (testCase) => {
	it(`should place the key and extra parameters in the ${testCase.location} only`, async () => {
		const authenticate = CREDENTIAL_CLASSES[testCase.type].authenticate;
		if (typeof authenticate !== 'function') throw new Error('authenticate must be a function');
		const options = await authenticate(credentialData(testCase, sink.url), {
			url: `${sink.url}/hook`,
			method: 'POST',
			body: { hello: 'world' },
		} as IHttpRequestOptions);
		await sendPlain({
			method: 'POST',
			url: options.url,
			qs: options.qs,
			headers: options.headers,
			body: options.body,
			maxRedirects: 0,
		});
		const [request] = sink.requests;
		const inHeader = testCase.location === 'header';
		expect(placement(request, testCase.key, KEY_VALUE)).toEqual({
			header: inHeader,
			query: !inHeader,
			elsewhere: false,
		});
		expect(placement(request, testCase.extra, EXTRA_VALUE)).toEqual({
			header: inHeader,
			query: !inHeader,
			elsewhere: false,
		});
		expect(request.body).toEqual({ hello: 'world' });
	});

	it('should refuse a credential without a key value rather than send without one', async () => {
		const authenticate = CREDENTIAL_CLASSES[testCase.type].authenticate;
		if (typeof authenticate !== 'function') throw new Error('authenticate must be a function');
		await expect(
			authenticate({ ...credentialData(testCase, sink.url), value: '' }, {
				url: sink.url,
			} as IHttpRequestOptions),
		).rejects.toThrow(/no Value/);
	});
});

describe.each(CASES)('Test connection ($type)', (testCase) => {
	const test = new IspmEventHook().methods.credentialTest.ispmApiKeyTest;

	async function testWith(webhookUrl: string, overrides: ICredentialDataDecryptedObject = {}) {
		const context = createCredentialTestContext();
		const credential: ICredentialsDecrypted = {
			id: 'cred-1',
			name: 'ISPM',
			type: testCase.type,
			data: { ...credentialData(testCase, webhookUrl), ...overrides },
		};
		const result = await test.call(context, credential);
		expect(result.message).not.toContain(KEY_VALUE);
		expect(result.message).not.toContain(EXTRA_VALUE);
		return { result, context };
	}

	it('should report OK when the receiver checks the key and accepts the test message', async () => {
		sink.respondWith((request) => {
			const keyOk = placement(request, testCase.key, KEY_VALUE);
			const extraOk = placement(request, testCase.extra, EXTRA_VALUE);
			const envelope = request.body as IspmEnvelope;
			const accepted =
				(testCase.location === 'header'
					? keyOk.header && extraOk.header
					: keyOk.query && extraOk.query) &&
				validateEnvelope(envelope).ok &&
				isDeepStrictEqual(envelope.eventData, TEST_MESSAGE_EVENT_DATA);
			return accepted ? { status: 200, body: { ok: true } } : { status: 401 };
		});
		const { result } = await testWith(`${sink.url}/hook`);
		expect(result).toEqual({
			status: 'OK',
			message: "The receiver accepted ISPM's test message (HTTP 200)",
		});
		expect(sink.requests).toHaveLength(1);
		expect(sink.requests[0].method).toBe('POST');
	});

	it('should report a 401 as a rejected key', async () => {
		sink.respondWith(() => ({ status: 401, body: { error: `bad key ${KEY_VALUE}` } }));
		const { result } = await testWith(`${sink.url}/hook`);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^HTTP 401: the receiver rejected the API key/);
	});

	it('should report an unreachable port as a refused connection', async () => {
		const port = await unusedPort();
		const { result } = await testWith(`http://127.0.0.1:${port}/hook`);
		expect(result).toEqual({
			status: 'Error',
			message: `Could not connect to 127.0.0.1:${port}: connection refused (is the receiver running and is the port right?)`,
		});
	});

	it('should pass a trigger-only credential (no Webhook Address) without sending anything, saying so', async () => {
		const { result, context } = await testWith('');
		expect(result).toEqual({ status: 'OK', message: NO_URL_MESSAGE });
		expect(result.message).toMatch(
			/^No Webhook Address \(URL\) is set, so no test message was sent/,
		);
		expect(context.requested).toHaveLength(0);
	});

	it('should still fail a credential without a Webhook Address when its key is missing', async () => {
		const { result } = await testWith('', { value: '' });
		expect(result).toEqual({
			status: 'Error',
			message: 'The ISPM credential has no Value (the API key)',
		});
	});

	it('should report a missing key name as a configuration error', async () => {
		const { result } = await testWith(`${sink.url}/hook`, { key: '' });
		expect(result).toEqual({
			status: 'Error',
			message: 'The ISPM credential has no Key (the header or parameter name)',
		});
		expect(sink.requests).toHaveLength(0);
	});

	it('should not follow a redirect with the key', async () => {
		const elsewhere = await startSink();
		try {
			sink.respondWith(() => ({ status: 308, headers: { location: `${elsewhere.url}/collect` } }));
			const { result } = await testWith(`${sink.url}/hook`);
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(/^HTTP 308: .*redirects are not followed/);
			expect(elsewhere.requests).toHaveLength(0);
		} finally {
			await elsewhere.close();
		}
	});

	it('should report a receiver that drops the connection', async () => {
		sink.respondWith(() => ({ status: 200, destroy: true }));
		const { result } = await testWith(`${sink.url}/hook`);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/closed the connection before answering/);
	});
});

describe('Test connection: what the wire can carry (issue 11)', () => {
	const test = new IspmEventHook().methods.credentialTest.ispmApiKeyTest;
	const NON_ASCII_KEY = 'clé-ключ-7f3a9c';

	async function testCredential(type: string, data: ICredentialDataDecryptedObject) {
		const context = createCredentialTestContext();
		const result = await test.call(context, { id: 'cred-1', name: 'ISPM', type, data });
		return { result, context };
	}

	it.each([
		['with', () => `${sink.url}/hook`],
		['without', () => ''],
	])(
		'should report a header Value a header cannot carry, %s a Webhook Address, and send nothing',
		async (_case, url) => {
			const { result, context } = await testCredential('ispmHeaderAuthApi', {
				webhookUrl: url(),
				key: 'X-API-Key',
				value: NON_ASCII_KEY,
			});
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(
				/^The ISPM credential's Value cannot be sent in an HTTP header: it contains a non-ASCII character/,
			);
			expect(result.message).not.toContain(NON_ASCII_KEY);
			expect(context.requested).toHaveLength(0);
			expect(sink.requests).toHaveLength(0);
		},
	);

	it('should name an Additional Parameters entry a header cannot carry', async () => {
		const { result } = await testCredential('ispmHeaderAuthApi', {
			webhookUrl: `${sink.url}/hook`,
			key: 'X-API-Key',
			value: KEY_VALUE,
			additionalParameters: JSON.stringify({ 'X Tenant': EXTRA_VALUE }),
		});
		expect(result).toEqual({
			status: 'Error',
			message: expect.stringMatching(
				/^Additional Parameters: the name "X Tenant" is not a valid HTTP header name: it contains a space/,
			),
		});
		expect(sink.requests).toHaveLength(0);
	});

	it('should accept the same non-ASCII key in a query credential and send it in full', async () => {
		const { result } = await testCredential('ispmQueryAuthApi', {
			webhookUrl: `${sink.url}/hook`,
			key: 'clientToken',
			value: NON_ASCII_KEY,
		});
		expect(result.status).toBe('OK');
		expect(new URL(sink.requests[0].url, sink.url).searchParams.getAll('clientToken')).toEqual([
			NON_ASCII_KEY,
		]);
	});

	it("should send the key once to an address that already carries it (Okta Workflows' invoke URL)", async () => {
		const OLD_TOKEN = 'dummy-old-token-3e8d';
		sink.respondWith((request) => {
			// A receiver that, like the ISPM Issue Trigger, treats a repeated name as ambiguous.
			const tokens = new URL(request.url, sink.url).searchParams.getAll('clientToken');
			return tokens.length === 1 && tokens[0] === KEY_VALUE
				? { status: 200, body: { ok: true } }
				: { status: 401, body: { error: `got ${tokens.join(',')}` } };
		});
		const { result } = await testCredential('ispmQueryAuthApi', {
			webhookUrl: `${sink.url}/api/flo/f1/invoke?clientToken=${OLD_TOKEN}&keep=1`,
			key: 'clientToken',
			value: KEY_VALUE,
		});
		expect(result).toEqual({
			status: 'OK',
			message: "The receiver accepted ISPM's test message (HTTP 200)",
		});
		expect(sink.requests).toHaveLength(1);
		expect(sink.requests[0].path).toBe('/api/flo/f1/invoke');
		expect(new URL(sink.requests[0].url, sink.url).searchParams.getAll('keep')).toEqual(['1']);
		expect(sink.requests[0].url).not.toContain(OLD_TOKEN);
	});
});
