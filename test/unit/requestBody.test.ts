/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code runs in Jest, not inside n8n: it compresses bodies */
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { parse as parseForm } from 'node:querystring';

import {
	EXPECTED_CONTENT_TYPE,
	parseMediaType,
	readRequestBody,
	readWebhookBody,
	type WebhookRequest,
	type WireBody,
} from '../../lib/requestBody';
import { sampleEnvelope } from '../helpers/samples';

/** The sample message with a title that needs more than ASCII, so every charset really matters. */
const MESSAGE = sampleEnvelope({ title: 'Café – Привет – 日本 ✓' });
const TEXT = JSON.stringify(MESSAGE);
const LATIN1_MESSAGE = sampleEnvelope({ title: 'Café crème' });

const utf8 = (text: string) => Buffer.from(text, 'utf8');
const utf16le = (text: string) => Buffer.from(text, 'utf16le');
const utf16be = (text: string) => utf16le(text).swap16();
const bytes = (...parts: Array<number[] | Buffer>) =>
	Buffer.concat(parts.map((part) => (Buffer.isBuffer(part) ? part : Buffer.from(part))));

/** What n8n 2.40.7 leaves in `req.body` for these bytes (middlewares/body-parser.js, parseBody). */
function n8nParsed(contentType: string | undefined, raw: Buffer): unknown {
	const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
	if (raw.length === 0) return undefined;
	if (type === 'application/json') return JSON.parse(raw.toString('utf8').replace(/^\uFEFF/, ''));
	if (type === 'application/x-www-form-urlencoded') return { ...parseForm(raw.toString('utf8')) };
	if (type === 'text/plain') return raw.toString('utf8');
	return undefined;
}

const wire = (contentType: string | undefined, raw: Buffer, extra: Partial<WireBody> = {}) => ({
	parsed: n8nParsed(contentType, raw),
	raw,
	contentType,
	...extra,
});

describe('parseMediaType', () => {
	it.each([
		[undefined, { type: '', charset: undefined }],
		['application/json', { type: 'application/json', charset: undefined }],
		['Application/JSON; Charset="UTF-8"', { type: 'application/json', charset: 'utf-8' }],
		['text/plain;charset=ISO-8859-1;format=flowed', { type: 'text/plain', charset: 'iso-8859-1' }],
		['application/json; charset=', { type: 'application/json', charset: undefined }],
		['application/json; boundary=x', { type: 'application/json', charset: undefined }],
	])('should read %j', (header, expected) => {
		expect(parseMediaType(header)).toEqual(expected);
	});
});

