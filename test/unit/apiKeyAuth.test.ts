import {
	applyApiKey,
	CredentialConfigError,
	matchesApiKey,
	parseAdditionalParameters,
	requiredParameters,
	secretEquals,
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
		expect(parseAdditionalParameters('{"a":"1","b":2,"c":true}')).toEqual({ a: '1', b: '2', c: 'true' });
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
		expect(requiredParameters(credential)).toEqual([
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
		expect(() => requiredParameters(input)).toThrow(message);
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
		const request = applyApiKey('query', { ...credential, key: 'clientToken' }, {
			url: 'https://example.com',
			qs: { page: '1' },
		});
		expect(request).toEqual({
			url: 'https://example.com',
			qs: { page: '1', clientToken: 's3cret-key', 'X-Tenant': 'acme', 'X-Region': 'eu' },
		});
	});

	it('should not change the request it was given', () => {
		const original = { headers: { a: 'b' } };
		applyApiKey('header', credential, original);
		expect(original).toEqual({ headers: { a: 'b' } });
	});
});

describe('matchesApiKey', () => {
	const required = requiredParameters(credential);
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
		const required1 = requiredParameters({ key: 'clientToken', value: 'tok' });
		expect(matchesApiKey('query', required1, { headers: {}, query: { clienttoken: 'tok' } })).toBe(false);
		expect(matchesApiKey('query', required1, { headers: {}, query: { clientToken: ['tok', 'tok'] } })).toBe(
			false,
		);
	});
});

describe('secretEquals', () => {
	it('should compare exactly, whatever the lengths', () => {
		expect(secretEquals('abc', 'abc')).toBe(true);
		expect(secretEquals('abc', 'abcd')).toBe(false);
		expect(secretEquals('', 'abc')).toBe(false);
	});
});
