/**
 * The ISPM message as the sender put it on the wire. n8n parses a webhook's body only for some content
 * types, and for a trigger of typeVersion > 1 only when the content type is JSON, text, a form or XML
 * (n8n 2.40.7: `parseRequestBody` in dist/webhooks/webhook-helpers.js, `parseBody` in
 * dist/middlewares/body-parser.js; measured in test/e2e/08-bodies.test.ts): a message sent
 * without a Content-Type, or as a form (`curl -d`), reaches the node unparsed or as a form object. So
 * unless n8n parsed the body as JSON, it is read from its bytes: decoded by its charset, without a
 * byte-order mark, and parsed as JSON, whatever the content type claims. Only bytes that are not JSON
 * are refused, with an answer that names the content type received and the one expected.
 */

/** What the trigger asks senders for. */
export const EXPECTED_CONTENT_TYPE = 'application/json';

/** How long a quoted Content-Type may be in an answer: the header is the sender's, but unbounded. */
const MAX_QUOTED_CONTENT_TYPE_CHARS = 100;

export interface WireBody {
	/** What n8n made of the body (`getBodyData()`): a parsed object only for exactly `application/json`. */
	parsed: unknown;
	/**
	 * The body's bytes (`req.rawBody`, after n8n undid a gzip or deflate Content-Encoding); `undefined`
	 * when they are not available (a multipart body, which n8n's form parser consumed).
	 */
	raw: Uint8Array | undefined;
	/** The Content-Type header as sent. */
	contentType: string | undefined;
	/** The Content-Encoding header as sent. */
	contentEncoding?: string | undefined;
}

export type BodyReading =
	| { ok: true; value: unknown }
	| {
			ok: false;
			/**
			 * 415: a content type, charset or encoding the trigger cannot read; 400: bytes that are not JSON;
			 * 413: more bytes than n8n accepts.
			 */
			status: 400 | 413 | 415;
			error: string;
			/** The Content-Type received (shortened), `null` when there was none. */
			contentType: string | null;
			expected: typeof EXPECTED_CONTENT_TYPE;
	  };

interface MediaType {
	/** Lower-case `type/subtype`, `''` without a Content-Type. */
	type: string;
	/** Lower-case charset label without quotes, `undefined` when not declared. */
	charset: string | undefined;
}

/** RFC 9110 §8.3.1: `type/subtype *( ";" name=value )`, the value possibly quoted. */
export function parseMediaType(header: string | undefined): MediaType {
	const [type = '', ...parameters] = (header ?? '').split(';');
	let charset: string | undefined;
	for (const parameter of parameters) {
		const equalsAt = parameter.indexOf('=');
		if (equalsAt === -1 || parameter.slice(0, equalsAt).trim().toLowerCase() !== 'charset')
			continue;
		const value = parameter
			.slice(equalsAt + 1)
			.trim()
			.replace(/^"(.*)"$/, '$1')
			.trim();
		if (value) charset = value.toLowerCase();
	}
	return { type: type.trim().toLowerCase(), charset };
}

/** Content types that declare JSON or plain text, or declare nothing: bytes there are meant to be read. */
function declaresJsonOrText(type: string): boolean {
	return (
		type === '' ||
		type === 'application/json' ||
		type === 'text/json' ||
		type.endsWith('+json') ||
		type === 'text/plain'
	);
}

/**
 * Whether the bytes arrive as the sender meant them: n8n's raw-body reader undoes exactly `gzip` and
 * `deflate` (spelled so); any other coding (`br`, `x-gzip`, `GZIP`, `gzip, gzip`) arrives still encoded.
 */
function encodingIsReadable(contentEncoding: string | undefined): boolean {
	const encoding = (contentEncoding ?? '').trim();
	return (
		encoding === '' ||
		encoding.toLowerCase() === 'identity' ||
		encoding === 'gzip' ||
		encoding === 'deflate'
	);
}

interface Decoded {
	text: string;
	/** The encoding actually used, for messages. */
	encoding: string;
}

type Decoding = Decoded | { unsupported: string } | { invalid: string };

