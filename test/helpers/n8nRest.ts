/**
 * n8n's REST API as its editor uses it, for tests that do what a designer does without a browser: the
 * owner account (created once per instance) and a logged-in session.
 */
import { randomBytes } from 'node:crypto';

export interface Owner {
	email: string;
	password: string;
	firstName: string;
	lastName: string;
}

export interface RestResult {
	status: number;
	body: unknown;
	text: string;
}

/** An owner with a fresh password that satisfies n8n's rules (8–64 characters, a digit, an upper-case letter). */
export function makeOwner(email = 'designer@ispm-ui-test.example'): Owner {
	return {
		email,
		password: `Ui${randomBytes(12).toString('hex')}9`,
		firstName: 'SOAR',
		lastName: 'Designer',
	};
}

export async function restJson(
	baseUrl: string,
	method: string,
	path: string,
	body?: unknown,
	headers: Record<string, string> = {},
): Promise<RestResult & { setCookies: string[] }> {
	const response = await fetch(`${baseUrl}${path}`, {
		method,
		headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
		body: body === undefined ? undefined : JSON.stringify(body),
		signal: AbortSignal.timeout(30_000),
	});
	const text = await response.text();
	let parsed: unknown = text;
	try {
		parsed = JSON.parse(text);
	} catch {
		// not JSON
	}
	return {
		status: response.status,
		body: parsed,
		text,
		setCookies: response.headers.getSetCookie(),
	};
}

/** The editor sends a browser id with every request; n8n binds the session cookie to it. */
const BROWSER_ID = 'ispm-tests-browser';

/**
 * Logs the owner in (POST /rest/login: emailOrLdapLoginId, password) and returns a caller that sends the
 * session cookie with each request.
 */
export async function logInOwner(
	baseUrl: string,
	owner: Owner,
): Promise<(method: string, path: string, body?: unknown) => Promise<RestResult>> {
	const login = await restJson(
		baseUrl,
		'POST',
		'/rest/login',
		{ emailOrLdapLoginId: owner.email, password: owner.password },
		{ 'browser-id': BROWSER_ID },
	);
	if (login.status !== 200)
		throw new Error(`owner login answered ${login.status}: ${login.text.slice(0, 500)}`);
	const cookie = login.setCookies.map((setCookie) => setCookie.split(';')[0]).join('; ');
	return async (method, path, body) =>
		await restJson(baseUrl, method, path, body, { cookie, 'browser-id': BROWSER_ID });
}

/**
 * Creates the instance owner with n8n's own endpoint (POST /rest/owner/setup, OwnerSetupRequestDto in
 * n8n 2.40: email, firstName, lastName, password) and checks that the owner can log in.
 */
export async function setUpOwner(baseUrl: string, owner: Owner): Promise<void> {
	const setup = await restJson(baseUrl, 'POST', '/rest/owner/setup', owner);
	if (setup.status !== 200)
		throw new Error(`owner setup answered ${setup.status}: ${setup.text.slice(0, 500)}`);
	await logInOwner(baseUrl, owner);
}
