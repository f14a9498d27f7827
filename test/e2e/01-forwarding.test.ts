/**
 * A valid new issue of a selected type, sent like ISPM sends it, reaches the sink exactly once,
 * re-enveloped by the ISPM Event Hook node with the sink credential's key and extra parameter
 * in the place that credential says (header or query string).
 */
import { KEY_NAMES, SINK_PATHS, WORKFLOWS, makeIssue } from './fixtures';
import {
	deliver,
	executionOutputs,
	executions,
	readState,
	settledExecutions,
	sinkRequestsFor,
} from './harness';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_SECONDS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('forwarding a new issue through a real n8n', () => {
	test('header-key trigger → ISPM Event Hook (header key) → sink', async () => {
		const { secrets } = readState();
		const before = (await executions(WORKFLOWS.header.id)).length;
		const message = makeIssue({ title: 'Unused Admin Account', severity: 'High' });

		const response = await deliver('header', message);
		expect(response.status).toBe(200);
		expect(response.body).toMatchObject({ status: 'accepted' });

		const received = await sinkRequestsFor(message.eventData.id, 1);
		expect(received).toHaveLength(1);
		const [request] = received;
		expect(request.method).toBe('POST');
		expect(request.path).toBe(SINK_PATHS.header);
		expect(request.headers[KEY_NAMES.sinkHeader.toLowerCase()]).toBe(secrets.sinkHeaderKey);
		expect(request.headers[KEY_NAMES.sinkHeaderExtra.toLowerCase()]).toBe(secrets.sinkHeaderTenant);
		expect(request.query).toEqual({});
		// The trigger's own key is not passed on to the receiver.
		expect(request.headers[KEY_NAMES.triggerHeader.toLowerCase()]).toBeUndefined();
		expect(request.rawBody).not.toContain(secrets.triggerHeaderKey);

		const envelope = request.body as Record<string, unknown>;
		expect(envelope.id).toMatch(UUID_V4);
		expect(envelope.id).not.toBe(message.id);
		expect(envelope.timestamp).toMatch(ISO_SECONDS_UTC);
		expect(envelope.source).toBe('Okta ISPM');
		expect(envelope.type).toBe('issue.created');
		expect(envelope.eventData).toEqual(message.eventData);

		const runs = await settledExecutions(WORKFLOWS.header.id, before + 1);
		expect(runs).toHaveLength(before + 1);
		const run = runs[runs.length - 1];
		expect(run.status).toBe('success');
		expect(run.mode).toBe('webhook');

		const outputs = await executionOutputs(run.id);
		expect(outputs['ISPM Issue Trigger']).toEqual([message]);
		expect(outputs['ISPM Event Hook']).toHaveLength(1);
		expect(outputs['ISPM Event Hook'][0]).toMatchObject({
			id: envelope.id,
			statusCode: 200,
			attempts: 1,
		});
	});

	test('query-key trigger → ISPM Event Hook (query key) → sink', async () => {
		const { secrets } = readState();
		const before = (await executions(WORKFLOWS.query.id)).length;
		// The query-key trigger accepts every issue type and severity.
		const message = makeIssue({ title: 'Old Password - Service Account', severity: 'Low' });

		const response = await deliver('query', message);
		expect(response.status).toBe(200);
		expect(response.body).toMatchObject({ status: 'accepted' });

		const received = await sinkRequestsFor(message.eventData.id, 1);
		expect(received).toHaveLength(1);
		const [request] = received;
		expect(request.path).toBe(SINK_PATHS.query);
		expect(request.query).toEqual({
			[KEY_NAMES.sinkQuery]: secrets.sinkQueryKey,
			[KEY_NAMES.sinkQueryExtra]: secrets.sinkQueryRegion,
		});
		expect(request.headers[KEY_NAMES.sinkHeader.toLowerCase()]).toBeUndefined();
		expect(request.headers[KEY_NAMES.sinkQuery]).toBeUndefined();
		expect(request.rawBody).not.toContain(secrets.triggerQueryKey);

		const envelope = request.body as Record<string, unknown>;
		expect(envelope.id).toMatch(UUID_V4);
		expect(envelope.id).not.toBe(message.id);
		expect(envelope.source).toBe('Okta ISPM');
		expect(envelope.type).toBe('issue.created');
		expect(envelope.eventData).toEqual(message.eventData);

		const runs = await settledExecutions(WORKFLOWS.query.id, before + 1);
		expect(runs).toHaveLength(before + 1);
		expect(runs[runs.length - 1].status).toBe('success');
	});

	test('a custom issue type listed in the trigger options is accepted', async () => {
		const before = (await executions(WORKFLOWS.header.id)).length;
		const message = makeIssue({ title: 'E2E Custom Issue Type', severity: 'Critical' });
		const response = await deliver('header', message);
		expect(response.status).toBe(200);
		expect(response.body).toMatchObject({ status: 'accepted' });
		expect(await sinkRequestsFor(message.eventData.id, 1)).toHaveLength(1);
		expect(await settledExecutions(WORKFLOWS.header.id, before + 1)).toHaveLength(before + 1);
	});
});