const UTF8_BOM = [0xef, 0xbb, 0xbf];

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
	return prefix.every((byte, index) => bytes[index] === byte);
}

/**
 * UTF-16 without a byte-order mark: JSON starts with an ASCII character, so the zero byte of the first
 * code unit gives the byte order (RFC 4627 §3); big-endian when it does not tell (RFC 2781 §4.3).
 */
function utf16Order(bytes: Uint8Array): 'utf-16le' | 'utf-16be' {
	return bytes.length >= 2 && bytes[0] !== 0 && bytes[1] === 0 ? 'utf-16le' : 'utf-16be';
}

function decodeAs(bytes: Uint8Array, encoding: string): Decoding {
	let decoder: InstanceType<typeof TextDecoder>;
	try {
		decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: true });
	} catch {
		return { unsupported: encoding };
	}
	try {
		return { text: decoder.decode(bytes), encoding: decoder.encoding };
	} catch {
		return { invalid: decoder.encoding };
	}
}

/**
 * The text of the bytes. A byte-order mark decides the encoding and is dropped (as the WHATWG Encoding
 * standard decodes); otherwise the declared charset does, UTF-8 by default. Without a declared charset,
 * bytes that can only be UTF-16 JSON (a zero byte in the first code unit) are read as UTF-16.
 */
function decode(bytes: Uint8Array, charset: string | undefined): Decoding {
	if (startsWith(bytes, UTF8_BOM)) return decodeAs(bytes.subarray(3), 'utf-8');
	if (startsWith(bytes, [0xfe, 0xff])) return decodeAs(bytes.subarray(2), 'utf-16be');
	if (startsWith(bytes, [0xff, 0xfe])) return decodeAs(bytes.subarray(2), 'utf-16le');
	if (charset === undefined) {
		const looksUtf16 = bytes.length >= 2 && (bytes[0] === 0) !== (bytes[1] === 0);
		return decodeAs(bytes, looksUtf16 ? utf16Order(bytes) : 'utf-8');
	}
	// The WHATWG label "utf-16" means little-endian; in a MIME charset it means "either, BOM or big-endian".
	if (charset === 'utf-16') return decodeAs(bytes, utf16Order(bytes));
	const decoded = decodeAs(bytes, charset);
	// Bytes that are all ASCII read the same in every charset a sender could mean by an unknown label.
	if ('unsupported' in decoded && bytes.every((byte) => byte < 0x80))
		return decodeAs(bytes, 'utf-8');
	return decoded;
}

/** The position V8 reports for a JSON syntax error, without quoting any of the body back. */
function syntaxErrorPosition(error: unknown): string {
	const match = /position (\d+)/.exec(error instanceof Error ? error.message : '');
	return match ? ` (syntax error at character ${match[1]})` : '';
}

function isObject(value: unknown): boolean {
	return value !== null && typeof value === 'object' && !(value instanceof Uint8Array);
}

/** An answer that names the content type received (shortened; `null` when none) and the one expected. */
function refusal(
	status: 400 | 413 | 415,
	problem: string,
	contentType: string | undefined,
): BodyReading {
	const received =
		contentType === undefined || contentType.trim() === ''
			? null
			: contentType.trim().slice(0, MAX_QUOTED_CONTENT_TYPE_CHARS);
	return {
		ok: false,
		status,
		error: `${problem} (Content-Type received: ${received === null ? 'none' : `"${received}"`}; expected: ${EXPECTED_CONTENT_TYPE}, UTF-8)`,
		contentType: received,
		expected: EXPECTED_CONTENT_TYPE,
	};
}

/**
 * Reads the message from a webhook request's body: n8n's parsed object when n8n parsed it from JSON,
 * otherwise the bytes. Any JSON value is returned (`ok`), an array or a number too: whether it is an ISPM
 * message is for the envelope's validation to say.
 */
