/**
 * The example workflows in examples/ (imported and published by the global setup exactly as `npm start`
 * does, with demo keys generated for the run) activate without errors, their ISPM triggers are served,
 * the remediation example routes issues by title, and the health check tells a healthy receiver from a
 * failing one.
 */
import * as examples from '../../scripts/examples.cjs';
import * as instance from '../../scripts/n8n-instance.cjs';
import { SINK_PATHS, TRIGGER_TYPE, makeIssue } from './fixtures';
import {
	executionOutputs,
	executionRuns,
	executions,
	httpPost,
	readState,
	runManually,
	settledExecutions,
	sink,
	webhookUrl,
} from './harness';

const example = (id: string) => {
	const found = examples.exampleWorkflows().find(({ workflow }) => workflow.id === id);
	if (!found) throw new Error(`no example workflow ${id}`);
	return found.workflow;
};

const REMEDIATION = example('IspmExRemediate1');
const FORWARD = example('IspmExForward001');
const HEALTH = example('IspmExHealthChk1');

/** An example's trigger with the key this run generated for its demo credential. */
function triggerOf(workflow: examples.ExampleWorkflow) {
	const trigger = workflow.nodes.find((n) => n.type === TRIGGER_TYPE);
	if (!trigger?.webhookId) throw new Error(`${workflow.name} has no ISPM trigger with a webhookId`);
	const [credentialRef] = Object.values(trigger.credentials ?? {});
	const credential = examples
		.demoCredentials(readState().demoKeys)
		.find((c) => c.id === credentialRef?.id);
	if (!credential)
		throw new Error(`${workflow.name}: demo credential ${credentialRef?.id} is missing`);
	return { webhookId: trigger.webhookId, key: credential.data.key, value: credential.data.value };
}

const ticketingRequests = async () =>
	(await sink.requests()).filter((r) => r.path === SINK_PATHS.ticketing);

