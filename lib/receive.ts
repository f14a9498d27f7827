/**
 * What the ISPM Issue Trigger answers to one delivery, decided from plain data: the request, the
 * credential, the user's filter and the trigger's memory. The node only reads the request and writes the
 * answer. Order matters: nothing about the message is looked at (its body is not even read) before the
 * caller is authenticated, and the memory is asked only about an issue that would start the workflow (a
 * rejected or ignored delivery never touches it, nor Redis).
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
import {
	claimIssue,
	IssueMemoryConfigError,
	IssueMemoryUnreachableError,
	type IssueClaim,
	type IssueStore,
} from './issueMemory';
import type { BodyReading } from './requestBody';

export interface Delivery extends IncomingParameters {
	/** The message as the sender put it on the wire (lib/requestBody.ts); read only once authenticated. */
	readBody: () => Promise<BodyReading>;
}

/**
 * "If Redis Is Unreachable": `accept` answers accepted without de-duplication (at least once), `reject`
 * answers 503 so that the sender retries, remembering nothing.
 */
export type UnreachableMemoryPolicy = 'accept' | 'reject';

export interface MemorySettings {
	/** The trigger's store; opened only for an issue that would start the workflow. */
	open: () => Promise<IssueStore>;
	whenUnreachable: UnreachableMemoryPolicy;
	/** n8n's `sleep`, for waiting on a copy of the issue that another delivery is starting. */
	sleep: (ms: number) => Promise<void>;
}

export interface ReceiveSettings {
	location: KeyLocation;
	credential: IspmApiKeyCredential;
	filter: IssueFilter;
	/** `undefined` for test runs in the editor, which accept every issue and remember nothing. */
	memory: MemorySettings | undefined;
}

/**
 * How an accepted issue was checked against the memory: `checked`; `unchecked` when the memory could not
 * be asked and the policy is `accept`; `off` for test runs.
 */
export type Deduplication = 'checked' | 'unchecked' | 'off';

export interface AcceptedOutcome {
	status: 200;
	body: { status: 'accepted'; issueId: string; eventId: string };
	envelope: IspmEnvelope;
	/** Held until n8n has created the execution: confirm then, release if n8n could not. */
	claim?: IssueClaim;
	deduplication: Deduplication;
	/** Why de-duplication was not checked (`unchecked`): for n8n's log and the execution. */
	memoryProblem?: string;
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
			status: 409;
			body: { status: 'in_progress'; issueId: string; message: string };
			headers: { 'retry-after': string };
	  }
	| { status: 503; body: { error: string; issueId: string }; headers: { 'retry-after': string } }
	| AcceptedOutcome;

export const UNAUTHORIZED_MESSAGE =
	'Unauthorized: the API key or a required parameter is missing or wrong';

/** Retry-After for a 503 while the memory is unreachable, in seconds. */
export const UNREACHABLE_RETRY_AFTER_SECONDS = 5;

/** The issue a message that failed validation names, for the trace (never a secret: the sender's data). */
function issueIdIn(message: unknown): string | undefined {
	const eventData = (message as { eventData?: { id?: unknown } } | null)?.eventData;
	return typeof eventData?.id === 'string' ? eventData.id : undefined;
}

const notConfigured = (reason: string): ReceiveOutcome => ({
	status: 500,
	body: { error: `The ISPM Issue Trigger is not configured: ${reason}` },
});

/**
 * Confirms the claim of an accepted delivery once n8n has answered it with success, which n8n 2.x does only
 * after it has created (regular mode) or enqueued (queue mode) the execution; releases it when n8n answered
 * with an error (it could not), so that the sender's retry is accepted. If the sender hangs up first, the
 * claim waits for the execution's own confirmation or its lease. `response` is the HTTP response n8n
 * writes (Express' `res`).
 */
export function settleWhenAnswered(
	response: { once(event: 'finish', listener: () => void): unknown; statusCode: number },
	claim: IssueClaim,
	onError: (error: unknown) => void,
): void {
	response.once('finish', () => {
		const settled = response.statusCode < 300 ? claim.confirm() : claim.release();
		settled.catch(onError);
	});
}

export async function receiveDelivery(
	delivery: Delivery,
	settings: ReceiveSettings,
): Promise<ReceiveOutcome> {
	let required: Array<[string, string]>;
	try {
		required = requiredParameters(settings.credential, settings.location);
	} catch (error) {
		return notConfigured(
			error instanceof CredentialConfigError ? error.message : 'its credential is unreadable',
		);
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
	const accepted = (rest: Pick<AcceptedOutcome, 'claim' | 'deduplication' | 'memoryProblem'>) => ({
		status: 200 as const,
		body: { status: 'accepted' as const, issueId, eventId: envelope.id },
		envelope,
		...rest,
	});
	if (!settings.memory) return accepted({ deduplication: 'off' });

	const { memory } = settings;
	try {
		const outcome = await claimIssue(await memory.open(), issueId, memory.sleep);
		if (outcome.state === 'seen') return { status: 200, body: { status: 'duplicate', issueId } };
		if (outcome.state === 'new')
			return accepted({ claim: outcome.claim, deduplication: 'checked' });
		const seconds = Math.max(1, Math.ceil(outcome.retryAfterMs / 1000));
		return {
			status: 409,
			body: {
				status: 'in_progress',
				issueId,
				message: `Another delivery of this issue is being started; retry in ${seconds} s`,
			},
			headers: { 'retry-after': String(seconds) },
		};
	} catch (error) {
		if (error instanceof IssueMemoryConfigError) return notConfigured(error.message);
		if (!(error instanceof IssueMemoryUnreachableError)) {
			return notConfigured('its issue memory could not be opened (check its Redis credential)');
		}
		if (memory.whenUnreachable === 'accept') {
			return accepted({ deduplication: 'unchecked', memoryProblem: error.message });
		}
		return {
			status: 503,
			body: {
				error:
					'The issue memory is unreachable, so this issue cannot be checked for duplicates; nothing was started: retry later',
				issueId,
			},
			headers: { 'retry-after': String(UNREACHABLE_RETRY_AFTER_SECONDS) },
		};
	}
}
