/**
 * The ISPM Issue Trigger's memory: which issues have already started the workflow. One interface
 * (`IssueStore`), two stores:
 * - `ProcessIssueStore` ("This n8n Instance"): the n8n process's own memory, persisted in the trigger's
 *   static data. Exact within one process (n8n's regular mode).
 * - `RedisIssueStore` ("Redis, Shared by All n8n Processes"): one memory on a Redis server for every main,
 *   webhook and worker process, with the process store in front as a cache. Exact across processes
 *   (queue mode, multi-main).
 *
 * The protocol, the same for both (Stripe's idempotency keys work the same way):
 * 1. `claim` is one atomic check-and-record. An issue is `seen` once its execution exists, `pending` while a
 *    delivery that claimed it waits for n8n to create that execution, and `new` otherwise, in which case
 *    this delivery now holds the claim.
 * 2. The holder `confirm`s the claim once n8n has created (regular mode) or enqueued (queue mode) the
 *    execution, or `release`s it when n8n failed to, so that the sender's retry is accepted. The trigger's
 *    `execute()` confirms too (a second chance, e.g. when the sender hung up before n8n answered).
 * 3. A claim that is neither confirmed nor released (the process died in between) ends after
 *    `CLAIM_LEASE_MS`: the issue is then new again. A copy that finds a claim pending waits up to
 *    `PENDING_WAIT_MS` for it to resolve (`claimIssue`), since copies often arrive at the same moment.
 *
 * Issue ids are remembered as `issueKey`s: fixed-width hashes, never the ids themselves.
 */
import { createHash } from 'node:crypto';

/**
 * What is remembered of an issue id: the first 96 bits of its SHA-256, base64url (16 characters). Fixed
 * width keeps the stored memory small and its size independent of how long ISPM's ids are; at a million
 * remembered issues the chance that any two ids share a key is below 1 in 10^16.
 */
export const KEY_LENGTH = 16;

export function issueKey(issueId: string): string {
	return createHash('sha256').update(issueId, 'utf8').digest('base64url').slice(0, KEY_LENGTH);
}

export const DEFAULT_REMEMBER_ISSUES = 10_000;
export const MAX_REMEMBER_ISSUES = 1_000_000;

/**
 * How long a claim holds without being confirmed or released, in ms. It must outlast the time n8n takes to
 * create or enqueue an execution (milliseconds normally, seconds under load); it is also how long the retry
 * of a delivery whose n8n process died mid-way is answered "in progress".
 */
export const CLAIM_LEASE_MS = 30_000;

/** How long a delivery that finds its issue pending waits for the other delivery's outcome, in ms. */
export const PENDING_WAIT_MS = 3_000;

/** How often, while waiting, it asks again, in ms. */
export const PENDING_POLL_MS = 100;

/** A claim this delivery holds: `confirm` once the execution exists, `release` if it could not be made. */
export interface IssueClaim {
	confirm(): Promise<void>;
	release(): Promise<void>;
}

export type ClaimOutcome =
	| { state: 'new'; claim: IssueClaim }
	| { state: 'seen' }
	/** Another delivery holds the claim; `retryAfterMs` is how long it may still hold it. */
	| { state: 'pending'; retryAfterMs: number };

export interface IssueStore {
	/** Atomically: `seen`, `pending`, or `new` with the claim recorded (lease `CLAIM_LEASE_MS`). */
	claim(key: string): Promise<ClaimOutcome>;
	/** Records the issue as seen (its execution exists), whoever holds the claim. Idempotent. */
	confirm(key: string): Promise<void>;
}

/**
 * The memory could not be asked (Redis down, timed out, refused the command). The message says why in
 * plain words and never holds a secret.
 */
export class IssueMemoryUnreachableError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'IssueMemoryUnreachableError';
	}
}

/** The memory cannot work as configured (e.g. this n8n does not provide a Redis client). */
export class IssueMemoryConfigError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'IssueMemoryConfigError';
	}
}

/**
 * Claims an issue; while another delivery holds it, waits for that delivery's outcome (asking again every
 * `pollMs`, up to `waitMs` in all), so that copies sent at the same moment get a definite answer. Still
 * `pending` after that: the caller answers "in progress, retry later".
 */
export async function claimIssue(
	store: IssueStore,
	issueId: string,
	sleep: (ms: number) => Promise<void>,
	{ waitMs = PENDING_WAIT_MS, pollMs = PENDING_POLL_MS } = {},
): Promise<ClaimOutcome> {
	const key = issueKey(issueId);
	for (let waited = 0; ; waited += pollMs) {
		const outcome = await store.claim(key);
		if (outcome.state !== 'pending' || waited >= waitMs) return outcome;
		await sleep(pollMs);
	}
}
