import { secretValues } from '../../lib/apiKeyAuth';
import { MIN_REDACTED_SECRET_CHARS, redactableSecrets, redactDeep, redactSecrets } from '../../lib/redact';

const SECRET = 'dummy-live-0123456789abcdef';

describe('redactDeep', () => {
	it('should replace secrets in nested strings and keys', () => {
		const redacted = redactDeep(
			{ [SECRET]: [`Bearer ${SECRET}`, { url: `?k=${encodeURIComponent(SECRET)}` }] },
			[SECRET],
		);
		expect(JSON.stringify(redacted)).not.toContain(SECRET);
		expect(redacted).toEqual({ '***': ['Bearer ***', { url: '?k=***' }] });
	});
});

describe('redactableSecrets', () => {
	it('should drop values too short to hide anything and put the longest first', () => {
		expect(MIN_REDACTED_SECRET_CHARS).toBe(4);
		expect(redactableSecrets(['v2', 'abcd', 'abcdefgh', ''])).toEqual(['abcdefgh', 'abcd']);
	});

	it('should let no part of a longer secret through when one secret starts another', () => {
		const secrets = redactableSecrets(['tenant', 'tenant-key-1234']);
		expect(redactDeep('sent tenant-key-1234 for tenant', secrets)).toBe('sent *** for ***');
	});
});

describe('redactSecrets', () => {
	it('should hide every secret, also URL-encoded ones', () => {
		const secrets = secretValues({ value: 'p@ss word', additionalParameters: '{"t":"acme-tenant"}' });
		expect(
			redactSecrets('https://h/x?key=p%40ss%20word&t=acme-tenant failed for p@ss word', secrets),
		).toBe('https://h/x?key=***&t=*** failed for ***');
	});

	it.each([
		['as n8n\'s query serializer writes it', '?k=it%27s%20%28a%29%20p%40ss%21'],
		['form-encoded', '?k=it%27s+%28a%29+p%40ss%21'],
		['encodeURIComponent', "?k=it's%20(a)%20p%40ss!"],
	])('should hide a secret written in a URL %s', (_case, url) => {
		expect(redactSecrets(url, ["it's (a) p@ss!"])).toBe('?k=***');
	});
});
