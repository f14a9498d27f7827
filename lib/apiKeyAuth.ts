/**
 * The ISPM API key: where it travels (header or query parameter), how an outgoing request carries it, and
 * how an incoming request is checked against it. ISPM does not sign its messages: the static key, plus any
 * extra name/value parameters the admin added on ISPM's Webhook tile, is the whole authentication.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import { redactableSecrets } from './redact';
import { addressParameters, withoutAddressParameters } from './webhookAddress';

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

/** RFC 9110 §5.6.2: a header name is a token. */
const HEADER_NAME_CHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;

/** What is wrong with one character, said without quoting anything that could be part of a secret. */
function describeChar(char: string, quote: boolean): string {
	const code = char.codePointAt(0) ?? 0;
	if (char === ' ') return 'a space';
	if (char === '\t') return 'a tab';
	if (code < 0x20 || code === 0x7f) return 'a control character (such as a line break)';
	if (code > 0x7e) return 'a non-ASCII character';
	return quote ? `"${char}"` : 'a character a header cannot carry';
}

function headerNameProblem(name: string): string | undefined {
	const bad = [...name].find((char) => !HEADER_NAME_CHAR.test(char));
	if (bad === undefined) return undefined;
	// A single ASCII punctuation character is safe to quote and tells the user exactly what to remove.
	return `it contains ${describeChar(bad, true)}. A header name is letters, digits and ! # $ % & ' * + - . ^ _ \` | ~ only`;
}

/**
 * RFC 9110 §5.5: a field value is visible characters with spaces or tabs between them; receivers strip
 * spaces and tabs around it, so a value that starts or ends with one can never arrive as configured. Bytes
 * above ASCII (obs-text) are refused too: clients drop or re-encode them, so no sender could match them.
 */
function headerValueProblem(value: string): string | undefined {
	const bad = [...value].find((char) => char !== '\t' && !/^[\x20-\x7e]$/.test(char));
	if (bad !== undefined) {
		return `it contains ${describeChar(bad, false)}. A header value is visible ASCII (spaces and tabs inside are fine); use an ASCII value, or the query parameter credential, which encodes any text`;
	}
	if (/^[ \t]|[ \t]$/.test(value)) {
		return 'it starts or ends with a space or tab, which every receiver strips';
	}
	return undefined;
}

/** Refuses pairs the wire cannot carry as configured; errors name the field, never a value. */
function checkPairs(location: KeyLocation, pairs: Array<[string, string]>): void {
	const seen = new Map<string, string>();
	pairs.forEach(([name, value], index) => {
		const field = index === 0 ? undefined : JSON.stringify(name);
		if (location === 'header') {
			const nameProblem = headerNameProblem(name);
			if (nameProblem) {
				throw new CredentialConfigError(
					field
						? `Additional Parameters: the name ${field} is not a valid HTTP header name: ${nameProblem}`
						: `The ISPM credential's Key is not a valid HTTP header name: ${nameProblem}`,
				);
			}
			const valueProblem = headerValueProblem(value);
			if (valueProblem) {
				throw new CredentialConfigError(
					field
						? `Additional Parameters: the value of ${field} cannot be sent in an HTTP header: ${valueProblem}`
						: `The ISPM credential's Value cannot be sent in an HTTP header: ${valueProblem}`,
				);
			}
		}
		// Header names ignore case; query names do not. Either way a name must go out once.
		const sameName = location === 'header' ? name.toLowerCase() : name;
		const earlier = seen.get(sameName);
		if (earlier !== undefined) {
			throw new CredentialConfigError(
				`Additional Parameters: ${field} has the same name as ${earlier}${location === 'header' ? ' (header names ignore case)' : ''}: each parameter must have its own name`,
			);
		}
		seen.set(sameName, field ?? 'the Key');
	});
}

/**
 * Every name/value pair the key location must carry: the API key first, then the extra parameters.
 * This is the one place every path reads a credential's pairs (the trigger's check, `applyApiKey` for the
 * Event Hook and Test connection), so it is where a credential that cannot work is refused: a missing key
 * name or value (never "anything goes"), a pair a header cannot carry (`header`), or a repeated name.
 * Throws `CredentialConfigError` naming the field (Key, Value, or the extra parameter by its name).
 */
export function requiredParameters(
	credential: IspmApiKeyCredential,
	location: KeyLocation,
): Array<[string, string]> {
	const name = (credential.key ?? '').trim();
	const value = credential.value ?? '';
	if (!name)
		throw new CredentialConfigError(
			'The ISPM credential has no Key (the header or parameter name)',
		);
	if (!value) throw new CredentialConfigError('The ISPM credential has no Value (the API key)');
	const pairs: Array<[string, string]> = [
		[name, value],
		...Object.entries(parseAdditionalParameters(credential.additionalParameters)),
	];
	checkPairs(location, pairs);
	return pairs;
}

/**
 * Every secret of a credential, ready for `redact`: the key's value, the extra parameter values, and any
 * value the Webhook Address itself carries under one of those names (a token pasted with the address is
 * as secret as the credential's own; names compared ignoring case, to hide rather than show).
 */
export function secretValues(credential: IspmApiKeyCredential): string[] {
	const values = [credential.value ?? ''];
	const names = [(credential.key ?? '').trim()];
	try {
		const extra = parseAdditionalParameters(credential.additionalParameters);
		values.push(...Object.values(extra));
		names.push(...Object.keys(extra));
	} catch {
		// An unparsable parameter text has no values to hide beyond the text itself.
		if (typeof credential.additionalParameters === 'string')
			values.push(credential.additionalParameters);
	}
	const secretNames = new Set(names.map((name) => name.toLowerCase()));
	for (const parameter of addressParameters(credential.webhookUrl ?? '')) {
		if (secretNames.has(parameter.name.toLowerCase()))
			values.push(parameter.value, parameter.rawValue);
	}
	return redactableSecrets(values);
}

interface OutgoingRequest {
	/** `IHttpRequestOptions` */
	url?: string;
	/** n8n's legacy `IRequestOptions` (the credential test) */
	uri?: string;
	headers?: Record<string, unknown>;
	qs?: Record<string, unknown>;
}

function withoutNames(
	record: Record<string, unknown> | undefined,
	isTaken: (name: string) => boolean,
): Record<string, unknown> {
	return Object.fromEntries(Object.entries(record ?? {}).filter(([name]) => !isTaken(name)));
}

/**
 * Places the key and extra parameters in the headers or the query string of an outgoing request; used by
 * both credentials' `authenticate` (the Event Hook) and by Test connection. Each parameter goes out once:
 * a credential pair replaces a header of the same name (any case) or a query parameter of the same name,
 * also one already in the address (`url` / `uri`), whose other parameters are kept as written.
 */
export function applyApiKey<T extends OutgoingRequest>(
	location: KeyLocation,
	credential: IspmApiKeyCredential,
	request: T,
): T {
	const pairs = requiredParameters(credential, location);
	if (location === 'header') {
		const names = new Set(pairs.map(([name]) => name.toLowerCase()));
		const headers = withoutNames(request.headers, (name) => names.has(name.toLowerCase()));
		return { ...request, headers: { ...headers, ...Object.fromEntries(pairs) } };
	}
	const names = new Set(pairs.map(([name]) => name));
	const merged: OutgoingRequest = {
		...request,
		qs: { ...withoutNames(request.qs, (name) => names.has(name)), ...Object.fromEntries(pairs) },
	};
	if (typeof request.url === 'string') merged.url = withoutAddressParameters(request.url, names);
	if (typeof request.uri === 'string') merged.uri = withoutAddressParameters(request.uri, names);
	return merged as T;
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
