/**
 * The queue-mode measurements of issue 10, for one trigger workflow on a running cluster. Each uses fresh
 * issues, sends the way the issue describes, waits until n8n has settled, and counts executions in n8n's
 * database for exactly those issues. Every sender comes back after Retry-After while it is answered 409
 * ("another copy is still starting"), as a sender should.
 */
import { makeIssue, redeliver } from '../e2e/fixtures';
import { deliverUntilSettled, issueIdOf, tally, type Answer, type IspmMessage } from './delivery';
import { byIssue, settled, type Db } from './executions';
import { triggerUrl, type TriggerWorkflow } from './workflows';

export interface MeasureTarget {
	db: Db;
	workflow: TriggerWorkflow;
	headers: Record<string, string>;
	/** Base URLs of the webhook processes, process 1 first (read when sending: ports survive restarts). */
	webhooks: () => string[];
}

export interface Measurement {
	issues: number;
	/** Executions of these issues. */
	executions: number;
	/** Issues with more than one execution. */
	ranMoreThanOnce: number;
	/** Issues with no execution. */
	neverRan: number;
	/** Final answers, by kind. */
	answers: Record<string, number>;
	/** Issues whose final answers hold exactly one `accepted`. */
	acceptedOnce: number;
}

const isAccepted = (a: Answer) => a.status === 200 && a.outcome === 'accepted';

async function send(
	target: MeasureTarget,
	deliveries: Array<{ process: number; message: IspmMessage }>,
): Promise<Answer[]> {
	const urls = target.webhooks();
	return Promise.all(
		deliveries.map(
			async ({ process, message }) =>
				(
					await deliverUntilSettled(
						triggerUrl(urls[process], target.workflow),
						message,
						target.headers,
					)
				).final,
		),
	);
}

async function measure(
	target: MeasureTarget,
	messages: IspmMessage[],
	answers: Answer[],
	alreadyCounted = 0,
): Promise<Measurement> {
	const ids = messages.map(issueIdOf);
	const acceptedAnswers = answers.filter(isAccepted).length;
	const executions = await settled(target.db, target.workflow.id, {
		issueIds: ids,
		atLeast: alreadyCounted + acceptedAnswers,
	});
	const groups = byIssue(executions, ids);
	const runs = [...groups.values()].map((g) => g.length);
	return {
		issues: ids.length,
		executions: runs.reduce((a, b) => a + b, 0) - alreadyCounted,
		ranMoreThanOnce: runs.filter((n) => n > 1).length,
		neverRan: runs.filter((n) => n === 0).length,
		answers: tally(answers),
		acceptedOnce: 0,
	};
}

/** Per issue, how many of its answers were `accepted`; returns how many issues got exactly one. */
function acceptedOnce(
	messages: IspmMessage[],
	deliveries: IspmMessage[],
	answers: Answer[],
): number {
	const perIssue = new Map(messages.map((m) => [issueIdOf(m), 0]));
	answers.forEach((answer, i) => {
		if (isAccepted(answer)) {
			const id = issueIdOf(deliveries[i]);
			perIssue.set(id, (perIssue.get(id) ?? 0) + 1);
		}
	});
	return [...perIssue.values()].filter((n) => n === 1).length;
}

/**
 * (a) `issues` new issues, each delivered `copiesPerProcess` times to every webhook process, all at once.
 * Exact: one execution per issue.
 */
export async function concurrentCopies(
	target: MeasureTarget,
	{ issues = 10, copiesPerProcess = 2 } = {},
): Promise<Measurement> {
	const messages = Array.from({ length: issues }, () => makeIssue());
	const processes = target.webhooks().length;
	const deliveries = messages.flatMap((message) =>
		Array.from({ length: processes * copiesPerProcess }, (_, copy) => ({
			process: copy % processes,
			message: redeliver(message),
		})),
	);
	const answers = await send(target, deliveries);
	const result = await measure(target, messages, answers);
	return {
		...result,
		acceptedOnce: acceptedOnce(
			messages,
			deliveries.map((d) => d.message),
			answers,
		),
	};
}

export interface TwoRounds {
	first: Measurement;
	/** Executions started by the second round (issues delivered again to the other process). */
	again: Measurement;
}

/**
 * `issues` new issues at once, issue i to webhook process i mod n; resolves once they ran. The returned
 * `again()` delivers each again (a new message id, as ISPM's retry) to the next process, i + 1 mod n, and
 * counts the executions that started. Exact: none.
 */
export async function spreadThenAgain(
	target: MeasureTarget,
	{ issues }: { issues: number },
): Promise<{ first: Measurement; again: () => Promise<Measurement> }> {
	const messages = Array.from({ length: issues }, () => makeIssue());
	const n = target.webhooks().length;
	const firstAnswers = await send(
		target,
		messages.map((message, i) => ({ process: i % n, message })),
	);
	const first = await measure(target, messages, firstAnswers);
	return {
		first,
		again: async () => {
			const answers = await send(
				target,
				messages.map((message, i) => ({ process: (i + 1) % n, message: redeliver(message) })),
			);
			return measure(target, messages, answers, first.executions);
		},
	};
}

/** (b) 20 new issues, then each again to the other webhook process. Exact: 20, then 0. */
export async function resentToOtherProcess(target: MeasureTarget): Promise<TwoRounds> {
	const { first, again } = await spreadThenAgain(target, { issues: 20 });
	return { first, again: await again() };
}

/**
 * (c) One new issue to webhook process 1; once its execution finished, to webhook process 2.
 * Exact: one execution.
 */
export async function sequentialCrossProcess(target: MeasureTarget): Promise<TwoRounds> {
	const { first, again } = await spreadThenAgain(target, { issues: 1 });
	return { first, again: await again() };
}

/**
 * (d), first half: 10 new issues, alternating webhook processes; resolves once they ran. Restart
 * everything, then call `again()`. Exact: no execution started by `again()`.
 */
export function beforeRestart(target: MeasureTarget) {
	return spreadThenAgain(target, { issues: 10 });
}
