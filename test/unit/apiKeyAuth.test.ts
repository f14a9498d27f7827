import {
	applyApiKey,
	CredentialConfigError,
	matchesApiKey,
	parseAdditionalParameters,
	requiredParameters,
	secretEquals,
	secretValues,
} from '../../lib/apiKeyAuth';

const credential = {
	key: 'X-API-Key',
	value: 's3cret-key',
	additionalParameters: '{"X-Tenant":"acme","X-Region":"eu"}',
};

describe('parseAdditionalParameters', () => {
	it.each([[undefined], [''], ['   ']])('should give no parameters for %j', (input) => {
		expect(parseAdditionalParameters(input)).toEqual({});
	});

	it('should accept JSON text and objects, sending numbers and booleans as text', () => {
		expect(parseAdditionalParameters('{"a":"1","b":2,"c":true}')).toEqual({
			a: '1',
			b: '2',
			c: 'true',
		});
		expect(parseAdditionalParameters({ a: 'x' })).toEqual({ a: 'x' });
	});

	it.each([
		['{not json', 'the text is not valid JSON'],
		['["a"]', 'must be a JSON object of name/value pairs'],
		['"text"', 'must be a JSON object of name/value pairs'],
		['{"a":{"b":1}}', 'the value of "a" must be a string, number or boolean'],
		['{"":"x"}', 'a name is empty'],
	])('should reject %s with a message that says what to fix', (input, message) => {
		expect(() => parseAdditionalParameters(input)).toThrow(CredentialConfigError);
		expect(() => parseAdditionalParameters(input)).toThrow(message);
	});
});

describe('requiredParameters', () => {
	it('should list the key first, then the extra parameters', () => {
		expect(requiredParameters(credential, 'header')).toEqual([
			['X-API-Key', 's3cret-key'],
			['X-Tenant', 'acme'],
			['X-Region', 'eu'],
		]);
	});

	it.each([
		[{ key: '', value: 'v' }, 'has no Key'],
		[{ key: 'k', value: '' }, 'has no Value'],
		[{ key: 'k' }, 'has no Value'],
	])('should treat a missing key name or value as a configuration error: %j', (input, message) => {
		for (const location of ['header', 'query'] as const)
			expect(() => requiredParameters(input, location)).toThrow(message);
	});
});

