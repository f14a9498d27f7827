/**
 * The ISPM API key: where it travels (header or query parameter), how an outgoing request carries it, and
 * how an incoming request is checked against it. ISPM does not sign its messages: the static key, plus any
 * extra name/value parameters the admin added on ISPM's Webhook tile, is the whole authentication.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import { redactableSecrets } from './redact';

export type KeyLocation = 'header' | 'query';

/** The fields of both ISPM credential types (`ispmHeaderAuthApi`, `ispmQueryAuthApi`). */
export interface IspmApiKeyCredential {
	webhookUrl?: string;
	key?: string;
	value?: string;
	/** JSON object text of extra name/value pairs, e.g. `{"X-Tenant":"acme"}`. */
	additionalParameters?: string | Record<string, unknown>;
}

/** A credential that cannot work as configured; the message tells the user what to fix, never a value. */
export class CredentialConfigError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'CredentialConfigError';
	}
}

const NOT_JSON = Symbol('not JSON');

function parseJson(textIn: string): unknown {
	try {
		return JSON.parse(textIn);
	} catch {
		return NOT_JSON;
	}
}

/** Parses `additionalParameters`; numbers and booleans are sent as their text. */
export function parseAdditionalParameters(
	input: IspmApiKeyCredential['additionalParameters'],
): Record<string, string> {
	if (input === undefined || input === null || (typeof input === 'string' && input.trim() === '')) {
		return {};
	}
	const parsed = typeof input === 'string' ? parseJson(input) : input;
	if (parsed === NOT_JSON) {
		throw new CredentialConfigError(
			'Additional Parameters must be a JSON object of name/value pairs, e.g. {"X-Tenant":"acme"}: the text is not valid JSON',
		);
	}
	if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
		throw new CredentialConfigError(
			'Additional Parameters must be a JSON object of name/value pairs, e.g. {"X-Tenant":"acme"}',
		);
	}
	const out: Record<string, string> = {};
	for (const [name, value] of Object.entries(parsed)) {
		if (!['string', 'number', 'boolean'].includes(typeof value)) {
			throw new CredentialConfigError(
				`Additional Parameters: the value of "${name}" must be a string, number or boolean`,
			);
		}
		if (name.trim() === '')
			throw new CredentialConfigError('Additional Parameters: a name is empty');
		out[name] = String(value);
	}
	return out;
}

/**
 * Every name/value pair the key location must carry: the API key first, then the extra parameters.
 * A credential without a key name or value is a configuration error, never "anything goes".
 */
export function requiredParameters(credential: IspmApiKeyCredential): Array<[string, string]> {
	const name = (credential.key ?? '').trim();
	const value = credential.value ?? '';
	if (!name)
		throw new CredentialConfigError(
			'The ISPM credential has no Key (the header or parameter name)',
		);
	if (!value) throw new CredentialConfigError('The ISPM credential has no Value (the API key)');
	return [
		[name, value],
		...Object.entries(parseAdditionalParameters(credential.additionalParameters)),
	];
}

/** Every secret of a credential (the key's value and extra parameter values), ready for `redact`. */
export function secretValues(credential: IspmApiKeyCredential): string[] {
	const values = [credential.value ?? ''];
	try {
		values.push(...Object.values(parseAdditionalParameters(credential.additionalParameters)));
	} catch {
		// An unparsable parameter text has no values to hide beyond the text itself.
		if (typeof credential.additionalParameters === 'string')
			values.push(credential.additionalParameters);
	}
	return redactableSecrets(values);
}

interface OutgoingRequest {
	headers?: Record<string, unknown>;
	qs?: Record<string, unknown>;
}

/** Places the key and extra parameters in the headers or the query string of an outgoing request. */
export function applyApiKey<T extends OutgoingRequest>(
	location: KeyLocation,
	credential: IspmApiKeyCredential,
	request: T,
): T {
	const pairs = Object.fromEntries(requiredParameters(credential));
	if (location === 'header') {
		return { ...request, headers: { ...(request.headers ?? {}), ...pairs } };
	}
	return { ...request, qs: { ...(request.qs ?? {}), ...pairs } };
}

/** What an incoming request offers: Node's lower-cased headers and the parsed query string. */
export interface IncomingParameters {
	headers: Record<string, string | string[] | undefined>;
	query: Record<string, unknown>;
}

function digest(value: string): Buffer {
	return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Constant time in the value: both sides are hashed to equal-length digests first, so neither the
 * content nor the length of the expected secret leaks through timing.
 */
export function secretEquals(received: string, expected: string): boolean {
	return timingSafeEqual(digest(received), digest(expected));
}

function single(value: unknown): string | undefined {
	// A repeated query parameter (or header Node could not fold) is ambiguous: treat it as absent.
	return typeof value === 'string' ? value : undefined;
}

/**
 * Checks that every required pair is present in the expected place with the exact value. Header names
 * match case-insensitively (HTTP); query names exactly. Every pair is compared, so the time taken does
 * not reveal which one was wrong.
 */
export function matchesApiKey(
	location: KeyLocation,
	required: Array<[string, string]>,
	incoming: IncomingParameters,
): boolean {
	let ok = true;
	for (const [name, expected] of required) {
		const received =
			location === 'header'
				? single(incoming.headers[name.toLowerCase()])
				: single(incoming.query[name]);
		const equal = secretEquals(received ?? '', expected);
		ok = ok && received !== undefined && equal;
	}
	return ok;
}
