/**
 * The ISPM Event Hook's execution: every item is prepared (options, eventData, envelope) before anything
 * is sent, then the envelopes go out with bounded concurrency. Output order equals input order.
 */
import {
	NodeApiError,
	NodeOperationError,
	sleep,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type JsonObject,
} from 'n8n-workflow';

import {
	requiredParameters,
	secretValues,
	type IspmApiKeyCredential,
	type KeyLocation,
} from '../../lib/apiKeyAuth';
import { checkWebhookUrl } from '../../lib/connectionTest';
import {
	deliverEnvelope,
	DeliveryError,
	mapWithConcurrency,
	validateDeliveryOptions,
	type DeliveryOptions,
	type DeliveryOutcome,
} from '../../lib/delivery';
import {
	buildEnvelope,
	EnvelopeValidationError,
	TEST_MESSAGE_EVENT_DATA,
	type IspmEnvelope,
} from '../../lib/envelope';
import { redactDeep } from '../../lib/redact';
import { readEventData } from './fields';
import { authenticatedSend } from '../shared/transport';

export const CREDENTIAL_TYPES: Record<string, string> = {
	headerAuth: 'ispmHeaderAuthApi',
	queryAuth: 'ispmQueryAuthApi',
};

interface Prepared {
	envelope: IspmEnvelope;
	options: DeliveryOptions;
}

/** A problem found before sending; `message` and `description` are already free of secrets. */
class PreparationError extends Error {
	constructor(
		message: string,
		readonly description?: string,
	) {
		super(message);
	}
}

function toPreparationError(
	error: unknown,
	itemIndex: number,
	secrets: string[],
): PreparationError {
	if (error instanceof EnvelopeValidationError) {
		const paths = error.problems.map((problem) => `${problem.path}: ${problem.message}`);
		return new PreparationError(
			`Invalid eventData in item ${itemIndex}: ${paths.join('; ')}`,
			'Nothing was sent. Fix the fields named above; in JSON mode pass the issue itself, e.g. {{ $json.eventData }} for what the ISPM Issue Trigger received.',
		);
	}
	const message = error instanceof Error ? error.message : String(error);
	return new PreparationError(redactDeep(message, secrets));
}

function prepare(
	context: IExecuteFunctions,
	itemIndex: number,
	location: KeyLocation,
	credential: IspmApiKeyCredential,
): Prepared {
	requiredParameters(credential, location);
	const raw = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const options = validateDeliveryOptions({
		timeoutMs: raw.timeout,
		maxAttempts: raw.maxAttempts,
		concurrency: raw.concurrency,
	});
	const operation = context.getNodeParameter('operation', itemIndex) as string;
	const eventData =
		operation === 'sendTestMessage'
			? (JSON.parse(JSON.stringify(TEST_MESSAGE_EVENT_DATA)) as unknown)
			: readEventData(context, itemIndex);
	const envelope = buildEnvelope(eventData, {
		source: raw.source as string | undefined,
		type: raw.eventType as string | undefined,
	});
	return { envelope, options };
}

/**
 * The item of a failure under Continue On Fail. `error` is what makes n8n route it to the error output when
 * the node's On Error is "Continue (using error output)": n8n routes by `item.error`, or by a json holding
 * nothing but error/message/details, which this json (with statusCode and attempts) is not.
 */
function failedItem(
	error: NodeApiError | NodeOperationError,
	statusCode: number | null,
	attempts: number,
	itemIndex: number,
): INodeExecutionData {
	return {
		json: { error: error.message, statusCode, attempts },
		error,
		pairedItem: { item: itemIndex },
	};
}

function deliveryNodeError(context: IExecuteFunctions, error: DeliveryError, itemIndex: number) {
	if (error.reason === 'other') {
		return new NodeOperationError(context.getNode(), error.message, {
			itemIndex,
			description: error.description,
		});
	}
	const apiError = new NodeApiError(
		context.getNode(),
		{
			message: error.message,
			statusCode: error.statusCode,
			attempts: error.attempts,
		} as JsonObject,
		{
			message: error.message,
			description: error.description,
			httpCode: error.statusCode === null ? undefined : String(error.statusCode),
			itemIndex,
		},
	);
	// NodeApiError swaps messages that mention common error codes for generic ones: keep ours.
	apiError.message = error.message;
	return apiError;
}

export async function executeEventHook(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const continueOnFail = this.continueOnFail();
	const authentication = this.getNodeParameter('authentication', 0) as string;
	const credentialType = CREDENTIAL_TYPES[authentication] ?? CREDENTIAL_TYPES.headerAuth;
	const location: KeyLocation = credentialType === CREDENTIAL_TYPES.queryAuth ? 'query' : 'header';
	const credential = await this.getCredentials<IspmApiKeyCredential>(credentialType);
	const secrets = secretValues(credential);

	let url = '';
	const prepared: Array<Prepared | PreparationError> = items.map((_, itemIndex) => {
		try {
			url = checkWebhookUrl(credential.webhookUrl);
			return prepare(this, itemIndex, location, credential);
		} catch (error) {
			const failure = toPreparationError(error, itemIndex, secrets);
			if (!continueOnFail) {
				throw new NodeOperationError(this.getNode(), failure.message, {
					itemIndex,
					description: failure.description,
				});
			}
			return failure;
		}
	});

	// A cancelled execution ends the waits between attempts at once (n8n aborts the requests itself).
	const cancelSignal = this.getExecutionCancelSignal();
	const deps = {
		send: authenticatedSend(this, credentialType, credential),
		sleep: async (ms: number) => await sleep(ms, cancelSignal),
		secrets,
	};
	const first = prepared.find((job): job is Prepared => !(job instanceof PreparationError));
	const concurrency = first?.options.concurrency ?? 1;
	const outcomes = await mapWithConcurrency<
		Prepared | PreparationError,
		DeliveryOutcome | undefined
	>(
		prepared,
		concurrency,
		async (job) =>
			job instanceof PreparationError
				? undefined
				: await deliverEnvelope(url, job.envelope, job.options, deps),
		(outcome) => !continueOnFail && outcome?.ok === false,
	);

	return [
		prepared.map((job, itemIndex): INodeExecutionData => {
			if (job instanceof PreparationError) {
				const error = new NodeOperationError(this.getNode(), job.message, {
					itemIndex,
					description: job.description,
				});
				return failedItem(error, null, 0, itemIndex);
			}
			const outcome = outcomes[itemIndex];
			if (outcome?.ok) {
				const json = {
					id: job.envelope.id,
					statusCode: outcome.statusCode,
					attempts: outcome.attempts,
					response: outcome.response,
					envelope: job.envelope,
				};
				return { json: redactDeep(json, secrets) as IDataObject, pairedItem: { item: itemIndex } };
			}
			if (!outcome)
				throw new NodeOperationError(this.getNode(), 'Not sent: an earlier item failed', {
					itemIndex,
				});
			const error = deliveryNodeError(this, outcome.error, itemIndex);
			if (!continueOnFail) throw error;
			return failedItem(error, outcome.error.statusCode, outcome.error.attempts, itemIndex);
		}),
	];
}