describe('requiredParameters: what a header can carry', () => {
	/** Stand-in secret; every message is checked not to contain it, or any part of it. */
	const SECRET = 'clé-ключ-7f3a9c';

	function refusal(location: 'header' | 'query', input: Parameters<typeof requiredParameters>[0]) {
		try {
			requiredParameters(input, location);
		} catch (error) {
			expect(error).toBeInstanceOf(CredentialConfigError);
			return (error as Error).message;
		}
		return undefined;
	}

	it.each([
		[
			'a non-ASCII Value',
			{ key: 'X-API-Key', value: SECRET },
			/^The ISPM credential's Value cannot be sent in an HTTP header: it contains a non-ASCII character/,
		],
		[
			'a Value with a trailing space',
			{ key: 'X-API-Key', value: 'abcd1234 ' },
			/^The ISPM credential's Value cannot be sent in an HTTP header: it starts or ends with a space or tab/,
		],
		[
			'a Value with a leading tab',
			{ key: 'X-API-Key', value: '\tabcd1234' },
			/Value cannot be sent in an HTTP header: it starts or ends with a space or tab/,
		],
		[
			'a Value with a line break',
			{ key: 'X-API-Key', value: 'abcd\r\nX-Admin: 1' },
			/Value cannot be sent in an HTTP header: it contains a control character/,
		],
		[
			'a Value with a NUL byte',
			{ key: 'X-API-Key', value: 'abcd\u0000efgh' },
			/Value cannot be sent in an HTTP header: it contains a control character/,
		],
		[
			'a Value with DEL',
			{ key: 'X-API-Key', value: 'abcd\u007fefgh' },
			/Value cannot be sent in an HTTP header: it contains a control character/,
		],
		[
			'a Key pasted with its value ("name: value")',
			{ key: 'X-API-Key: abcd1234', value: 'abcd1234' },
			/^The ISPM credential's Key is not a valid HTTP header name: it contains ":"/,
		],
		[
			'a Key with a space',
			{ key: 'X API Key', value: 'abcd1234' },
			/Key is not a valid HTTP header name: it contains a space/,
		],
		[
			'a non-ASCII Key',
			{ key: 'Schlüssel', value: 'abcd1234' },
			/Key is not a valid HTTP header name: it contains a non-ASCII character/,
		],
		[
			'a Key with a slash',
			{ key: 'X-API/Key', value: 'abcd1234' },
			/Key is not a valid HTTP header name: it contains "\/"/,
		],
		[
			'an extra name with a space',
			{ key: 'K', value: 'abcd1234', additionalParameters: '{"X Tenant":"acme"}' },
			/^Additional Parameters: the name "X Tenant" is not a valid HTTP header name: it contains a space/,
		],
		[
			'an extra name with a colon',
			{ key: 'K', value: 'abcd1234', additionalParameters: '{"X-Tenant:":"acme"}' },
			/^Additional Parameters: the name "X-Tenant:" is not a valid HTTP header name: it contains ":"/,
		],
		[
			'a non-ASCII extra value',
			{ key: 'K', value: 'abcd1234', additionalParameters: { 'X-Tenant': SECRET } },
			/^Additional Parameters: the value of "X-Tenant" cannot be sent in an HTTP header: it contains a non-ASCII character/,
		],
		[
			'an extra value with a trailing space',
			{ key: 'K', value: 'abcd1234', additionalParameters: { 'X-Tenant': 'acme ' } },
			/^Additional Parameters: the value of "X-Tenant" cannot be sent in an HTTP header: it starts or ends/,
		],
		[
			'an extra name that repeats the Key in another case',
			{ key: 'X-API-Key', value: 'abcd1234', additionalParameters: { 'x-api-key': 'other' } },
			/^Additional Parameters: "x-api-key" has the same name as the Key \(header names ignore case\)/,
		],
		[
			'two extra names that differ in case only',
			{ key: 'K', value: 'abcd1234', additionalParameters: { 'X-Tenant': 'a', 'x-tenant': 'b' } },
			/^Additional Parameters: "x-tenant" has the same name as "X-Tenant"/,
		],
	])(
		'should refuse %s for a header credential, naming the field and never the value',
		(_case, input, message) => {
			const text = refusal('header', input);
			expect(text).toMatch(message);
			for (const secret of [SECRET, 'abcd1234', 'acme', 'other', 'ключ', 'clé'])
				expect(text).not.toContain(secret);
		},
	);

	it.each([
		['spaces and tabs inside the Value', { key: 'X-API-Key', value: 'abcd 12\t34' }],
		[
			'every visible ASCII character in the Value',
			{ key: 'X-API-Key', value: '!"#$%&\'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~' },
		],
		['every token character in the Key', { key: "!#$%&'*+-.^_`|~09AZaz", value: 'abcd1234' }],
		[
			'an empty extra value',
			{ key: 'K', value: 'abcd1234', additionalParameters: { 'X-Tenant': '' } },
		],
	])('should accept %s for a header credential', (_case, input) => {
		expect(refusal('header', input)).toBeUndefined();
	});

	it('should leave query credentials free to carry any text, since the query string is encoded', () => {
		expect(
			requiredParameters(
				{
					key: 'client token: ü',
					value: ` ${SECRET}\t`,
					additionalParameters: { 'X Tenant': 'acmé ' },
				},
				'query',
			),
		).toEqual([
			['client token: ü', ` ${SECRET}\t`],
			['X Tenant', 'acmé '],
		]);
	});

	it('should refuse a query extra parameter with the name of the Key, but not one that differs in case', () => {
		expect(
			refusal('query', {
				key: 'clientToken',
				value: 'abcd1234',
				additionalParameters: { clientToken: 'x' },
			}),
		).toMatch(
			/^Additional Parameters: "clientToken" has the same name as the Key: each parameter must have its own name$/,
		);
		expect(
			refusal('query', {
				key: 'clientToken',
				value: 'abcd1234',
				additionalParameters: { ClientToken: 'x' },
			}),
		).toBeUndefined();
	});
});

