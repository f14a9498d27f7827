/**
 * `HttpSend` over n8n's request helpers, so that n8n's proxy settings and outbound policies apply and the
 * credential's own `authenticate` places the key. Redirects are never followed: a 3xx comes back as a
 * status, and the key is never sent to a host the user did not configure.
 */
import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IExecuteFunctions,
	IHttpRequestOptions,
	// eslint-disable-next-line @n8n/community-nodes/no-deprecated-workflow-functions -- the credential test gets only the legacy `request` helper, which takes these options
	IRequestOptions,
} from 'n8n-workflow';

import {
	applyApiKey,
	CredentialConfigError,
	type IspmApiKeyCredential,
	type KeyLocation,
} from '../../lib/apiKeyAuth';
import { NoResponseError, type HttpResponse, type HttpSend } from '../../lib/transport';

interface FullResponse {
	statusCode: number;
	headers?: Record<string, unknown>;
	body?: unknown;
}

/** Errors reach us wrapped (n8n wraps request errors in `NodeApiError`): look through the causes. */
function causes(error: unknown): unknown[] {
	const chain: unknown[] = [];
	let current: unknown = error;
	while (
		current !== null &&
		typeof current === 'object' &&
		chain.length < 6 &&
		!chain.includes(current)
	) {
		chain.push(current);
		const next = current as { cause?: unknown; error?: unknown; reason?: unknown };
		current = next.cause ?? (next.error instanceof Error ? next.error : undefined) ?? next.reason;
	}
	return chain;
}

/**
 * Rewrites what the request helpers throw into what the delivery logic understands: a credential
 * mistake stays a `CredentialConfigError`, a missing response becomes a `NoResponseError` with Node's
 * code (`ECONNREFUSED`, axios' `ECONNABORTED` for a timeout, …). Anything else is thrown as it is.
 */
export function toTransportError(error: unknown, url: string): unknown {
	const chain = causes(error);
	const config = chain.find(
		(cause) =>
			cause instanceof CredentialConfigError || (cause as Error).name === 'CredentialConfigError',
	);
	if (config)
		return config instanceof CredentialConfigError
			? config
			: new CredentialConfigError((config as Error).message);
	const answered = chain.some((cause) => {
		const response = (cause as { response?: { status?: unknown } }).response;
		return typeof response?.status === 'number';
	});
	const code = chain
		.map((cause) => (cause as { code?: unknown }).code)
		.find((value): value is string => typeof value === 'string' && /^E[A-Z_]+$/.test(value));
	if (code && !answered) return new NoResponseError(code, url);
	return error;
}

function normalizeHeaders(headers: Record<string, unknown> | undefined): HttpResponse['headers'] {
	const out: HttpResponse['headers'] = {};
	for (const [name, value] of Object.entries(headers ?? {})) {
		if (typeof value === 'string' || Array.isArray(value))
			out[name.toLowerCase()] = value as string | string[];
		else if (typeof value === 'number') out[name.toLowerCase()] = String(value);
	}
	return out;
}

function toHttpResponse(response: FullResponse): HttpResponse {
	return {
		statusCode: response.statusCode,
		headers: normalizeHeaders(response.headers),
		body: response.body,
	};
}

/**
 * Sends with `httpRequestWithAuthentication`: the credential type's `authenticate` adds the key. The
 * credential the execution already loaded is handed over (`credentialsDecrypted`): without it n8n loads and
 * decrypts the credential from its database again for every request.
 */
export function authenticatedSend(
	context: IExecuteFunctions,
	credentialType: string,
	credential: IspmApiKeyCredential,
): HttpSend {
	const stored = context.getNode().credentials?.[credentialType];
	const credentialsDecrypted: ICredentialsDecrypted = {
		id: stored?.id ?? '',
		name: stored?.name ?? '',
		type: credentialType,
		data: credential as ICredentialDataDecryptedObject,
	};
	return async ({ url, body, timeoutMs }) => {
		const options: IHttpRequestOptions = {
			method: 'POST',
			url,
			body: body as IHttpRequestOptions['body'],
			json: true,
			timeout: timeoutMs,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			disableFollowRedirect: true,
		};
		try {
			const response = (await context.helpers.httpRequestWithAuthentication.call(
				context,
				credentialType,
				options,
				{ credentialsDecrypted },
			)) as FullResponse;
			return toHttpResponse(response);
		} catch (error) {
			throw toTransportError(error, url);
		}
	};
}

/**
 * For the credential test, where n8n offers only the legacy `request` helper and no authentication:
 * the key is placed with the same `applyApiKey` the credentials' `authenticate` uses.
 */
export function credentialTestSend(
	context: ICredentialTestFunctions,
	location: KeyLocation,
	credential: IspmApiKeyCredential,
): HttpSend {
	return async ({ url, body, timeoutMs }) => {
		// eslint-disable-next-line @n8n/community-nodes/no-deprecated-workflow-functions -- ICredentialTestFunctions offers only `request`
		const request: IRequestOptions = {
			uri: url,
			method: 'POST',
			body,
			json: true,
			timeout: timeoutMs,
			simple: false,
			resolveWithFullResponse: true,
			// For a POST the legacy helper follows redirects only with followAllRedirects: both are off.
			followRedirect: false,
			followAllRedirects: false,
		};
		const options = applyApiKey(location, credential, request);
		try {
			return toHttpResponse((await context.helpers.request(options)) as FullResponse);
		} catch (error) {
			throw toTransportError(error, url);
		}
	};
}
