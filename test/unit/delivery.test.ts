/* eslint-disable @n8n/community-nodes/no-restricted-globals -- test code runs in Jest, not inside n8n: it waits on timers */
import {
	BACKOFF_BASE_MS,
	BACKOFF_MAX_MS,
	backoffMs,
	DEFAULT_DELIVERY_OPTIONS,
	deliverEnvelope,
	isRetryableStatus,
	mapWithConcurrency,
	MAX_RETRY_AFTER_MS,
	parseResponseBody,
	parseRetryAfterMs,
	validateDeliveryOptions,
	type DeliveryDeps,
	type DeliveryFailure,
	type DeliveryOutcome,
} from '../../lib/delivery';
import { buildTestMessage, type IspmEnvelope } from '../../lib/envelope';
import type { HttpSend } from '../../lib/transport';
import { plainHttpSend } from '../helpers/nodeHttpClient';
import { startSink, unusedPort, type Sink } from '../helpers/sink';

/** A stand-in API key; "dummy" marks it as not real. */
const SECRET = 'dummy-live-0123456789abcdef';

/** A `sleep` that records what it was asked to wait and returns at once. */
function recordingSleep() {
	const waits: number[] = [];
	return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

function deps(send: HttpSend, extra: Partial<DeliveryDeps> = {}) {
	const clock = recordingSleep();
	return {
		clock,
		deps: { send, sleep: clock.sleep, secrets: [SECRET], random: () => 0.5, ...extra },
	};
}

function failure(outcome: DeliveryOutcome): DeliveryFailure['error'] {
	if (outcome.ok) throw new Error(`expected a failure, got HTTP ${outcome.statusCode}`);
	return outcome.error;
}

let sink: Sink;
let envelope: IspmEnvelope;

beforeEach(async () => {
	sink = await startSink();
	envelope = buildTestMessage();
});

afterEach(async () => {
	await sink.close();
});

describe('validateDeliveryOptions', () => {
	it('should fill the defaults when options are absent or empty', () => {
		expect(validateDeliveryOptions({})).toEqual(DEFAULT_DELIVERY_OPTIONS);
		expect(validateDeliveryOptions({ timeoutMs: '', maxAttempts: null })).toEqual(
			DEFAULT_DELIVERY_OPTIONS,
		);
	});

	it('should accept whole numbers given as text (expressions)', () => {
		expect(
			validateDeliveryOptions({ timeoutMs: '2500', maxAttempts: 1, concurrency: '2' }),
		).toEqual({
			timeoutMs: 2500,
			maxAttempts: 1,
			concurrency: 2,
		});
	});

	it.each([
		['timeoutMs', 0, /"Timeout \(Milliseconds\)" \(timeoutMs\).*from 1 to 300000, got 0/],
		['timeoutMs', 1.5, /timeoutMs/],
		['maxAttempts', 0, /"Max Attempts" \(maxAttempts\).*from 1 to 10, got 0/],
		['maxAttempts', 11, /maxAttempts.*got 11/],
		['concurrency', -1, /"Concurrency" \(concurrency\)/],
		['concurrency', 'many', /concurrency.*got "many"/],
	])('should reject %s = %p with an error naming the option', (option, value, message) => {
		expect(() => validateDeliveryOptions({ [option]: value })).toThrow(message);
	});
});

describe('isRetryableStatus', () => {
	it.each([
		[429, true],
		[500, true],
		[503, true],
		[599, true],
		[400, false],
		[401, false],
		[404, false],
		[408, false],
		[301, false],
		[302, false],
		[200, false],
	])('should treat %i as retryable: %p', (status, retryable) => {
		expect(isRetryableStatus(status)).toBe(retryable);
	});
});

describe('parseRetryAfterMs', () => {
	const now = Date.parse('2024-06-18T12:00:00Z');

	it('should read delay-seconds', () => {
		expect(parseRetryAfterMs('2', now)).toBe(2000);
		expect(parseRetryAfterMs(' 0 ', now)).toBe(0);
	});

	it('should read an HTTP date relative to now', () => {
		expect(parseRetryAfterMs('Tue, 18 Jun 2024 12:00:03 GMT', now)).toBe(3000);
	});

	it('should treat a date in the past as now', () => {
		expect(parseRetryAfterMs('Tue, 18 Jun 2024 11:00:00 GMT', now)).toBe(0);
	});

	it('should cap a hostile value at MAX_RETRY_AFTER_MS', () => {
		expect(parseRetryAfterMs('86400', now)).toBe(MAX_RETRY_AFTER_MS);
		expect(parseRetryAfterMs('Fri, 31 Dec 2100 23:59:59 GMT', now)).toBe(MAX_RETRY_AFTER_MS);
	});

	it('should ignore an absent or unreadable value', () => {
		expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
		expect(parseRetryAfterMs('soon', now)).toBeUndefined();
		expect(parseRetryAfterMs('-5', now)).toBeUndefined();
	});
});

describe('backoffMs', () => {
	it('should stay inside a window that doubles per attempt (full jitter)', () => {
		expect(backoffMs(1, () => 0.999)).toBeLessThan(BACKOFF_BASE_MS);
		expect(backoffMs(2, () => 0.999)).toBeGreaterThanOrEqual(BACKOFF_BASE_MS);
		expect(backoffMs(2, () => 0.999)).toBeLessThan(2 * BACKOFF_BASE_MS);
		expect(backoffMs(1, () => 0)).toBe(0);
	});

	it('should never exceed BACKOFF_MAX_MS', () => {
		expect(backoffMs(30, () => 0.999)).toBeLessThan(BACKOFF_MAX_MS);
	});
});

describe('parseResponseBody', () => {
	it.each([
		['{"ok":true}', { ok: true }],
		['[1,2]', [1, 2]],
		['accepted', 'accepted'],
		['{not json', '{not json'],
		['', null],
		[undefined, null],
		[{ already: 'parsed' }, { already: 'parsed' }],
	])('should turn %p into %p', (body, expected) => {
		expect(parseResponseBody(body)).toEqual(expected);
	});
});

describe('deliverEnvelope', () => {
	const options = { timeoutMs: 2000, maxAttempts: 3 };

	it('should succeed on the first 2xx and return the parsed response', async () => {
		sink.respondWith(() => ({ status: 202, body: { queued: true } }));
		const { deps: d, clock } = deps(plainHttpSend());
		const outcome = await deliverEnvelope(sink.url, envelope, options, d);
		expect(outcome).toEqual({ ok: true, statusCode: 202, attempts: 1, response: { queued: true } });
		expect(sink.requests).toHaveLength(1);
		expect(sink.requests[0].body).toEqual(envelope);
		expect(clock.waits).toEqual([]);
	});

	it('should retry a 503 and send the same envelope id on every attempt', async () => {
		sink.respondWith((_, index) =>
			index === 0 ? { status: 503 } : { status: 200, body: { ok: true } },
		);
		const { deps: d, clock } = deps(plainHttpSend());
		const outcome = await deliverEnvelope(sink.url, envelope, options, d);
		expect(outcome).toMatchObject({ ok: true, statusCode: 200, attempts: 2 });
		expect(sink.requests.map((request) => (request.body as IspmEnvelope).id)).toEqual([
			envelope.id,
			envelope.id,
		]);
		expect(clock.waits).toEqual([backoffMs(1, () => 0.5)]);
	});

	it('should wait what Retry-After (seconds) says after a 429', async () => {
		sink.respondWith((_, index) =>
			index === 0 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 },
		);
		const { deps: d, clock } = deps(plainHttpSend());
		const outcome = await deliverEnvelope(sink.url, envelope, options, d);
		expect(outcome).toMatchObject({ ok: true, attempts: 2, response: null });
		expect(clock.waits).toEqual([2000]);
	});

	it('should wait until a Retry-After HTTP date', async () => {
		const now = Date.parse('2024-06-18T12:00:00Z');
		sink.respondWith((_, index) =>
			index === 0
				? { status: 503, headers: { 'retry-after': 'Tue, 18 Jun 2024 12:00:05 GMT' } }
				: { status: 200 },
		);
		const { deps: d, clock } = deps(plainHttpSend(), { now: () => now });
		await deliverEnvelope(sink.url, envelope, options, d);
		expect(clock.waits).toEqual([5000]);
	});

	it('should cap a hostile Retry-After at MAX_RETRY_AFTER_MS', async () => {
		sink.respondWith((_, index) =>
			index === 0 ? { status: 429, headers: { 'retry-after': '999999' } } : { status: 200 },
		);
		const { deps: d, clock } = deps(plainHttpSend());
		await deliverEnvelope(sink.url, envelope, options, d);
		expect(clock.waits).toEqual([MAX_RETRY_AFTER_MS]);
	});

	it('should give up after maxAttempts with the last status', async () => {
		sink.respondWith(() => ({ status: 500, body: { error: 'db down' } }));
		const { deps: d, clock } = deps(plainHttpSend());
		const error = failure(await deliverEnvelope(sink.url, envelope, options, d));
		expect(sink.requests).toHaveLength(3);
		expect(clock.waits).toHaveLength(2);
		expect(error).toMatchObject({ reason: 'status', statusCode: 500, attempts: 3 });
		expect(error.message).toBe(
			'HTTP 500: the receiver failed to process the message (after 3 attempts)',
		);
		expect(error.description).toBe('The receiver answered: {"error":"db down"}');
	});

	it.each([400, 401, 404, 408, 422])('should not retry a %i', async (status) => {
		sink.respondWith(() => ({ status }));
		const { deps: d, clock } = deps(plainHttpSend());
		const error = failure(await deliverEnvelope(sink.url, envelope, options, d));
		expect(sink.requests).toHaveLength(1);
		expect(clock.waits).toEqual([]);
		expect(error).toMatchObject({ reason: 'status', statusCode: status, attempts: 1 });
	});

	it('should not follow a redirect and report it as a failure', async () => {
		const elsewhere = await startSink();
		try {
			sink.respondWith(() => ({ status: 307, headers: { location: `${elsewhere.url}/stolen` } }));
			const { deps: d } = deps(plainHttpSend({ headers: { 'x-api-key': SECRET } }));
			const error = failure(await deliverEnvelope(sink.url, envelope, options, d));
			expect(error).toMatchObject({ reason: 'status', statusCode: 307, attempts: 1 });
			expect(error.message).toMatch(/HTTP 307: .*redirects are not followed/);
			expect(elsewhere.requests).toHaveLength(0);
		} finally {
			await elsewhere.close();
		}
	});

	it('should retry a timeout and report it when every attempt times out', async () => {
		sink.respondWith(() => ({ status: 200, delayMs: 400 }));
		const { deps: d, clock } = deps(plainHttpSend());
		const error = failure(
			await deliverEnvelope(sink.url, envelope, { timeoutMs: 100, maxAttempts: 2 }, d),
		);
		expect(sink.requests).toHaveLength(2);
		expect(clock.waits).toHaveLength(1);
		expect(error).toMatchObject({ reason: 'noResponse', statusCode: null, attempts: 2 });
		expect(error.message).toMatch(
			/No answer from 127\.0\.0\.1:\d+ before the timeout \(after 2 attempts\)/,
		);
	});

	it('should retry a refused connection', async () => {
		const url = `http://127.0.0.1:${await unusedPort()}/hook`;
		const { deps: d, clock } = deps(plainHttpSend());
		const error = failure(await deliverEnvelope(url, envelope, options, d));
		expect(clock.waits).toHaveLength(2);
		expect(error).toMatchObject({ reason: 'noResponse', attempts: 3 });
		expect(error.message).toMatch(/connection refused/);
	});

	it('should make exactly one attempt when maxAttempts is 1', async () => {
		sink.respondWith(() => ({ status: 503 }));
		const { deps: d } = deps(plainHttpSend());
		const error = failure(
			await deliverEnvelope(sink.url, envelope, { timeoutMs: 1000, maxAttempts: 1 }, d),
		);
		expect(sink.requests).toHaveLength(1);
		expect(error.message).toBe('HTTP 503: the receiver failed to process the message');
	});

	it('should not retry an error that is not about the network', async () => {
		let calls = 0;
		const send: HttpSend = async () => {
			calls += 1;
			throw new Error(`outbound policy blocks ${SECRET}`);
		};
		const { deps: d, clock } = deps(send);
		const error = failure(await deliverEnvelope(sink.url, envelope, options, d));
		expect(calls).toBe(1);
		expect(clock.waits).toEqual([]);
		expect(error).toMatchObject({
			reason: 'other',
			attempts: 1,
			message: 'outbound policy blocks ***',
		});
	});

	it('should keep secrets out of the response and the error even when the receiver echoes them', async () => {
		sink.respondWith((request, index) => ({
			status: index === 0 ? 200 : 400,
			body: { sawHeaders: request.headers, sawQuery: request.query },
		}));
		const { deps: d } = deps(
			plainHttpSend({ headers: { 'x-api-key': SECRET }, qs: { token: SECRET } }),
		);
		const ok = await deliverEnvelope(sink.url, envelope, options, d);
		const bad = failure(await deliverEnvelope(sink.url, envelope, options, d));
		expect(JSON.stringify(sink.requests[0].headers)).toContain(SECRET);
		const serialized = JSON.stringify(ok) + bad.message + (bad.description ?? '');
		expect(serialized).not.toContain(SECRET);
		expect(serialized).toContain('***');
	});
});

