/**
 * What the ISPM Issue Trigger answers to one delivery, decided from plain data: the request, the
 * credential, the user's filter and the trigger's memory. The node only reads the request and writes the
 * answer. Order matters: nothing about the message is looked at (its body is not even read) before the
 * caller is authenticated, and nothing is remembered unless the issue would start the workflow.
 */
import {
	CredentialConfigError,
	matchesApiKey,
	requiredParameters,
	type IncomingParameters,
	type IspmApiKeyCredential,
	type KeyLocation,
} from './apiKeyAuth';
import { validateEnvelope, type IspmEnvelope, type ValidationProblem } from './envelope';
import { decide, type IssueFilter } from './issueFilter';
import type { IssueMemory } from './issueMemory';
import type { BodyReading } from './requestBody';

export interface Delivery extends IncomingParameters {
	/** The message as the sender put it on the wire (lib/requestBody.ts); read only once authenticated. */
	readBody: () => Promise<BodyReading>;
}

export interface ReceiveSettings {
	location: KeyLocation;
	credential: IspmApiKeyCredential;
	filter: IssueFilter;
	/**
	 * The trigger's memory, asked for only when an issue would start the workflow (so a rejected or
	 * ignored delivery never touches it); `undefined` for test runs in the editor, which accept every
	 * issue and remember nothing.
	 */
	memory: (() => IssueMemory) | undefined;
}

export type ReceiveOutcome =
	| { status: 401; body: { error: string } }
	| { status: 500; body: { error: string } }
	| { status: 400; body: { error: string; problems: ValidationProblem[] }; issueId?: string }
	| {
			status: 400 | 413 | 415;
			body: { error: string; contentType: string | null; expected: string };
	  }
	| { status: 200; body: { status: 'ignored'; reason: string }; issueId: string }
	| { status: 200; body: { status: 'duplicate'; issueId: string } }
	| {
			status: 200;
			body: { status: 'accepted'; issueId: string; eventId: string };
			envelope: IspmEnvelope;
	  };

export const UNAUTHORIZED_MESSAGE =
	'Unauthorized: the API key or a required parameter is missing or wrong';

/** The issue a message that failed validation names, for the trace (never a secret: the sender's data). */
function issueIdIn(message: unknown): string | undefined {
	const eventData = (message as { eventData?: { id?: unknown } } | null)?.eventData;
	return typeof eventData?.id === 'string' ? eventData.id : undefined;
}

export async function receiveDelivery(
	delivery: Delivery,
	settings: ReceiveSettings,
): Promise<ReceiveOutcome> {
	let required: Array<[string, string]>;
	try {
		required = requiredParameters(settings.credential, settings.location);
	} catch (error) {
		const reason =
			error instanceof CredentialConfigError ? error.message : 'its credential is unreadable';
		return { status: 500, body: { error: `The ISPM Issue Trigger is not configured: ${reason}` } };
	}
	if (!matchesApiKey(settings.location, required, delivery)) {
		return { status: 401, body: { error: UNAUTHORIZED_MESSAGE } };
	}

	const reading = await delivery.readBody();
	if (!reading.ok) {
		const { error, contentType, expected } = reading;
		return { status: reading.status, body: { error, contentType, expected } };
	}
	const checked = validateEnvelope(reading.value);
	if (!checked.ok) {
		return {
			status: 400,
			body: {
				error: 'The body is not a valid ISPM event hook message',
				problems: checked.problems,
			},
			issueId: issueIdIn(reading.value),
		};
	}
	const envelope = checked.value;

	const decision = decide(settings.filter, envelope);
	if (!decision.pass) {
		return {
			status: 200,
			body: { status: 'ignored', reason: decision.reason },
			issueId: envelope.eventData.id,
		};
	}

	const issueId = envelope.eventData.id;
	if (settings.memory && !settings.memory().claim(issueId)) {
		return { status: 200, body: { status: 'duplicate', issueId } };
	}
	return { status: 200, body: { status: 'accepted', issueId, eventId: envelope.id }, envelope };
}
