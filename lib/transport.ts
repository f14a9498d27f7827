/**
 * One HTTP attempt, as the delivery and connection-test logic see it. The nodes pass in an implementation
 * backed by n8n's request helpers (so n8n's proxy and outbound rules apply); tests pass one backed by
 * Node's own HTTP client. Keeping the transport a parameter lets the retry logic be tested on its own.
 */
export interface OutgoingHttpRequest {
	url: string;
	/** JSON body. */
	body: unknown;
	timeoutMs: number;
}

export interface HttpResponse {
	statusCode: number;
	/** Lower-case header names. */
	headers: Record<string, string | string[] | undefined>;
	body: unknown;
}

/**
 * Sends once and resolves with whatever status came back (redirects are not followed); rejects with a
 * `NoResponseError` only when no HTTP response arrived at all.
 */
export type HttpSend = (request: OutgoingHttpRequest) => Promise<HttpResponse>;

/** Why no response arrived, in words a user understands; `code` is Node's (ECONNREFUSED, ETIMEDOUT…). */
export class NoResponseError extends Error {
	constructor(
		readonly code: string,
		readonly url: string,
	) {
		super(describeNoResponse(code, url));
		this.name = 'NoResponseError';
	}
}

function hostOf(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return 'the Webhook Address';
	}
}

export function describeNoResponse(code: string, url: string): string {
	const host = hostOf(url);
	switch (code) {
		case 'ECONNREFUSED':
			return `Could not connect to ${host}: connection refused (is the receiver running and is the port right?)`;
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return `Could not find the host ${host} (check the Webhook Address)`;
		case 'ETIMEDOUT':
		case 'ECONNABORTED':
		case 'ESOCKETTIMEDOUT':
			return `No answer from ${host} before the timeout`;
		case 'ECONNRESET':
		case 'EPIPE':
			return `${host} closed the connection before answering`;
		default:
			return `No response from ${host} (${code})`;
	}
}

const REASONS: Record<number, string> = {
	400: 'the receiver rejected the message as invalid',
	401: 'the receiver rejected the API key: check Key, Value and where the key travels (header or query parameter)',
	403: 'the receiver refused access with this API key',
	404: 'nothing answers at this Webhook Address',
	405: 'the Webhook Address does not accept POST',
	408: 'the receiver timed out reading the message',
	413: 'the message is too large for the receiver',
	415: 'the receiver does not accept JSON',
	422: 'the receiver could not process the message',
	429: 'the receiver is rate limiting',
};

/** A short reason for an HTTP status a receiver answered with. */
export function describeStatus(statusCode: number): string {
	if (REASONS[statusCode]) return REASONS[statusCode];
	if (statusCode >= 300 && statusCode < 400) {
		return 'the receiver redirected elsewhere; redirects are not followed, so the API key is never sent to an address you did not configure: use the final address';
	}
	if (statusCode >= 500) return 'the receiver failed to process the message';
	return 'the receiver did not accept the message';
}
