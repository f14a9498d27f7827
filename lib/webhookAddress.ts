/**
 * The query string of a Webhook Address as the user pasted it. Receivers hand out addresses that already
 * carry parameters (Okta Workflows: `…/invoke?clientToken=<token>`), so the query is read and rewritten
 * segment by segment: a parameter that is removed goes, every other segment stays byte for byte as
 * written (its encoding, its order, a fragment), because a receiver may depend on exactly what it issued.
 */

/** One `name=value` segment of a query string. */
export interface AddressParameter {
	/** Decoded the way receivers decode it (`+` is a space, `%XX` are UTF-8 bytes). */
	name: string;
	value: string;
	/** The segment's value as written in the address, before decoding. */
	rawValue: string;
}

interface SplitAddress {
	/** Everything before `?` (scheme, host, path). */
	base: string;
	/** Between `?` and `#`, without either; `undefined` when the address has no `?`. */
	query: string | undefined;
	/** `#…` or `''`. A fragment is never sent over HTTP, but it is the user's text: it is kept. */
	fragment: string;
}

function split(address: string): SplitAddress {
	const hashAt = address.indexOf('#');
	const beforeHash = hashAt === -1 ? address : address.slice(0, hashAt);
	const fragment = hashAt === -1 ? '' : address.slice(hashAt);
	const queryAt = beforeHash.indexOf('?');
	if (queryAt === -1) return { base: beforeHash, query: undefined, fragment };
	return { base: beforeHash.slice(0, queryAt), query: beforeHash.slice(queryAt + 1), fragment };
}

/**
 * application/x-www-form-urlencoded decoding, lenient like the WHATWG URL parser: a malformed `%` sequence
 * stays as written instead of failing.
 */
export function decodeQueryComponent(text: string): string {
	return text.replace(/\+/g, ' ').replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
		try {
			return decodeURIComponent(run);
		} catch {
			return run;
		}
	});
}

function parseSegment(segment: string): AddressParameter {
	const equalsAt = segment.indexOf('=');
	const rawName = equalsAt === -1 ? segment : segment.slice(0, equalsAt);
	const rawValue = equalsAt === -1 ? '' : segment.slice(equalsAt + 1);
	return { name: decodeQueryComponent(rawName), value: decodeQueryComponent(rawValue), rawValue };
}

/** The address's query parameters in order, repeated names included; `[]` without a query string. */
export function addressParameters(address: string): AddressParameter[] {
	const { query } = split(address);
	if (!query) return [];
	return query
		.split('&')
		.filter((segment) => segment !== '')
		.map(parseSegment);
}

/**
 * The address without the query parameters whose decoded name is in `names` (exact, case-sensitive, as
 * query names are); every other character of the address is kept. A `?` left with nothing after it goes.
 */
export function withoutAddressParameters(address: string, names: ReadonlySet<string>): string {
	const { base, query, fragment } = split(address);
	if (query === undefined) return address;
	const segments = query.split('&');
	const kept = segments.filter(
		(segment) => segment === '' || !names.has(parseSegment(segment).name),
	);
	if (kept.length === segments.length) return address;
	const rest = kept.join('&');
	return `${base}${rest.replace(/&/g, '') === '' ? '' : `?${rest}`}${fragment}`;
}
