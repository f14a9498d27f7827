/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- end-to-end test code: runs in Jest and drives a real n8n from outside */
/**
 * The example workflows in examples/ (imported and published by the global setup exactly as `npm start`
 * does) activate without errors, their ISPM triggers are served, and the remediation example routes
 * issues by title.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { TRIGGER_TYPE, makeIssue } from './fixtures';
import {
	executionOutputs,
	executions,
	httpPost,
	readState,
	settledExecutions,
	webhookUrl,
} from './harness';

const examplesDir = join(__dirname, '..', '..', 'examples');

interface ExampleWorkflow {
	id: string;
	name: string;
	nodes: Array<{
		name: string;
		type: string;
		webhookId?: string;
		parameters: Record<string, unknown>;
		credentials?: Record<string, { id: string }>;
	}>;
}

interface DemoCredential {
	id: string;
	type: string;
	data: Record<string, string>;
}

const example = (file: string) =>
	JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) as ExampleWorkflow;
const demoCredentials = JSON.parse(
	readFileSync(join(examplesDir, 'demo-credentials.json'), 'utf8'),
) as DemoCredential[];

const REMEDIATION = example('remediate-by-issue-type.json');
const FORWARD = example('forward-new-issues.json');
const HEALTH = example('scheduled-health-check.json');

function triggerOf(workflow: ExampleWorkflow) {
	const trigger = workflow.nodes.find((n) => n.type === TRIGGER_TYPE);
	if (!trigger?.webhookId) throw new Error(`${workflow.name} has no ISPM trigger with a webhookId`);
	const [credentialRef] = Object.values(trigger.credentials ?? {});
	const credential = demoCredentials.find((c) => c.id === credentialRef?.id);
	if (!credential)
		throw new Error(`${workflow.name}: demo credential ${credentialRef?.id} is missing`);
	return { webhookId: trigger.webhookId, key: credential.data.key, value: credential.data.value };
}

describe('example workflows', () => {
	test('all three are imported, published and activated without errors', () => {
		const { exampleWorkflowIds, publications } = readState();
		expect(exampleWorkflowIds.sort()).toEqual([REMEDIATION.id, FORWARD.id, HEALTH.id].sort());
		expect(publications).not.toBeNull();
		const examples = (publications ?? []).filter((p) => exampleWorkflowIds.includes(p.workflowId));
		expect(
			examples
				.map(({ workflowId, status, errorMessage }) => ({ workflowId, status, errorMessage }))
				.sort((a, b) => a.workflowId.localeCompare(b.workflowId)),
		).toEqual(
			exampleWorkflowIds
				.sort()
				.map((workflowId) => ({ workflowId, status: 'completed', errorMessage: null })),
		);
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
});
