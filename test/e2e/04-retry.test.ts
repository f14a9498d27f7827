/**
 * The ISPM Event Hook node retries a receiver that answers 503 once, and the retry carries the same
 * envelope id (receivers de-duplicate on it).
 */
import { SINK_PATHS, WORKFLOWS, makeIssue } from './fixtures';
import {
	deliver,
	executionOutputs,
	executions,
	settledExecutions,
	sink,
	sinkRequestsFor,
} from './harness';

describe('ISPM Event Hook retries', () => {
	test('503 once, then 200: delivered on the second attempt with the same envelope id', async () => {
		const before = (await executions(WORKFLOWS.header.id)).length;
		await sink.script(SINK_PATHS.header, 503, 1);
		const message = makeIssue({ title: 'No MFA - Admin Account', severity: 'High' });

		expect((await deliver('header', message)).body).toMatchObject({ status: 'accepted' });

		const received = await sinkRequestsFor(message.eventData.id, 2);
		expect(received.map((r) => r.answeredStatus)).toEqual([503, 200]);
		const [first, second] = received.map(
			(r) => r.body as { id: string; timestamp: string; eventData: unknown },
		);
		expect(second.id).toBe(first.id);
		expect(second.eventData).toEqual(first.eventData);
		expect(second.eventData).toEqual(message.eventData);
		expect(received[1].headers).toMatchObject({ 'x-sink-key': received[0].headers['x-sink-key'] });

		const runs = await settledExecutions(WORKFLOWS.header.id, before + 1);
		expect(runs).toHaveLength(before + 1);
		const run = runs[runs.length - 1];
		expect(run.status).toBe('success');
		const outputs = await executionOutputs(run.id);
		expect(outputs['ISPM Event Hook']).toEqual([
			expect.objectContaining({ id: first.id, statusCode: 200, attempts: 2 }),
		]);
	});
});