describe('readRequestBody', () => {
	describe('JSON the sender put on the wire is read, whatever the content type says', () => {
		it.each<[string, WireBody, unknown]>([
			['application/json, parsed by n8n', wire('application/json', utf8(TEXT)), MESSAGE],
			[
				'application/json; charset=utf-8',
				wire('application/json; charset=utf-8', utf8(TEXT)),
				MESSAGE,
			],
			['no Content-Type (n8n reads nothing)', wire(undefined, utf8(TEXT)), MESSAGE],
			[
				'application/x-www-form-urlencoded (curl -d; n8n makes a form of it)',
				wire('application/x-www-form-urlencoded', utf8(TEXT)),
				MESSAGE,
			],
			['text/plain (n8n makes a string of it)', wire('text/plain', utf8(TEXT)), MESSAGE],
			[
				'text/plain with a UTF-8 byte-order mark',
				wire('text/plain; charset=utf-8', bytes([0xef, 0xbb, 0xbf], utf8(TEXT))),
				MESSAGE,
			],
			['application/vnd.okta+json', wire('application/vnd.okta+json', utf8(TEXT)), MESSAGE],
			['an upper-case content type', wire('Application/Vnd.Okta+JSON', utf8(TEXT)), MESSAGE],
			['application/octet-stream', wire('application/octet-stream', utf8(TEXT)), MESSAGE],
			['application/xml that is JSON', wire('application/xml', utf8(TEXT)), MESSAGE],
			[
				'charset=iso-8859-1',
				wire(
					'application/vnd.okta+json; charset=iso-8859-1',
					Buffer.from(JSON.stringify(LATIN1_MESSAGE), 'latin1'),
				),
				LATIN1_MESSAGE,
			],
			[
				'charset="windows-1252" quoted',
				wire(
					'text/plain; charset="windows-1252"',
					Buffer.from(JSON.stringify(LATIN1_MESSAGE), 'latin1'),
				),
				LATIN1_MESSAGE,
			],
			[
				'charset=utf-16 with a big-endian byte-order mark',
				wire('application/vnd.okta+json; charset=utf-16', bytes([0xfe, 0xff], utf16be(TEXT))),
				MESSAGE,
			],
			[
				'charset=utf-16 with a little-endian byte-order mark',
				wire('text/plain; charset=utf-16', bytes([0xff, 0xfe], utf16le(TEXT))),
				MESSAGE,
			],
			[
				'charset=utf-16 without a byte-order mark, little-endian',
				wire('application/octet-stream; charset=utf-16', utf16le(TEXT)),
				MESSAGE,
			],
			[
				'charset=utf-16 without a byte-order mark, big-endian',
				wire('application/octet-stream; charset=utf-16', utf16be(TEXT)),
				MESSAGE,
			],
			['charset=utf-16le', wire('text/plain; charset=utf-16le', utf16le(TEXT)), MESSAGE],
			[
				'no charset, UTF-16 with a byte-order mark',
				wire(undefined, bytes([0xff, 0xfe], utf16le(TEXT))),
				MESSAGE,
			],
			['no charset, UTF-16 without a byte-order mark', wire(undefined, utf16be(TEXT)), MESSAGE],
			[
				'a byte-order mark that contradicts the declared charset (the mark wins)',
				wire('text/plain; charset=iso-8859-1', bytes([0xef, 0xbb, 0xbf], utf8(TEXT))),
				MESSAGE,
			],
			[
				'an unknown charset label over ASCII bytes',
				wire('application/json-ish; charset=x-unknown', utf8(JSON.stringify({ a: 'b' }))),
				{ a: 'b' },
			],
			[
				'gzip, already undone by n8n',
				wire(undefined, utf8(TEXT), { contentEncoding: 'gzip' }),
				MESSAGE,
			],
			[
				'a Content-Encoding n8n does not undo, over bytes that are JSON anyway',
				wire(undefined, utf8(TEXT), { contentEncoding: 'br' }),
				MESSAGE,
			],
			['JSON with spaces around it', wire(undefined, utf8(`\r\n  ${TEXT}\n`)), MESSAGE],
			['a JSON array (for validation to refuse)', wire('text/plain', utf8('[1,2]')), [1, 2]],
			['a JSON number (for validation to refuse)', wire(undefined, utf8('42')), 42],
			['a JSON string (for validation to refuse)', wire('application/json', utf8('"x"')), 'x'],
			['JSON null (for validation to refuse)', wire('application/json', utf8('null')), null],
			[
				'text n8n decoded, from an n8n without raw bytes',
				{ parsed: TEXT, raw: undefined, contentType: 'text/plain' },
				MESSAGE,
			],
		])('%s', (_case, body, expected) => {
			expect(readRequestBody(body)).toEqual({ ok: true, value: expected });
		});

		it("should take n8n's parsed object for application/json without reading the bytes again", () => {
			const parsed = { already: 'parsed' };
			expect(
				readRequestBody({ parsed, raw: utf8('{"other":1}'), contentType: 'application/json' }),
			).toEqual({
				ok: true,
				value: parsed,
			});
		});

		it("should read the bytes when n8n's object did not come from JSON", () => {
			// A form body: n8n's querystring object is not the message.
			const raw = utf8('{"a":"b=c&d"}');
			const body = wire('application/x-www-form-urlencoded', raw);
			expect(body.parsed).not.toEqual({ a: 'b=c&d' });
			expect(readRequestBody(body)).toEqual({ ok: true, value: { a: 'b=c&d' } });
		});
	});

	describe('bytes that are not JSON get an answer naming the content type received and the one expected', () => {
		const CONTENT = 'not-a-message-9f2c';

		it.each<[string, WireBody, 400 | 415, RegExp, string | null]>([
			['an empty body', wire(undefined, Buffer.alloc(0)), 400, /^The body is empty/, null],
			[
				'an empty application/json body',
				{ parsed: {}, raw: Buffer.alloc(0), contentType: 'application/json' },
				400,
				/^The body is empty/,
				'application/json',
			],
			['only spaces', wire('text/plain', utf8('  \n ')), 400, /^The body is empty/, 'text/plain'],
			[
				'no body at all',
				{ parsed: undefined, raw: undefined, contentType: undefined },
				400,
				/^The body is empty/,
				null,
			],
			[
				'text that is not JSON, no Content-Type',
				wire(undefined, utf8(`{${CONTENT}`)),
				400,
				/^The body is not valid JSON \(syntax error at character \d+\)/,
				null,
			],
			[
				'text/plain that is not JSON',
				wire('text/plain', utf8(CONTENT)),
				400,
				/^The body is not valid JSON/,
				'text/plain',
			],
			[
				'application/vnd.okta+json that is not JSON',
				wire('application/vnd.okta+json', utf8(CONTENT)),
				400,
				/^The body is not valid JSON/,
				'application/vnd.okta+json',
			],
			[
				'a real form',
				wire('application/x-www-form-urlencoded', utf8(`id=${CONTENT}&type=issue.created`)),
				415,
				/^A application\/x-www-form-urlencoded body is not read as an ISPM message: send the message as JSON/,
				'application/x-www-form-urlencoded',
			],
			[
				'XML',
				wire('application/xml', utf8(`<m>${CONTENT}</m>`)),
				415,
				/^A application\/xml body is not read/,
				'application/xml',
			],
			[
				'multipart/form-data (n8n consumed the bytes)',
				{
					parsed: { data: { message: TEXT } },
					raw: undefined,
					contentType: 'multipart/form-data; boundary=x',
				},
				415,
				/^A multipart\/form-data body cannot be read as an ISPM message/,
				'multipart/form-data; boundary=x',
			],
			[
				'an unknown charset over non-ASCII bytes',
				wire('application/json-ish; charset=x-unknown', bytes(utf8('{"a":"'), [0xe9], utf8('"}'))),
				415,
				/^The body's charset "x-unknown" cannot be read/,
				'application/json-ish; charset=x-unknown',
			],
			[
				'bytes that are not UTF-8 without a declared charset (Latin-1 sent as if UTF-8)',
				wire(undefined, Buffer.from(JSON.stringify(LATIN1_MESSAGE), 'latin1')),
				400,
				/^The body is not valid UTF-8 text/,
				null,
			],
			[
				'GZIP spelled in capitals, which n8n does not undo',
				wire(undefined, gzipSync(utf8(TEXT)), { contentEncoding: 'GZIP' }),
				415,
				/^The body's Content-Encoding "GZIP" cannot be read/,
				null,
			],
			[
				'brotli, which n8n does not undo',
				wire('application/json-ish', brotliCompressSync(utf8(TEXT)), { contentEncoding: 'br' }),
				415,
				/^The body's Content-Encoding "br" cannot be read/,
				'application/json-ish',
			],
		])('%s', (_case, body, status, message, received) => {
			const reading = readRequestBody(body);
			expect(reading).toEqual({
				ok: false,
				status,
				error: expect.stringMatching(message),
				contentType: received,
				expected: EXPECTED_CONTENT_TYPE,
			});
			if (reading.ok) return;
			expect(reading.error).toContain(
				`(Content-Type received: ${received === null ? 'none' : `"${received}"`}; expected: application/json, UTF-8)`,
			);
			expect(reading.error).not.toContain(CONTENT);
		});

		it('should quote at most 100 characters of a Content-Type', () => {
			const long = `text/x-${'a'.repeat(300)}`;
			const reading = readRequestBody(wire(long, utf8('nope')));
			expect(reading.ok).toBe(false);
			if (!reading.ok) expect(reading.contentType).toHaveLength(100);
		});
	});
});