export function readRequestBody(body: WireBody): BodyReading {
	const media = parseMediaType(body.contentType);
	// n8n JSON-parses exactly `application/json` (its charset applied), and only a non-empty body.
	if (
		media.type === 'application/json' &&
		isObject(body.parsed) &&
		(body.raw === undefined || body.raw.length > 0)
	) {
		return { ok: true, value: body.parsed };
	}

	const fail = (status: 400 | 415, problem: string) => refusal(status, problem, body.contentType);
	const unreadableEncoding = () =>
		fail(
			415,
			`The body's Content-Encoding "${(body.contentEncoding ?? '').trim().slice(0, 40)}" cannot be read: send it uncompressed, or gzip or deflate`,
		);

	const parse = (text: string): BodyReading => {
		const withoutBom = text.replace(/^\uFEFF/, '');
		if (withoutBom.trim() === '')
			return fail(400, 'The body is empty: send the ISPM message as JSON');
		try {
			return { ok: true, value: JSON.parse(withoutBom) as unknown };
		} catch (error) {
			if (!encodingIsReadable(body.contentEncoding)) return unreadableEncoding();
			if (!declaresJsonOrText(media.type)) {
				return fail(
					415,
					`A ${media.type} body is not read as an ISPM message: send the message as JSON`,
				);
			}
			return fail(400, `The body is not valid JSON${syntaxErrorPosition(error)}`);
		}
	};

	if (body.raw === undefined) {
		// Without the bytes, text n8n decoded is the best there is (an n8n without `rawBody`).
		if (typeof body.parsed === 'string') return parse(body.parsed);
		if (body.parsed === undefined || body.parsed === null) return parse('');
		return fail(
			415,
			`${media.type ? `A ${media.type}` : 'This'} body cannot be read as an ISPM message: send the message as JSON`,
		);
	}

	const decoded = decode(body.raw, media.charset);
	if ('unsupported' in decoded) {
		if (!encodingIsReadable(body.contentEncoding)) return unreadableEncoding();
		return fail(415, `The body's charset "${(media.charset ?? '').slice(0, 40)}" cannot be read`);
	}
	if ('invalid' in decoded) {
		if (!encodingIsReadable(body.contentEncoding)) return unreadableEncoding();
		return fail(
			declaresJsonOrText(media.type) ? 400 : 415,
			`The body is not valid ${decoded.invalid.toUpperCase()} text`,
		);
	}
	return parse(decoded.text);
}

/** The parts of n8n's webhook request (Express' `req`, extended by n8n's raw-body reader) read here. */
export interface WebhookRequest {
	headers: Record<string, string | string[] | undefined>;
	/** What n8n parsed (`getBodyData()` returns it). */
	body?: unknown;
	/** Set once n8n (or `readRawBody`) has read the body. */
	rawBody?: Uint8Array;
	/** n8n's reader: reads the body once (undoing gzip / deflate) into `rawBody`. */
	readRawBody?: () => Promise<void>;
}

function header(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value.join(', ') : value;
}

/** raw-body's error for a body over n8n's limit (`N8N_PAYLOAD_SIZE_MAX`). */
function isTooLarge(error: unknown): boolean {
	const { type, status } = (error ?? {}) as { type?: unknown; status?: unknown };
	return type === 'entity.too.large' || status === 413;
}

/**
 * `readRequestBody` over n8n's request: the bytes are read here when n8n did not read them (a trigger of
 * typeVersion 1.1 and a content type n8n does not parse). A multipart body is not read: n8n's form parser
 * has consumed it. Call it only for an authenticated request.
 */
export async function readWebhookBody(request: WebhookRequest): Promise<BodyReading> {
	const contentType = header(request.headers['content-type']);
	const contentEncoding = header(request.headers['content-encoding']);
	const multipart = parseMediaType(contentType).type.startsWith('multipart/');
	if (request.rawBody === undefined && !multipart && request.readRawBody) {
		try {
			await request.readRawBody();
		} catch (error) {
			return isTooLarge(error)
				? refusal(
						413,
						'The body is larger than this n8n accepts (its N8N_PAYLOAD_SIZE_MAX setting)',
						contentType,
					)
				: refusal(
						400,
						'The body could not be read as sent (the request was cut short, or its gzip or deflate encoding is corrupt)',
						contentType,
					);
		}
	}
	return readRequestBody({
		parsed: request.body,
		raw: multipart ? undefined : request.rawBody,
		contentType,
		contentEncoding,
	});
}