describe('mapWithConcurrency', () => {
	it('should keep at most `concurrency` requests in flight and results in input order', async () => {
		sink.respondWith((request) => ({
			status: 200,
			body: request.body,
			delayMs: 20 + ((request.body as { n: number }).n % 3) * 30,
		}));
		const send = plainHttpSend();
		const inputs = Array.from({ length: 10 }, (_, n) => n);
		const results = await mapWithConcurrency(inputs, 3, async (n) => {
			const response = await send({ url: sink.url, body: { n }, timeoutMs: 2000 });
			return (response.body as { n: number }).n;
		});
		expect(results).toEqual(inputs);
		expect(sink.maxInFlight).toBe(3);
	});

	it('should start no further input once stopWhen is true, and let running ones finish', async () => {
		const started: number[] = [];
		const results = await mapWithConcurrency(
			[0, 1, 2, 3, 4, 5],
			2,
			async (n) => {
				started.push(n);
				return n;
			},
			(n) => n === 1,
		);
		expect(started).toEqual([0, 1, 2]);
		expect(results).toEqual([0, 1, 2, undefined, undefined, undefined]);
	});

	it('should run everything one at a time when concurrency is 1', async () => {
		let running = 0;
		let most = 0;
		await mapWithConcurrency([1, 2, 3], 1, async () => {
			running += 1;
			most = Math.max(most, running);
			await new Promise((resolve) => setTimeout(resolve, 5));
			running -= 1;
		});
		expect(most).toBe(1);
	});
});
