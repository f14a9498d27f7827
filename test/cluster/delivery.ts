/* eslint-disable @n8n/community-nodes/no-restricted-globals -- real-infrastructure test code: runs in Jest and drives real n8n processes from outside */
/**
 * Sending ISPM deliveries the way a sender does: one POST, its answer (or the network error when the process
 * died), a sender that comes back after `Retry-After` when told the issue is still in progress, and bursts
 * from several concurrent senders.
 */
import type { IspmMessage } from '../e2e/fixtures';

export type { IspmMessage };

export interface Answer {
	/** HTTP status; 0 when no answer arrived (connection refused or cut: the process was down or died). */
	status: number;
	/** The body's `status` field (`accepted`, `duplicate`, `in_progress`, …), or '' when there is none. */
	outcome: string;
	body: unknown;
	retryAfter: string | null;
	/** Network error, when status is 0. */
	error?: string;
	/** When it arrived (or the request failed), ISO 8601 UTC: to line answers up with n8n's timestamps. */
	at: string;
}

/** `200 accepted`, `409 in_progress`, `0 no answer`, … */
export const describeAnswer = (answer: Answer): string =>
	answer.status === 0 ? '0 no answer' : `${answer.status} ${answer.outcome || '(no status)'}`;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Guards against a hung connection only (n8n answers long before). */
const REQUEST_TIMEOUT_MS = 120_000;

export async function post(
	url: string,
	message: unknown,
	headers: Record<string, string>,
): Promise<Answer> {
	try {
		const response = await fetch(url, {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...headers },
			body: JSON.stringify(message),
			signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
		});
		const text = await response.text();
		let body: unknown = text;
		try {
			body = JSON.parse(text);
		} catch {
			// not JSON
		}
		const outcome =
			body && typeof body === 'object' && typeof (body as { status?: unknown }).status === 'string'
				? (body as { status: string }).status
				: '';
		return {
			status: response.status,
			outcome,
			body,
			retryAfter: response.headers.get('retry-after'),
			at: new Date().toISOString(),
		};
	} catch (error) {
		const cause = (error as { cause?: { code?: string; message?: string } }).cause;
		return {
			status: 0,
			outcome: '',
			body: null,
			retryAfter: null,
			error: cause?.code ?? cause?.message ?? (error as Error).message,
			at: new Date().toISOString(),
		};
	}
}

/** Seconds of a Retry-After header (delta-seconds form), or `fallbackS` when absent or unreadable. */
export function retryAfterMs(answer: Answer, fallbackS = 1): number {
	const seconds = Number(answer.retryAfter);
	return (Number.isFinite(seconds) && seconds >= 0 ? seconds : fallbackS) * 1000;
}

export interface Delivered {
	/** The last answer (never a retried status unless the sender gave up). */
	final: Answer;
	/** Every answer, in order. */
	attempts: Answer[];
}

/**
 * Delivers until the answer is not one of `retryStatuses` (default 409: "another copy is still starting,
 * come back later"), waiting what Retry-After says between attempts. Gives up after `giveUpAfterMs`
 * (only against hanging; a pending claim lives about 30 s), returning the last answer.
 */
export async function deliverUntilSettled(
	url: string,
	message: unknown,
	headers: Record<string, string>,
	{ retryStatuses = [409], giveUpAfterMs = 180_000 } = {},
): Promise<Delivered> {
	const deadline = Date.now() + giveUpAfterMs;
	const attempts: Answer[] = [];
	for (;;) {
		const answer = await post(url, message, headers);
		attempts.push(answer);
		if (!retryStatuses.includes(answer.status) || Date.now() > deadline)
			return { final: answer, attempts };
		await sleep(retryAfterMs(answer));
	}
}

/**
 * Runs `send` for every item with `concurrency` senders, each taking the next item when its previous one was
 * answered. `afterEach(doneCount)` runs synchronously after each item (to kill a process mid-burst).
 * Resolves with the results in item order.
 */
export async function inParallel<T, R>(
	items: T[],
	concurrency: number,
	send: (item: T, index: number) => Promise<R>,
	afterEach?: (result: R, done: number) => void,
): Promise<R[]> {
	const results = new Array<R>(items.length);
	let next = 0;
	let done = 0;
	const sender = async () => {
		while (next < items.length) {
			const index = next++;
			results[index] = await send(items[index], index);
			done += 1;
			afterEach?.(results[index], done);
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, sender));
	return results;
}

/** How many answers of each kind: { '200 accepted': 9, '200 duplicate': 31 }. */
export function tally(answers: Answer[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const answer of answers) {
		const key = describeAnswer(answer);
		counts[key] = (counts[key] ?? 0) + 1;
	}
	return counts;
}

export const issueIdOf = (message: IspmMessage): string => message.eventData.id;
