/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code runs in Jest, not inside n8n: it talks HTTP itself */
/**
 * A small HTTP client on Node's `http`, behaving like the axios client behind n8n's request helpers in
 * what the ISPM Event Hook relies on: JSON bodies, per-request timeout (axios' `ECONNABORTED`), redirects
 * followed unless turned off (re-sending the same headers, as n8n does by default), and errors that carry
 * Node's `code` when no response arrived.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

import { NoResponseError, type HttpSend } from '../../lib/transport';

export interface PlainRequest {
	method: string;
	url: string;
	qs?: Record<string, unknown>;
	headers?: Record<string, unknown>;
	body?: unknown;
	timeoutMs?: number;
	/** How many redirects to follow; 0 = none. */
	maxRedirects: number;
}

export interface PlainResponse {
	statusCode: number;
	statusMessage: string;
	headers: IncomingHttpHeaders;
	/** Parsed when the text is JSON (as axios does), `''` when empty, the text otherwise. */
	body: unknown;
}

/** What axios throws when no response arrived: an Error with Node's (or axios') `code`. */
export class NoResponseTestError extends Error {
	constructor(
		message: string,
		readonly code: string,
	) {
		super(message);
		this.name = 'AxiosError';
	}
}

/** What n8n's `qs.stringify` makes of a name or value: everything but RFC 3986's unreserved set encoded. */
function encodeRfc3986(text: string): string {
	return encodeURIComponent(text).replace(
		/[!'()*]/g,
		(char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
	);
}

/**
 * As axios (under n8n's request helpers) builds the target: the address parsed as a URL (the fragment
 * dropped), then `qs` serialized and appended after `&` when the address already has a query.
 */
function withQuery(url: string, qs: Record<string, unknown> | undefined): URL {
	const parsed = new URL(url);
	let path = parsed.pathname + parsed.search;
	const serialized = Object.entries(qs ?? {})
		.map(([name, value]) => `${encodeRfc3986(name)}=${encodeRfc3986(String(value))}`)
		.join('&');
	if (serialized) path += `${path.includes('?') ? '&' : '?'}${serialized}`;
	return new URL(path, parsed.origin);
}

function parseBody(text: string): unknown {
	if (text === '') return '';
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return text;
	}
}

function once(request: PlainRequest, target: URL): Promise<PlainResponse> {
	return new Promise((resolve, reject) => {
		const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
		const headers: Record<string, string> = { accept: 'application/json' };
		for (const [name, value] of Object.entries(request.headers ?? {}))
			headers[name] = String(value);
		if (payload !== undefined) headers['content-type'] = 'application/json';
		const req = httpRequest(target, { method: request.method, headers }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (chunk: Buffer) => chunks.push(chunk));
			res.on('end', () =>
				resolve({
					statusCode: res.statusCode ?? 0,
					statusMessage: res.statusMessage ?? '',
					headers: res.headers,
					body: parseBody(Buffer.concat(chunks).toString('utf8')),
				}),
			);
			res.on('error', reject);
		});
		if (request.timeoutMs) {
			req.setTimeout(request.timeoutMs, () =>
				req.destroy(
					new NoResponseTestError(`timeout of ${request.timeoutMs}ms exceeded`, 'ECONNABORTED'),
				),
			);
		}
		req.on('error', (error: NodeJS.ErrnoException) => {
			reject(
				error instanceof NoResponseTestError
					? error
					: new NoResponseTestError(error.message, error.code ?? 'ECONNRESET'),
			);
		});
		req.end(payload);
	});
}

/** Sends one request, following up to `maxRedirects` redirects with the same method, headers and body. */
export async function sendPlain(request: PlainRequest): Promise<PlainResponse> {
	let target = withQuery(request.url, request.qs);
	for (let hop = 0; ; hop++) {
		const response = await once(request, target);
		const location = response.headers.location;
		if (
			response.statusCode < 300 ||
			response.statusCode >= 400 ||
			!location ||
			hop >= request.maxRedirects
		) {
			return response;
		}
		target = new URL(location, target);
	}
}

/** An `HttpSend` over `sendPlain` that adds fixed headers and query parameters (the "credential"). */
export function plainHttpSend(
	extra: { headers?: Record<string, string>; qs?: Record<string, string> } = {},
): HttpSend {
	return async ({ url, body, timeoutMs }) => {
		const outcome = await sendPlain({
			method: 'POST',
			url,
			body,
			timeoutMs,
			headers: extra.headers,
			qs: extra.qs,
			maxRedirects: 0,
		}).then(
			(response) => ({ response }),
			(error: unknown) => ({ error }),
		);
		if ('error' in outcome) {
			if (outcome.error instanceof NoResponseTestError)
				throw new NoResponseError(outcome.error.code, url);
			throw outcome.error;
		}
		const { response } = outcome;
		return { statusCode: response.statusCode, headers: response.headers, body: response.body };
	};
}