describe('applyApiKey', () => {
	it('should put key and extra parameters in the headers only, for header credentials', () => {
		const request = applyApiKey('header', credential, {
			url: 'https://example.com',
			headers: { 'content-type': 'application/json' },
		});
		expect(request).toEqual({
			url: 'https://example.com',
			headers: {
				'content-type': 'application/json',
				'X-API-Key': 's3cret-key',
				'X-Tenant': 'acme',
				'X-Region': 'eu',
			},
		});
	});

	it('should put key and extra parameters in the query string only, for query credentials', () => {
		const request = applyApiKey(
			'query',
			{ ...credential, key: 'clientToken' },
			{
				url: 'https://example.com',
				qs: { page: '1' },
			},
		);
		expect(request).toEqual({
			url: 'https://example.com',
			qs: { page: '1', clientToken: 's3cret-key', 'X-Tenant': 'acme', 'X-Region': 'eu' },
		});
	});

	it('should refuse a header credential that a header cannot carry, before any request exists', () => {
		expect(() =>
			applyApiKey(
				'header',
				{ key: 'X-API-Key', value: 'clé-ключ-7f3a9c' },
				{ url: 'https://example.com' },
			),
		).toThrow(CredentialConfigError);
	});

	it('should replace a same-named header in any case instead of sending it twice', () => {
		const request = applyApiKey(
			'header',
			{ key: 'X-API-Key', value: 's3cret-key' },
			{
				headers: { 'x-api-key': 'stale', accept: 'application/json' },
			},
		);
		expect(request.headers).toEqual({ accept: 'application/json', 'X-API-Key': 's3cret-key' });
	});

	it('should leave the address of a header credential as written', () => {
		const url = 'https://acme.workflows.okta.com/api/flo/f1/invoke?clientToken=abc&x=1#top';
		expect(
			applyApiKey('header', { key: 'x-api-client-token', value: 'tok12345' }, { url }).url,
		).toBe(url);
	});

	describe('a Webhook Address that already carries a query string (query credentials)', () => {
		const okta = { key: 'clientToken', value: 'new-token-1234' };

		it.each([
			[
				"Okta Workflows' invoke address with its clientToken",
				'https://acme.workflows.okta.com/api/flo/f1/invoke?clientToken=old-token-9876',
				'https://acme.workflows.okta.com/api/flo/f1/invoke',
			],
			[
				'other parameters around it, kept in order and as encoded',
				'https://h.example/hook?a=1&clientToken=old&b=x%20y+z&c',
				'https://h.example/hook?a=1&b=x%20y+z&c',
			],
			[
				'a fragment, kept',
				'https://h.example/hook?clientToken=old&a=1#frag?x=1',
				'https://h.example/hook?a=1#frag?x=1',
			],
			[
				'a fragment alone after the query',
				'https://h.example/hook?clientToken=old#frag',
				'https://h.example/hook#frag',
			],
			[
				'the name percent-encoded',
				'https://h.example/hook?client%54oken=old&a=1',
				'https://h.example/hook?a=1',
			],
			[
				'the name repeated',
				'https://h.example/hook?clientToken=a&clientToken=b&a=1',
				'https://h.example/hook?a=1',
			],
			[
				'the name without a value',
				'https://h.example/hook?clientToken&a=1',
				'https://h.example/hook?a=1',
			],
			[
				'a name that differs in case, kept',
				'https://h.example/hook?ClientToken=x',
				'https://h.example/hook?ClientToken=x',
			],
			[
				'a name that only starts the same, kept',
				'https://h.example/hook?clientTokens=x&clientToken2=y',
				'https://h.example/hook?clientTokens=x&clientToken2=y',
			],
			[
				'"clientToken" as a value, kept',
				'https://h.example/hook?next=clientToken',
				'https://h.example/hook?next=clientToken',
			],
			[
				'a "?" inside the fragment only, untouched',
				'https://h.example/hook#a?clientToken=x',
				'https://h.example/hook#a?clientToken=x',
			],
			[
				'a malformed escape elsewhere, kept',
				'https://h.example/hook?a=%zz&clientToken=old',
				'https://h.example/hook?a=%zz',
			],
		])('should send the key once, replacing the address parameter: %s', (_case, url, expected) => {
			const request = applyApiKey('query', okta, { url, qs: { clientToken: 'stale', page: '2' } });
			expect(request.url).toBe(expected);
			expect(request.qs).toEqual({ page: '2', clientToken: 'new-token-1234' });
		});

		it('should replace extra parameters already in the address too, and rewrite the legacy `uri` alike', () => {
			const credential = { ...okta, additionalParameters: { tenant: 'acme' } };
			const legacy: { uri: string; qs?: Record<string, unknown> } = {
				uri: 'https://h.example/hook?tenant=old&keep=yes&clientToken=old',
			};
			const request = applyApiKey('query', credential, legacy);
			expect(request.uri).toBe('https://h.example/hook?keep=yes');
			expect(request.qs).toEqual({ clientToken: 'new-token-1234', tenant: 'acme' });
		});
	});

	it('should not change the request it was given', () => {
		const original = { headers: { a: 'b' } };
		applyApiKey('header', credential, original);
		expect(original).toEqual({ headers: { a: 'b' } });
	});
});