describe('example workflows', () => {
	test('every example with a trigger is imported, published and activated without errors', () => {
		const { exampleWorkflowIds, publications, runtime } = readState();
		const major = instance.n8nMajor(runtime);
		const expected = examples
			.exampleWorkflows()
			.map(({ workflow }) => workflow)
			.filter((w) => examples.runsOn(w, major));
		expect([...exampleWorkflowIds].sort()).toEqual(expected.map((w) => w.id).sort());
		const activatable = expected.filter((w) => examples.isActivatable(w)).map((w) => w.id);
		expect(activatable).toEqual(expect.arrayContaining([REMEDIATION.id, FORWARD.id, HEALTH.id]));
		expect(publications).not.toBeNull();
		const published = (publications ?? []).filter((p) => exampleWorkflowIds.includes(p.workflowId));
		expect(
			published
				.map(({ workflowId, status, errorMessage }) => ({ workflowId, status, errorMessage }))
				.sort((a, b) => a.workflowId.localeCompare(b.workflowId)),
		).toEqual(
			activatable
				.sort()
				.map((workflowId) => ({ workflowId, status: 'completed', errorMessage: null })),
		);
	});

	test('no example calls a host that can exist: every URL in the examples and their credentials is on .invalid', () => {
		const urls = examples
			.exampleWorkflows()
			.flatMap(({ workflow }) => JSON.stringify(workflow).match(/https?:\/\/[^\s"'`)\\]+/g) ?? []);
		const credentialUrls = examples
			.demoCredentials(readState().demoKeys)
			.map((c) => c.data.webhookUrl)
			.filter(Boolean);
		const hosts = [...urls, ...credentialUrls].map(
			(url) => new URL(url.replace(/\{\{.*$/, '')).hostname,
		);
		expect(hosts.length).toBeGreaterThan(0);
		expect(hosts.filter((host) => !host.endsWith('.invalid'))).toEqual([]);
	});

	test('their ISPM triggers are served: 401 without the key (not 404)', async () => {
		for (const workflow of [REMEDIATION, FORWARD]) {
			const result = await httpPost(webhookUrl(triggerOf(workflow).webhookId), makeIssue());
			expect({ workflow: workflow.name, status: result.status }).toEqual({
				workflow: workflow.name,
				status: 401,
			});
		}
	});

	test('forwarding example: query-key trigger ignores severities it is not configured for', async () => {
		const { webhookId, key, value } = triggerOf(FORWARD);
		const result = await httpPost(
			webhookUrl(webhookId, { [key]: value }),
			makeIssue({ severity: 'Low' }),
		);
		expect(result.status).toBe(200);
		expect(result.body).toMatchObject({ status: 'ignored' });
		expect(await executions(FORWARD.id)).toHaveLength(0);
	});

	test('remediation example: the Switch routes each issue title to its remediation branch', async () => {
		const { webhookId, key, value } = triggerOf(REMEDIATION);
		const cases: Array<[string, string]> = [
			['Unused Admin Account', 'Suspend user'],
			['No MFA - Account', 'Require MFA (add to MFA group)'],
			['Compromised Okta Account', 'Clear user sessions'],
			['Old Password - Service Account', 'Expire password (old password)'],
			['A Title ISPM Adds Later', 'Review manually'],
		];
		const branches = cases.map(([, node]) => node);
		for (const [title, expectedNode] of cases) {
			const before = (await executions(REMEDIATION.id)).length;
			const result = await httpPost(webhookUrl(webhookId), makeIssue({ title }), { [key]: value });
			expect(result.status).toBe(200);
			expect(result.body).toMatchObject({ status: 'accepted' });

			const runs = await settledExecutions(REMEDIATION.id, before + 1);
			expect(runs).toHaveLength(before + 1);
			const outputs = await executionOutputs(runs[runs.length - 1].id);
			// The trigger's "simplify" option gives the flat fields the Switch and the Okta calls read.
			expect(outputs['ISPM Issue Trigger']).toEqual([
				expect.objectContaining({ issueTitle: title }),
			]);
			expect(Object.keys(outputs)).toContain('Route by issue title');
			const ran = branches.filter((node) => node in outputs);
			expect({ title, ran }).toEqual({ title, ran: [expectedNode] });
		}
	});

	test('health-check example: a receiver that accepts the test message takes the "Receiver healthy" branch', async () => {
		const before = (await ticketingRequests()).length;
		const run = await runManually(HEALTH.id, 'Every hour');
		expect(run.status).toBe('success');
		const runs = await executionRuns(run.id);
		expect(Object.keys(runs)).toEqual(
			expect.arrayContaining(['Send ISPM test message', 'Receiver healthy']),
		);
		expect(Object.keys(runs)).not.toContain('Alert: receiver unreachable');
		const sent = (await ticketingRequests()).slice(before);
		expect(sent).toHaveLength(1);
		expect(sent[0].body).toMatchObject({ type: expect.any(String), eventData: expect.any(Object) });
	});

	test('health-check example: a receiver that keeps failing raises the alert, which goes to a host that cannot exist', async () => {
		await sink.script(SINK_PATHS.ticketing, 503, 2);
		const before = (await ticketingRequests()).length;
		const run = await runManually(HEALTH.id, 'Every hour');
		const runs = await executionRuns(run.id);
		expect(Object.keys(runs)).not.toContain('Receiver healthy');
		// Out of the Event Hook's error output ("Continue (using error output)"), nothing out of its success output.
		expect(runs['Send ISPM test message'].outputs[0]).toEqual([]);
		expect(runs['Send ISPM test message'].outputs[1]).toEqual([
			expect.objectContaining({
				error: 'HTTP 503: the receiver failed to process the message (after 2 attempts)',
			}),
		]);
		// The alert really ran, and failed because its placeholder host (chat.example.invalid) does not
		// exist: n8n stores only its summary of that error ("… incorrect host (domain) value").
		expect(runs['Alert: receiver unreachable']?.error).toMatch(/ENOTFOUND|incorrect host/);
		expect(run.status).toBe('error');
		expect((await ticketingRequests()).slice(before).map((r) => r.answeredStatus)).toEqual([
			503, 503,
		]);
	});
});
