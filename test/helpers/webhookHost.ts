/* eslint-disable @n8n/community-nodes/no-restricted-globals -- test code runs in Jest, not in n8n */
/**
 * A model of how n8n 2.40.7 (regular mode) runs a webhook trigger, built from the measurements in
 * shared/n8n/README.md, so that unit tests exercise the trigger under n8n's real persistence rules,
 * not the ones the documentation suggests:
 * 1. each request loads the workflow's static data from the database at its start;
 * 2. when webhook() returns workflowData, an execution starts and the webhook phase's static-data
 *    changes are dropped; otherwise they are saved when the request ends;
 * 3. the execution loads its own copy at its start, runs the trigger's execute() with the webhook output,
 *    runs the rest of the workflow (a random delay here), and saves its whole copy when it ends if
 *    anything changed: the last writer wins;
 * 4. module state (the node class) is shared by every request and execution of the process and lost on
 *    restart; 5. manual (test) executions save nothing.
 * Static data is wrapped with n8n's own ObservableObject, so "changed" means what it means in n8n.
 */
import {
	ObservableObject,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { forgetAllMemories } from '../../lib/issueMemory';
import { IspmIssueTrigger } from '../../nodes/IspmIssueTrigger/IspmIssueTrigger.node';

export interface HostDelivery {
	headers?: Record<string, string>;
	query?: Record<string, unknown>;
	body: unknown;
}

export interface HostAnswer {
	status: number;
	body: unknown;
	executionStarted: boolean;
}

type StaticData = IDataObject & { __dataChanged?: boolean };

const tick = (maxMs: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * maxMs));

export class WebhookTriggerHost {
	/** The workflow's static data as stored in the database. */
	database = '{}';

	/** Outputs of every execution's trigger step, in the order they finished. */
	readonly executions: INodeExecutionData[][] = [];

	/** Scripted durations (ms) of the rest of the workflow for the next executions, in start order. */
	readonly workflowDurations: number[] = [];

	private running: Array<Promise<void>> = [];

	private readonly node = new IspmIssueTrigger();

	constructor(
		private readonly parameters: Record<string, unknown>,
		private readonly credential: Record<string, unknown>,
		private readonly ids = { workflowId: 'wf-1', nodeId: 'node-1', nodeName: 'ISPM Issue Trigger' },
		/** Upper bound of the random time the rest of the workflow takes, in ms. */
		private readonly workflowMs = 20,
	) {}

	get executionCount(): number {
		return this.executions.length + this.running.length;
	}

	storedStaticData(): IDataObject {
		return JSON.parse(this.database) as IDataObject;
	}

	/** What a restart does: module state is gone; the database stays. */
	async restart(): Promise<void> {
		await this.idle();
		forgetAllMemories();
	}

	async idle(): Promise<void> {
		while (this.running.length) await Promise.all(this.running);
	}

	async deliver(delivery: HostDelivery, mode: 'webhook' | 'manual' = 'webhook'): Promise<HostAnswer> {
		const staticData = this.load();
		const response = { status: 200, body: undefined as unknown };
		const context = {
			...this.common(staticData, mode),
			getNodeParameter: (name: string, fallback?: unknown) => this.parameter(name, fallback),
			getCredentials: async () => ({ ...this.credential }),
			getHeaderData: () => lowerCaseKeys(delivery.headers ?? {}),
			getQueryData: () => delivery.query ?? {},
			getBodyData: () => delivery.body,
			getResponseObject: () => ({
				status(code: number) {
					response.status = code;
					return this;
				},
				json(body: unknown) {
					response.body = body;
				},
			}),
		} as unknown as IWebhookFunctions;
		const result: IWebhookResponseData = await this.node.webhook.call(context);
		// As n8n's executeWebhook(): a node that answered itself sets noWebhookResponse; otherwise n8n sends
		// webhookResponse (only when no execution starts: with one, n8n answers from "responseData").
		const answer = result.noWebhookResponse
			? { status: response.status, body: response.body }
			: { status: 200, body: result.workflowData ? 'firstEntryJson' : result.webhookResponse };
		if (result.workflowData) {
			const run = this.execute(result.workflowData[0], mode);
			this.running.push(run);
			void run.finally(() => this.running.splice(this.running.indexOf(run), 1));
			return { ...answer, executionStarted: true };
		}
		if (mode !== 'manual' && staticData.__dataChanged) this.database = JSON.stringify(staticData);
		return { ...answer, executionStarted: false };
	}

	private async execute(input: INodeExecutionData[], mode: 'webhook' | 'manual'): Promise<void> {
		const duration = this.workflowDurations.shift();
		await tick(5);
		const staticData = this.load();
		const context = {
			...this.common(staticData, mode),
			getInputData: () => input,
			getNodeParameter: (name: string, _index: number, fallback?: unknown) => this.parameter(name, fallback),
		} as unknown as IExecuteFunctions;
		const [output] = await this.node.execute.call(context);
		await (duration === undefined ? tick(this.workflowMs) : new Promise((resolve) => setTimeout(resolve, duration)));
		if (mode !== 'manual' && staticData.__dataChanged) this.database = JSON.stringify(staticData);
		this.executions.push(output);
	}

	private load(): StaticData {
		return ObservableObject.create(JSON.parse(this.database) as IDataObject) as StaticData;
	}

	private common(staticData: StaticData, mode: string) {
		return {
			getMode: () => mode,
			getWorkflow: () => ({ id: this.ids.workflowId, active: true }),
			getNode: () => ({ id: this.ids.nodeId, name: this.ids.nodeName, type: 'n8n-nodes-ispm.ispmIssueTrigger' }),
			// As n8n's Workflow.getStaticData('node'): one child object per node name, observed by its parent.
			getWorkflowStaticData: () => {
				const key = `node:${this.ids.nodeName}`;
				if (staticData[key] === undefined) staticData[key] = ObservableObject.create({}, staticData as never);
				return staticData[key] as IDataObject;
			},
		};
	}

	private parameter(name: string, fallback: unknown): unknown {
		const value = name.split('.').reduce<unknown>((at, part) => (at as IDataObject | undefined)?.[part], this.parameters);
		return value === undefined ? fallback : value;
	}
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
	return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