describe('readWebhookBody', () => {
	/** n8n's request: `readRawBody()` fills `rawBody`, or fails as raw-body does. */
	function request(
		headers: WebhookRequest['headers'],
		raw: Buffer,
		options: { body?: unknown; alreadyRead?: boolean; failWith?: object } = {},
	) {
		const calls = { read: 0 };
		const req: WebhookRequest = {
			headers,
			body: options.body,
			rawBody: options.alreadyRead ? raw : undefined,
			async readRawBody() {
				calls.read += 1;
				if (options.failWith) throw Object.assign(new Error('raw-body failed'), options.failWith);
				req.rawBody = raw;
			},
		};
		return { req, calls };
	}

	it('should read the bytes n8n did not read (typeVersion 1.1, no Content-Type)', async () => {
		const { req, calls } = request({}, utf8(TEXT));
		expect(await readWebhookBody(req)).toEqual({ ok: true, value: MESSAGE });
		expect(calls.read).toBe(1);
	});

	it('should use the bytes n8n already read, and its parsed JSON', async () => {
		const { req, calls } = request({ 'content-type': 'application/json' }, utf8(TEXT), {
			body: MESSAGE,
			alreadyRead: true,
		});
		expect(await readWebhookBody(req)).toEqual({ ok: true, value: MESSAGE });
		expect(calls.read).toBe(0);
	});

	it('should not try to read a multipart body, which n8n consumed', async () => {
		const { req, calls } = request(
			{ 'content-type': 'multipart/form-data; boundary=x' },
			utf8(TEXT),
			{
				body: { data: {} },
			},
		);
		expect(await readWebhookBody(req)).toMatchObject({ ok: false, status: 415 });
		expect(calls.read).toBe(0);
	});

	it("should answer 413 to a body over n8n's limit, and 400 to one that could not be read", async () => {
		const tooLarge = request({}, utf8(TEXT), {
			failWith: { type: 'entity.too.large', status: 413 },
		});
		expect(await readWebhookBody(tooLarge.req)).toMatchObject({
			ok: false,
			status: 413,
			error: expect.stringMatching(/N8N_PAYLOAD_SIZE_MAX/),
		});
		const aborted = request({ 'content-encoding': 'gzip' }, utf8(TEXT), {
			failWith: { code: 'Z_DATA_ERROR' },
		});
		expect(await readWebhookBody(aborted.req)).toMatchObject({
			ok: false,
			status: 400,
			error: expect.stringMatching(/^The body could not be read as sent/),
		});
	});
});
