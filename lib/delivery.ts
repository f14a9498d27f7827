/**
 * Delivering ISPM messages like a serious webhook sender: bounded retries with backoff, `Retry-After`
 * honoured within a cap, a bounded number of requests in flight, and secrets kept out of every result.
 *
 * Pure functions over an `HttpSend` and a `sleep`: the ISPM Event Hook node passes n8n's request helper
 * and n8n's `sleep`; tests pass a transport to a local server and a recording clock.
 */
import { redactDeep, redactSecrets } from './redact';
import type { IspmEnvelope } from './envelope';
import { describeStatus, NoResponseError, type HttpResponse, type HttpSend } from './transport';

/** First backoff window; doubles per failed attempt ("full jitter": the wait is random in the window). */
export const BACKOFF_BASE_MS = 500;
/** Largest backoff window, whatever the attempt number. */
export const BACKOFF_MAX_MS = 30_000;
/**
 * Longest wait a receiver's `Retry-After` can impose. A larger value (or an HTTP date far ahead) is cut to
 * this, so a hostile or misconfigured receiver cannot hold a workflow execution for hours.
 */
export const MAX_RETRY_AFTER_MS = 60_000;
/** How much of a failed response's body an error description quotes. */
export const ERROR_BODY_EXCERPT_CHARS = 500;

export interface DeliveryOptions {
	/** Per attempt: how long to wait for the receiver's answer. */
	timeoutMs: number;
	/** Attempts per message including the first; 1 means never retry. */
	maxAttempts: number;
	/** Messages in flight at once across the items of one execution. */
	concurrency: number;
}

export const DEFAULT_DELIVERY_OPTIONS: Readonly<DeliveryOptions> = Object.freeze({
	timeoutMs: 10_000,
	maxAttempts: 3,
	concurrency: 5,
});

/** Inclusive bounds, and the label the node's UI shows, so an error names the option the user sees. */
export const DELIVERY_OPTION_LIMITS: Readonly<
	Record<keyof DeliveryOptions, { min: number; max: number; label: string }>
> = Object.freeze({
	timeoutMs: { min: 1, max: 300_000, label: 'Timeout (Milliseconds)' },
	maxAttempts: { min: 1, max: 10, label: 'Max Attempts' },
	concurrency: { min: 1, max: 50, label: 'Concurrency' },
});

/** An option outside its bounds; `option` is the code name (`timeoutMs`), the message names the label. */
export class DeliveryOptionError extends Error {
	constructor(
		readonly option: keyof DeliveryOptions,
		message: string,
	) {
		super(message);
		this.name = 'DeliveryOptionError';
	}
}

/** Fills defaults for absent (undefined, null, '') values; throws `DeliveryOptionError` for bad ones. */
export function validateDeliveryOptions(
	input: Partial<Record<keyof DeliveryOptions, unknown>>,
): DeliveryOptions {
	const out = { ...DEFAULT_DELIVERY_OPTIONS };
	for (const option of Object.keys(DELIVERY_OPTION_LIMITS) as Array<keyof DeliveryOptions>) {
		const raw = input[option];
		if (raw === undefined || raw === null || raw === '') continue;
		const { min, max, label } = DELIVERY_OPTION_LIMITS[option];
		const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
		if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
			const got =
				typeof raw === 'number' || typeof raw === 'string' ? JSON.stringify(raw) : typeof raw;
			throw new DeliveryOptionError(
				option,
				`Option "${label}" (${option}) must be a whole number from ${min} to ${max}, got ${got}`,
			);
		}
		out[option] = value;
	}
	return out;
}

/** 429 and 5xx may succeed later; any other status will not (3xx included: redirects are not followed). */
export function isRetryableStatus(statusCode: number): boolean {
	return statusCode === 429 || (statusCode >= 500 && statusCode <= 599);
}

function headerValue(headers: HttpResponse['headers'], name: string): string | undefined {
	const value = headers[name];
	return Array.isArray(value) ? value[0] : value;
}

/**
 * `Retry-After` as milliseconds from now: delay-seconds or an HTTP date (RFC 9110 §10.2.3), capped at
 * `MAX_RETRY_AFTER_MS`; a date in the past means "now". `undefined` when absent or unreadable.
 */
