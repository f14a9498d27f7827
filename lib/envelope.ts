/**
 * The ISPM event hook message ("envelope"): its schema, its types, and how to build one.
 * Both nodes and the tests use this module; nothing else defines what an ISPM message is.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

import { DEFAULT_SOURCE, ISSUE_CREATED } from './issueTypes';

/** Types are named in messages so that a person reading a 400 knows what to send instead. */
const text = (what = 'a string') => z.string({ invalid_type_error: `expected ${what}` });
const required = () =>
	z
		.string({ required_error: 'is required', invalid_type_error: 'expected a string' })
		.min(1, { message: 'must not be empty' });
/** Optional descriptive fields: ISPM fills only what matters for an issue, so `null` counts as absent. */
const optionalText = () => text().nullish();
const object = <T extends z.ZodRawShape>(shape: T, what = 'an object') =>
	z
		.object(shape, { invalid_type_error: `expected ${what}`, required_error: 'is required' })
		.passthrough();

const unrotatedTokenSchema = object({
	type: optionalText(),
	methodName: optionalText(),
	createdAt: optionalText(),
	lastUsed: optionalText(),
	lastRotated: optionalText(),
	nextRotation: optionalText(),
	expires: optionalText(),
});

const accountTypeSchema = z.union(
	[text(), object({ type: text(), reasons: z.array(text()).nullish() })],
	{ errorMap: () => ({ message: 'expected a string or an object { type, reasons }' }) },
);

/**
 * `additionalData` is one object whatever the entity: ISPM always sends it and fills only the fields of
 * the entity's shape (Account: username, types, lastLogin, unrotatedTokens; User: activeAccounts;
 * OAuth grant: clientApp, resourceApp).
 */
export const additionalDataSchema = object({
	username: optionalText(),
	types: z.array(accountTypeSchema, { invalid_type_error: 'expected an array' }).nullish(),
	lastLogin: optionalText(),
	unrotatedTokens: z
		.array(unrotatedTokenSchema, { invalid_type_error: 'expected an array' })
		.nullish(),
	activeAccounts: z
		.array(object({}), { invalid_type_error: 'expected an array of objects' })
		.nullish(),
	clientApp: object({}).nullish(),
	resourceApp: object({}).nullish(),
});

export const affectedEntitySchema = object({
	id: optionalText(),
	type: optionalText(),
	displayName: optionalText(),
	/** The field reference's name; Okta's Workflows templates read `idInService`: both are accepted. */
	identifierInService: optionalText(),
	idInService: optionalText(),
	sourceProductName: optionalText(),
	sourceProductTenant: optionalText(),
	additionalData: additionalDataSchema.nullish(),
});

export const eventDataSchema = object({
	id: required(),
	title: required(),
	category: optionalText(),
	severity: optionalText(),
	fullDescription: optionalText(),
	shortDescription: optionalText(),
	detectedAt: optionalText(),
	suggestedRemediation: optionalText(),
	riskAndImpact: optionalText(),
	frameworks: z.array(text(), { invalid_type_error: 'expected an array of strings' }).nullish(),
	link: optionalText(),
	affectedEntity: affectedEntitySchema.nullish(),
});

export const envelopeSchema = object(
	{
		id: required(),
		timestamp: required().pipe(
			z.string().datetime({ offset: true, message: 'expected an ISO-8601 date-time' }),
		),
		source: optionalText(),
		type: required(),
		eventData: object(eventDataSchema.shape),
	},
	'a JSON object (the ISPM message)',
);

export type IspmEnvelope = z.infer<typeof envelopeSchema>;
export type IspmEventData = z.infer<typeof eventDataSchema>;
export type IspmAffectedEntity = z.infer<typeof affectedEntitySchema>;

export interface ValidationProblem {
	/** Dotted path from the envelope (or eventData) root, e.g. `eventData.frameworks[1]`. */
	path: string;
	message: string;
}

export type ValidationResult<T> =
	| { ok: true; value: T }
	| { ok: false; problems: ValidationProblem[] };

function describeReceived(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'array';
	return typeof value;
}

function formatPath(prefix: string, path: Array<string | number>): string {
	return path.reduce<string>(
		(out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part),
		prefix,
	);
}

function valueAt(root: unknown, path: Array<string | number>): unknown {
	let value = root;
	for (const part of path) {
		if (value === null || typeof value !== 'object') return undefined;
		value = (value as Record<string | number, unknown>)[part];
	}
	return value;
}

