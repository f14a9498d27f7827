/**
 * The ISPM Issue Trigger's memory wired to n8n: which store a trigger node uses ("Remember Issues In"),
 * opened from its webhook or execution context, and what its `execute()` records once the execution runs.
 * The stores and the protocol are in lib/issueMemory.
 */
import type { IDataObject, IExecuteFunctions, IWebhookFunctions } from 'n8n-workflow';

import {
	issueKey,
	processStoreFor,
	receivedByThisProcess,
	redisCacheFor,
	RedisIssueStore,
	sharedRedisClient,
	STATIC_DATA_KEY,
	type IssueStore,
	type RedisCredential,
} from '../../lib/issueMemory';
import type { IspmEnvelope } from '../../lib/envelope';
import type { AcceptedOutcome, Deduplication } from '../../lib/receive';

/** `issueMemory`: "This n8n Instance" or "Redis, Shared by All n8n Processes". */
export type IssueMemoryKind = 'instance' | 'redis';

export const REDIS_CREDENTIAL_TYPE = 'ispmRedisApi';

type Context = IWebhookFunctions | IExecuteFunctions;

/** The trigger node's scope in every store: workflow id and node id. */
const scopeOf = (context: Context) => `${context.getWorkflow().id}:${context.getNode().id}`;

/**
 * The trigger node's Redis store. Its cache answers the issues this process knows to be seen; the credential
 * is loaded and the shared client taken only for the others.
 */
function redisStore(context: Context, capacity: number): RedisIssueStore {
	const scope = scopeOf(context);
	return new RedisIssueStore(
		async () => {
			const credential = await context.getCredentials<RedisCredential & IDataObject>(
				REDIS_CREDENTIAL_TYPE,
			);
			const credentialId = context.getNode().credentials?.[REDIS_CREDENTIAL_TYPE]?.id ?? 'unnamed';
			const client = await sharedRedisClient(credentialId, credential, (event, message) =>
				event === 'down'
					? context.logger.warn(`ISPM Issue Trigger: issue memory unreachable: ${message}`)
					: context.logger.info(`ISPM Issue Trigger: ${message}`),
			);
			return { client, credential };
		},
		scope,
		capacity,
		redisCacheFor(scope, capacity),
	);
}

/**
 * The store a delivery is checked against, from the webhook phase. For "This n8n Instance" the static data
 * n8n loaded for this request is the stored memory as it is now, so the process store merges it once and
 * may save from then on.
 */
export async function openIssueStore(
	context: IWebhookFunctions,
	kind: IssueMemoryKind,
	capacity: number,
): Promise<IssueStore> {
	if (kind === 'redis') return redisStore(context, capacity);
	const store = processStoreFor(scopeOf(context), capacity);
	if (!store.current) {
		store.merge(context.getWorkflowStaticData('node')[STATIC_DATA_KEY], { current: true });
	}
	return store;
}

/**
 * What the webhook phase hands to the execution phase (the trigger's `execute()` input; its output is the
 * message itself): the message, when it was received (ms since the epoch) and how it was checked.
 */
export interface AcceptedDelivery {
	message: IspmEnvelope;
	receivedAt: number;
	deduplication: Deduplication;
	memoryProblem?: string;
}

export function acceptedDelivery(outcome: AcceptedOutcome, receivedAt: number): AcceptedDelivery {
	return {
		message: outcome.envelope,
		receivedAt,
		deduplication: outcome.deduplication,
		...(outcome.memoryProblem ? { memoryProblem: outcome.memoryProblem } : {}),
	};
}

/** Reads `execute()`'s input; an item of an execution created by 0.1.0 (the bare message) still reads. */
export function readAcceptedDelivery(json: IDataObject): AcceptedDelivery {
	if (typeof json.receivedAt === 'number' && json.message && typeof json.message === 'object') {
		return json as unknown as AcceptedDelivery;
	}
	return { message: json as unknown as IspmEnvelope, receivedAt: 0, deduplication: 'checked' };
}

/**
 * Records, from the execution phase, that these issues' executions exist (the confirmation a delivery
 * could not give, e.g. because its sender hung up, or because this is another process).
 *
 * "This n8n Instance": n8n saves the execution's static data when it ends, so it is pointed at the live
 * memory. Until the memory is current, the copy this execution carries is merged first; it makes the memory
 * current only if it was read after this process started (an execution n8n resumes after a restart carries
 * an older one). While neither the memory nor the copy is current, static data is not touched at all: even
 * reading it creates the node's entry when the copy has none, and n8n would then save that old copy over
 * newer saves.
 */
export async function rememberExecuted(
	context: IExecuteFunctions,
	kind: IssueMemoryKind,
	capacity: number,
	deliveries: AcceptedDelivery[],
): Promise<void> {
	const keys = deliveries
		.filter((delivery) => delivery.deduplication !== 'off')
		.map((delivery) => issueKey(delivery.message.eventData.id));
	if (keys.length === 0) return;
	if (kind === 'redis') {
		// Issues this process already knows to be confirmed (in regular mode the delivery's answer has usually
		// confirmed them by now) cost neither the credential nor a round trip (RedisIssueStore.confirm).
		try {
			const store = redisStore(context, capacity);
			for (const key of keys) await store.confirm(key);
		} catch (error) {
			context.logger.warn(
				`ISPM Issue Trigger: could not record the issue in its Redis memory; a repeated delivery may start it again: ${(error as Error).message}`,
			);
		}
		return;
	}
	const store = processStoreFor(scopeOf(context), capacity);
	const current = deliveries.every((delivery) => receivedByThisProcess(delivery.receivedAt));
	const staticData = current || store.current ? context.getWorkflowStaticData('node') : undefined;
	// A current memory holds everything any stored copy does, and more recent keys: merging a copy then
	// would only bring back keys a full ring has already forgotten. Merged before recording, for the same
	// reason.
	if (staticData && !store.current) store.merge(staticData[STATIC_DATA_KEY], { current });
	for (const key of keys) store.record(key);
	if (staticData) store.persistInto(staticData);
}