export function parseRetryAfterMs(value: string | undefined, nowMs: number): number | undefined {
	const text = (value ?? '').trim();
	if (!text) return undefined;
	let ms: number;
	if (/^\d+$/.test(text)) {
		ms = Number(text) * 1000;
	} else {
		// An HTTP date names its month and zone ("Tue, 18 Jun 2024 12:00:03 GMT"); a bare "-5" is no date.
		const at = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
		if (Number.isNaN(at)) return undefined;
		ms = at - nowMs;
	}
	return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/** Full jitter: uniformly random in [0, min(max, base·2^(attempt−1))) after the `attempt`-th failure. */
export function backoffMs(attempt: number, random: () => number): number {
	const window = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
	return Math.floor(random() * window);
}

/** The receiver's body as data: JSON text parsed, empty as `null`, anything else kept as it is. */
export function parseResponseBody(body: unknown): unknown {
	if (body === undefined || body === '') return null;
	if (body instanceof Uint8Array) return parseResponseBody(Buffer.from(body).toString('utf8'));
	if (typeof body !== 'string') return body;
	const trimmed = body.trim();
	if (!/^[[{"]|^(true|false|null|-?\d)/.test(trimmed)) return body;
	try {
		return JSON.parse(trimmed) as unknown;
	} catch {
		return body;
	}
}

export type DeliveryFailureReason =
	/** The receiver answered with a status that is not 2xx. */
	| 'status'
	/** No HTTP response arrived (refused, reset, timeout, DNS). */
	| 'noResponse'
	/** Anything else the transport threw (a credential or policy problem): never retried. */
	| 'other';

/** Why a message was not accepted. The message and description never contain a secret. */
export class DeliveryError extends Error {
	constructor(
		message: string,
		readonly reason: DeliveryFailureReason,
		readonly attempts: number,
		/** The last status the receiver answered with; `null` when none arrived. */
		readonly statusCode: number | null,
		/** What the receiver said, quoted (redacted, shortened) for the user. */
		readonly description?: string,
	) {
		super(message);
		this.name = 'DeliveryError';
	}
}

export interface DeliverySuccess {
	ok: true;
	statusCode: number;
	attempts: number;
	/** The receiver's body, parsed when it is JSON, redacted. */
	response: unknown;
}

export interface DeliveryFailure {
	ok: false;
	error: DeliveryError;
}

export type DeliveryOutcome = DeliverySuccess | DeliveryFailure;

export interface DeliveryDeps {
	send: HttpSend;
	sleep: (ms: number) => Promise<void>;
	/** Values to hide in every result and message: the API key and extra parameter values. */
	secrets: string[];
	/** In [0, 1); default `Math.random`. */
	random?: () => number;
	/** Epoch ms, for `Retry-After` dates; default `Date.now`. */
	now?: () => number;
}

function attemptsSuffix(attempts: number): string {
	return attempts > 1 ? ` (after ${attempts} attempts)` : '';
}

function excerpt(body: unknown, secrets: string[]): string | undefined {
	const parsed = parseResponseBody(body);
	if (parsed === null) return undefined;
	const text = typeof parsed === 'string' ? parsed : JSON.stringify(parsed);
	const short =
		text.length > ERROR_BODY_EXCERPT_CHARS ? `${text.slice(0, ERROR_BODY_EXCERPT_CHARS)}…` : text;
	return `The receiver answered: ${redactSecrets(short, secrets)}`;
}

function statusFailure(
	response: HttpResponse,
	attempts: number,
	secrets: string[],
): DeliveryFailure {
	const message = `HTTP ${response.statusCode}: ${describeStatus(response.statusCode)}${attemptsSuffix(attempts)}`;
	return {
		ok: false,
		error: new DeliveryError(
			redactSecrets(message, secrets),
			'status',
			attempts,
			response.statusCode,
			excerpt(response.body, secrets),
		),
	};
}

function thrownFailure(
	error: unknown,
	attempts: number,
	lastStatus: number | null,
	secrets: string[],
): DeliveryFailure {
	const noResponse = error instanceof NoResponseError;
	const text = error instanceof Error ? error.message : String(error);
	return {
		ok: false,
		error: new DeliveryError(
			redactSecrets(`${text}${attemptsSuffix(attempts)}`, secrets),
			noResponse ? 'noResponse' : 'other',
			attempts,
			lastStatus,
		),
	};
}

/**
 * Posts one envelope, retrying network errors, timeouts, 429 and 5xx up to `maxAttempts`. Every attempt
 * sends the very same envelope (same `id`), so a receiver that dedupes on it sees one message. Never
 * throws for delivery problems: the outcome says what happened.
 */
export async function deliverEnvelope(
	url: string,
	envelope: IspmEnvelope,
	options: Pick<DeliveryOptions, 'timeoutMs' | 'maxAttempts'>,
	deps: DeliveryDeps,
): Promise<DeliveryOutcome> {
	const random = deps.random ?? Math.random;
	const now = deps.now ?? Date.now;
	let lastStatus: number | null = null;
	for (let attempt = 1; ; attempt++) {
		let response: HttpResponse;
		try {
			response = await deps.send({ url, body: envelope, timeoutMs: options.timeoutMs });
		} catch (error) {
			const retryable = error instanceof NoResponseError;
			if (!retryable || attempt >= options.maxAttempts) {
				return thrownFailure(error, attempt, lastStatus, deps.secrets);
			}
			await deps.sleep(backoffMs(attempt, random));
			continue;
		}
		lastStatus = response.statusCode;
		if (response.statusCode >= 200 && response.statusCode < 300) {
			return {
				ok: true,
				statusCode: response.statusCode,
				attempts: attempt,
				response: redactDeep(parseResponseBody(response.body), deps.secrets),
			};
		}
		if (!isRetryableStatus(response.statusCode) || attempt >= options.maxAttempts) {
			return statusFailure(response, attempt, deps.secrets);
		}
		const retryAfter = parseRetryAfterMs(headerValue(response.headers, 'retry-after'), now());
		await deps.sleep(retryAfter ?? backoffMs(attempt, random));
	}
}

/**
 * Runs `worker` over `inputs` with at most `concurrency` running at once, starting them in input order.
 * Results keep input order. Once `stopWhen` returns true for a result, no further input is started (those
 * already running finish); unstarted inputs have `undefined` results.
 */
export async function mapWithConcurrency<T, R>(
	inputs: readonly T[],
	concurrency: number,
	worker: (input: T, index: number) => Promise<R>,
	stopWhen: (result: R) => boolean = () => false,
): Promise<Array<R | undefined>> {
	const results: Array<R | undefined> = new Array<R | undefined>(inputs.length).fill(undefined);
	let next = 0;
	let stopped = false;
	let thrown: { error: unknown } | undefined;
	const lane = async () => {
		while (!stopped && next < inputs.length) {
			const index = next++;
			try {
				const result = await worker(inputs[index], index);
				results[index] = result;
				if (stopWhen(result)) stopped = true;
			} catch (error) {
				stopped = true;
				thrown ??= { error };
			}
		}
	};
	const lanes = Math.max(1, Math.min(concurrency, inputs.length));
	await Promise.all(Array.from({ length: lanes }, lane));
	if (thrown) throw thrown.error;
	return results;
}