function toProblems(error: z.ZodError, input: unknown, prefix: string): ValidationProblem[] {
	return error.issues.map((issue) => {
		let message = issue.message;
		// "got …" is added from the input itself: it names a type, never echoes a value.
		if (issue.code === 'invalid_type' && issue.received !== 'undefined') {
			message = `${message}, got ${describeReceived(valueAt(input, issue.path))}`;
		}
		return { path: formatPath(prefix, issue.path) || '(message)', message };
	});
}

function validate<T>(schema: z.ZodType<T>, input: unknown, prefix: string): ValidationResult<T> {
	const result = schema.safeParse(input);
	return result.success
		? { ok: true, value: result.data }
		: { ok: false, problems: toProblems(result.error, input, prefix) };
}

/** Validates a whole ISPM message as received on the wire. */
export function validateEnvelope(input: unknown): ValidationResult<IspmEnvelope> {
	return validate(envelopeSchema, input, '');
}

/** Validates an issue (`eventData`); problem paths start with `eventData.`. */
export function validateEventData(input: unknown): ValidationResult<IspmEventData> {
	return validate(eventDataSchema, input, 'eventData');
}

/** One line per problem, e.g. `eventData.frameworks: expected an array of strings, got string`. */
export function formatProblems(problems: ValidationProblem[]): string {
	return problems.map((problem) => `${problem.path}: ${problem.message}`).join('\n');
}

export class EnvelopeValidationError extends Error {
	constructor(readonly problems: ValidationProblem[]) {
		super(`Invalid ISPM message:\n${formatProblems(problems)}`);
		this.name = 'EnvelopeValidationError';
	}
}

export interface BuildEnvelopeOptions {
	/** Default `Okta ISPM`. */
	source?: string;
	/** Default `issue.created`. */
	type?: string;
	/** The clock, for tests; default now. */
	now?: Date;
}

/** ISO-8601 UTC to the second with `Z`, as ISPM writes it: `2024-06-09T14:56:58Z`. */
export function isoTimestamp(date: Date = new Date()): string {
	return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Wraps an issue in a new envelope with a fresh UUID v4 `id`. Throws `EnvelopeValidationError` naming every
 * invalid field when `eventData` is not a valid ISPM issue. Unknown fields of `eventData` are kept.
 */
export function buildEnvelope(
	eventData: unknown,
	options: BuildEnvelopeOptions = {},
): IspmEnvelope {
	const checked = validateEventData(eventData);
	if (!checked.ok) throw new EnvelopeValidationError(checked.problems);
	return {
		id: randomUUID(),
		timestamp: isoTimestamp(options.now),
		source: options.source || DEFAULT_SOURCE,
		type: options.type || ISSUE_CREATED,
		eventData: checked.value,
	};
}

/** The issue in ISPM's "Test connection" message (a real-looking issue, not marked as a test). */
export const TEST_MESSAGE_EVENT_DATA: IspmEventData = Object.freeze({
	id: 'Alert_V32uL3CHijlQYHq-uqTkqWOXSJ8~',
	category: 'Least Privilege',
	severity: 'High',
	title: 'Unused Admin Account',
	fullDescription: 'Admin Accounts not logged in interactively for 91 days.',
	shortDescription: 'Admin Accounts not logged in interactively for 91 days.',
	detectedAt: '2024-06-18',
	suggestedRemediation:
		'Assess the essentiality of listed accounts; disable or suspend as necessary.',
	riskAndImpact:
		'Unused, unmonitored accounts attract threat actors for gaining initial access or elevated permissions.',
	frameworks: ['SOX', 'PCI-DSS v4.0'],
	link: 'https://{your-ISPM-url}/issues/Alert_V32uL3CHijlQYHq-uqTkqWOXSJ8~',
	affectedEntity: {
		id: 'Account_Q1SMRm3vfzomaZwevHIoL9kVhWU~',
		type: 'Account',
		displayName: 'john.smith@okta.com',
		sourceProductName: 'Okta',
		sourceProductTenant: 'example.okta.com',
		additionalData: { types: ['Admin'], lastLogin: '03/28/2024' },
	},
});

/** ISPM's "Test connection" message with a fresh `id` and `timestamp`. */
export function buildTestMessage(now?: Date): IspmEnvelope {
	return buildEnvelope(JSON.parse(JSON.stringify(TEST_MESSAGE_EVENT_DATA)), { now });
}
