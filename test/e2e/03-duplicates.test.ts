/**
 * ISPM may deliver an issue more than once, and deliveries may overlap: each issue reaches the sink exactly
 * once and starts exactly one execution, whatever the timing.
 */
import { WORKFLOWS, makeIssue, redeliver } from './fixtures';
import {
	deliver,
	executions,
	settledExecutions,
	sink,
	sinkRequestsFor,
	QUIET_PERIOD_MS,
	sleep,
} from './harness';

const statusesOf = (results: Array<{ status: number; body: unknown }>) =>
	results.map(
		(r) => `${r.status} ${(r.body as { status?: string }).status ?? JSON.stringify(r.body)}`,
	);

const count = (values: string[], value: string) => values.filter((v) => v === value).length;

describe('duplicate deliveries (query-key trigger → sink)', () => {
	test('a re-delivery of an accepted issue is answered "duplicate" and goes nowhere', async () => {
		const before = (await executions(WORKFLOWS.query.id)).length;
		const message = makeIssue();

		expect((await deliver('query', message)).body).toMatchObject({ status: 'accepted' });
		expect(await sinkRequestsFor(message.eventData.id, 1)).toHaveLength(1);

		const again = await deliver('query', redeliver(message));
		expect(again.status).toBe(200);
		expect(again.body).toMatchObject({ status: 'duplicate' });
		const identical = await deliver('query', message);
		expect(identical.body).toMatchObject({ status: 'duplicate' });

		expect(await sinkRequestsFor(message.eventData.id, 1)).toHaveLength(1);
		expect(await settledExecutions(WORKFLOWS.query.id, before + 1)).toHaveLength(before + 1);
	});

	test('20 simultaneous deliveries of one new issue: one accepted, 19 duplicates, one execution', async () => {
		const before = (await executions(WORKFLOWS.query.id)).length;
		const message = makeIssue();

		const results = await Promise.all(
			Array.from({ length: 20 }, () => deliver('query', redeliver(message))),
		);
		const statuses = statusesOf(results);
		expect(count(statuses, '200 accepted')).toBe(1);
		expect(count(statuses, '200 duplicate')).toBe(19);

		expect(await sinkRequestsFor(message.eventData.id, 1)).toHaveLength(1);
		const runs = await settledExecutions(WORKFLOWS.query.id, before + 1);
		expect(runs).toHaveLength(before + 1);
		expect(runs[runs.length - 1].status).toBe('success');
	});

	test('20 simultaneous distinct issues, then all 20 again at once: 20 accepted, then 20 duplicates', async () => {
		const before = (await executions(WORKFLOWS.query.id)).length;
		const messages = Array.from({ length: 20 }, () => makeIssue());

		const first = statusesOf(await Promise.all(messages.map((m) => deliver('query', m))));
		expect(count(first, '200 accepted')).toBe(20);

		const runs = await settledExecutions(WORKFLOWS.query.id, before + 20);
		expect(runs).toHaveLength(before + 20);
		expect(runs.slice(before).every((r) => r.status === 'success')).toBe(true);
		for (const message of messages)
			expect(await sink.forIssue(message.eventData.id)).toHaveLength(1);

		const second = statusesOf(
			await Promise.all(messages.map((m) => deliver('query', redeliver(m)))),
		);
		expect(count(second, '200 duplicate')).toBe(20);

		await sleep(QUIET_PERIOD_MS);
		expect(await executions(WORKFLOWS.query.id)).toHaveLength(before + 20);
		for (const message of messages)
			expect(await sink.forIssue(message.eventData.id)).toHaveLength(1);
	});

	test('the header-key trigger remembers on its own: an issue it saw is a duplicate there, new to the other trigger', async () => {
		const beforeHeader = (await executions(WORKFLOWS.header.id)).length;
		const beforeQuery = (await executions(WORKFLOWS.query.id)).length;
		const message = makeIssue({ title: 'Unused Admin Account', severity: 'High' });

		expect((await deliver('header', message)).body).toMatchObject({ status: 'accepted' });
		expect((await deliver('header', redeliver(message))).body).toMatchObject({
			status: 'duplicate',
		});
		expect((await deliver('query', message)).body).toMatchObject({ status: 'accepted' });

		expect(await sinkRequestsFor(message.eventData.id, 2)).toHaveLength(2);
		expect(await settledExecutions(WORKFLOWS.header.id, beforeHeader + 1)).toHaveLength(
			beforeHeader + 1,
		);
		expect(await settledExecutions(WORKFLOWS.query.id, beforeQuery + 1)).toHaveLength(
			beforeQuery + 1,
		);
	});
});