describe('matchesApiKey', () => {
	const required = requiredParameters(credential, 'header');
	const goodHeaders = { 'x-api-key': 's3cret-key', 'x-tenant': 'acme', 'x-region': 'eu' };

	it('should accept every pair in the headers, names in any case', () => {
		expect(matchesApiKey('header', required, { headers: goodHeaders, query: {} })).toBe(true);
	});

	it.each([
		['a wrong key', { ...goodHeaders, 'x-api-key': 's3cret-kez' }],
		['a key with a different length', { ...goodHeaders, 'x-api-key': 's3cret-key2' }],
		['a key in another case', { ...goodHeaders, 'x-api-key': 'S3CRET-KEY' }],
		['a missing key', { 'x-tenant': 'acme', 'x-region': 'eu' }],
		['a missing extra parameter', { 'x-api-key': 's3cret-key', 'x-tenant': 'acme' }],
		['a wrong extra parameter', { ...goodHeaders, 'x-region': 'us' }],
		['a repeated header', { ...goodHeaders, 'x-api-key': ['s3cret-key', 's3cret-key'] }],
	])('should reject %s', (_case, headers) => {
		expect(matchesApiKey('header', required, { headers, query: {} })).toBe(false);
	});

	it('should reject the right pairs in the wrong place', () => {
		const query = { 'X-API-Key': 's3cret-key', 'X-Tenant': 'acme', 'X-Region': 'eu' };
		expect(matchesApiKey('header', required, { headers: {}, query })).toBe(false);
		expect(matchesApiKey('query', required, { headers: goodHeaders, query: {} })).toBe(false);
		expect(matchesApiKey('query', required, { headers: {}, query })).toBe(true);
	});

	it('should match query parameter names exactly and reject repeated ones', () => {
		const required1 = requiredParameters({ key: 'clientToken', value: 'tok' }, 'query');
		expect(matchesApiKey('query', required1, { headers: {}, query: { clienttoken: 'tok' } })).toBe(
			false,
		);
		expect(
			matchesApiKey('query', required1, { headers: {}, query: { clientToken: ['tok', 'tok'] } }),
		).toBe(false);
	});
});

describe('secretEquals', () => {
	it('should compare exactly, whatever the lengths', () => {
		expect(secretEquals('abc', 'abc')).toBe(true);
		expect(secretEquals('abc', 'abcd')).toBe(false);
		expect(secretEquals('', 'abc')).toBe(false);
	});
});

describe('secretValues', () => {
	it('should treat a value in the address under a credential name as a secret, decoded and as written', () => {
		const secrets = secretValues({
			webhookUrl:
				'https://h.example/invoke?clientToken=old%2Ftoken+9876&Tenant=acme-old&page=2-long#x',
			key: 'clientToken',
			value: 'new-token-1234',
			additionalParameters: { tenant: 'acme' },
		});
		expect(secrets).toEqual(
			expect.arrayContaining(['new-token-1234', 'old/token 9876', 'old%2Ftoken+9876', 'acme-old']),
		);
		expect(secrets).not.toContain('2-long');
	});
});
