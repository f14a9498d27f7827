/**
 * Keeping secrets out of everything a user or a log can see: node output, error messages, descriptions.
 * The secrets are a credential's API key and extra parameter values, and values its Webhook Address
 * carries under their names (`secretValues` in apiKeyAuth.ts).
 */

/**
 * Shorter values are not redacted: replacing every "v2" or "1" in a response would wreck the output
 * while hiding nothing an attacker could not guess.
 */
export const MIN_REDACTED_SECRET_CHARS = 4;

/** The secrets worth redacting (see `MIN_REDACTED_SECRET_CHARS`), longest first so none is cut in half. */
export function redactableSecrets(values: string[]): string[] {
	return values
		.filter((value) => value.length >= MIN_REDACTED_SECRET_CHARS)
		.sort((a, b) => b.length - a.length);
}

/**
 * The forms a secret takes in a URL: as `encodeURIComponent` writes it, as n8n's query serializer (`qs`,
 * RFC 3986) writes it, and as a form-encoded query (`+` for a space) writes it.
 */
function encodedForms(secret: string): string[] {
	const component = encodeURIComponent(secret);
	const rfc3986 = component.replace(
		/[!'()*]/g,
		(char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
	);
	return [component, rfc3986, component.replace(/%20/g, '+'), rfc3986.replace(/%20/g, '+')];
}

/** Replaces every secret in a text (error messages, URLs), also URL-encoded, by `***`. */
export function redactSecrets(text: string, secrets: string[]): string {
	let out = text;
	for (const secret of secrets) {
		if (!secret) continue;
		for (const form of new Set([secret, ...encodedForms(secret)]))
			out = out.split(form).join('***');
	}
	return out;
}

/** Every string inside `value` (keys included) with the secrets replaced by `***`. */
export function redactDeep<T>(value: T, secrets: string[]): T {
	if (secrets.length === 0) return value;
	const walk = (node: unknown): unknown => {
		if (typeof node === 'string') return redactSecrets(node, secrets);
		if (Array.isArray(node)) return node.map(walk);
		if (node !== null && typeof node === 'object') {
			return Object.fromEntries(
				Object.entries(node).map(([key, inner]) => [redactSecrets(key, secrets), walk(inner)]),
			);
		}
		return node;
	};
	return walk(value) as T;
}
