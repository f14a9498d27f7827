/**
 * What the trigger remembers survives an n8n restart: issues seen before it are still dropped,
 * a new issue still goes through. (One restart for the whole suite: it costs a full n8n boot.)
 */
import { WORKFLOWS, makeIssue, redeliver } from './fixtures';
import {
	QUIET_PERIOD_MS,
	deliver,
	executions,
	readState,
	restartN8n,
	settledExecutions,
	sink,
	sinkRequestsFor,
	sleep,
} from './harness';

describe('restart with the same user folder', () => {
	test('issues seen before the restart are duplicates after it; a new one still goes through', async () => {
		const before = {
			header: (await executions(WORKFLOWS.header.id)).length,
			query: (await executions(WORKFLOWS.query.id)).length,
		};
		const queryIssues = Array.from({ length: 5 }, () => makeIssue());
		const headerIssue = makeIssue({ title: 'Unused Admin Account', severity: 'Critical' });

		const accepted = await Promise.all([
			...queryIssues.map((m) => deliver('query', m)),
			deliver('header', headerIssue),
		]);
		expect(accepted.map((r) => (r.body as { status?: string }).status)).toEqual(
			Array(6).fill('accepted'),
		);
		expect(await settledExecutions(WORKFLOWS.query.id, before.query + 5)).toHaveLength(
			before.query + 5,
		);
		expect(await settledExecutions(WORKFLOWS.header.id, before.header + 1)).toHaveLength(
			before.header + 1,
		);
		for (const m of [...queryIssues, headerIssue])
			expect(await sink.forIssue(m.eventData.id)).toHaveLength(1);

		const pidBefore = readState().pid;
		await restartN8n();
		expect(readState().pid).not.toBe(pidBefore);

		const again = await Promise.all([
			...queryIssues.map((m) => deliver('query', redeliver(m))),
			deliver('header', redeliver(headerIssue)),
		]);
		expect(again.map((r) => `${r.status} ${(r.body as { status?: string }).status}`)).toEqual(
			Array(6).fill('200 duplicate'),
		);

		const fresh = makeIssue();
		expect((await deliver('query', fresh)).body).toMatchObject({ status: 'accepted' });
		expect(await sinkRequestsFor(fresh.eventData.id, 1)).toHaveLength(1);

		await sleep(QUIET_PERIOD_MS);
		expect(await settledExecutions(WORKFLOWS.query.id, before.query + 6)).toHaveLength(
			before.query + 6,
		);
		expect(await executions(WORKFLOWS.header.id)).toHaveLength(before.header + 1);
		for (const m of [...queryIssues, headerIssue])
			expect(await sink.forIssue(m.eventData.id)).toHaveLength(1);
	});
});
