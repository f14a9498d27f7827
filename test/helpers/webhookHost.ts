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
	/**
	 * What n8n parsed. Without `raw`, the bytes are made from it as n8n would have received them: an object
	 * as `application/json`, a string as `text/plain` (unless `headers` name a content type).
	 */
	body: unknown;
	/** The bytes on the wire, for n8n's `rawBody` (`readRawBody()` then sets it, as n8n's does). */
	raw?: Buffer;
}

/** The request object n8n hands a webhook (`getRequestObject()`), with n8n's raw-body reader. */
function requestObject(
	delivery: HostDelivery,
	headers: Record<string, string>,
	onRead: () => void,
) {
	const given = headers['content-type'] !== undefined;
	const isText = typeof delivery.body === 'string';
	if (!given && delivery.body !== undefined)
		headers['content-type'] = isText ? 'text/plain' : 'application/json';
	const raw =
		delivery.raw ??
		(delivery.body === undefined
			? Buffer.alloc(0)
			: Buffer.from(isText ? (delivery.body as string) : JSON.stringify(delivery.body), 'utf8'));
	const request: {
		headers: Record<string, string>;
		body: unknown;
		rawBody?: Buffer;
		readRawBody(): Promise<void>;
	} = {
		headers,
		body: delivery.body,
		async readRawBody() {
			onRead();
			request.rawBody = raw;
		},
	};
	return request;
}

export interface HostLogLine {
	level: string;
	message: string;
	metadata: unknown;
}

export interface HostAnswer {
	status: number;
	body: unknown;
	executionStarted: boolean;
}

type StaticData = IDataObject & { __dataChanged?: boolean };

const tick = (maxMs: number) =>
	new Promise((resolve) => setTimeout(resolve, Math.random() * maxMs));

export class WebhookTriggerHost {
	/** The workflow's static data as stored in the database. */
	database = '{}';

	/** Outputs of every execution's trigger step, in the order they finished. */
	readonly executions: INodeExecutionData[][] = [];

	/** Custom data each execution set (`this.customData`), in the order they ran the trigger step. */
	readonly customData: Array<Record<string, string>> = [];

	/** What the node logged through `this.logger`. */
	readonly logs: HostLogLine[] = [];

	/** How many deliveries had their body read (`readRawBody()`). */
	bodiesRead = 0;

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

	async deliver(
		delivery: HostDelivery,
		mode: 'webhook' | 'manual' = 'webhook',
	): Promise<HostAnswer> {
		const staticData = this.load();
		const response = { status: 200, body: undefined as unknown };
		const headers = lowerCaseKeys(delivery.headers ?? {});
		const request = requestObject(delivery, headers, () => (this.bodiesRead += 1));
		const context = {
			...this.common(staticData, mode),
			getNodeParameter: (name: string, fallback?: unknown) => this.parameter(name, fallback),
			getCredentials: async () => ({ ...this.credential }),
			getHeaderData: () => headers,
			getQueryData: () => delivery.query ?? {},
			getBodyData: () => delivery.body,
			getRequestObject: () => request,
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
		const customData: Record<string, string> = {};
		this.customData.push(customData);
		const context = {
			...this.common(staticData, mode),
			customData: { setAll: (values: Record<string, string>) => Object.assign(customData, values) },
			getInputData: () => input,
			getNodeParameter: (name: string, _index: number, fallback?: unknown) =>
				this.parameter(name, fallback),
		} as unknown as IExecuteFunctions;
		const [output] = await this.node.execute.call(context);
		await (duration === undefined
			? tick(this.workflowMs)
			: new Promise((resolve) => setTimeout(resolve, duration)));
		if (mode !== 'manual' && staticData.__dataChanged) this.database = JSON.stringify(staticData);
		this.executions.push(output);
	}

	private load(): StaticData {
		return ObservableObject.create(JSON.parse(this.database) as IDataObject) as StaticData;
	}

	private common(staticData: StaticData, mode: string) {
		const log = (level: string) => (message: string, metadata: unknown) =>
			this.logs.push({ level, message, metadata });
		return {
			logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
			getMode: () => mode,
			getWorkflow: () => ({ id: this.ids.workflowId, active: true }),
			getNode: () => ({
				id: this.ids.nodeId,
				name: this.ids.nodeName,
				type: 'n8n-nodes-ispm.ispmIssueTrigger',
			}),
			// As n8n's Workflow.getStaticData('node'): one child object per node name, observed by its parent.
			getWorkflowStaticData: () => {
				const key = `node:${this.ids.nodeName}`;
				if (staticData[key] === undefined)
					staticData[key] = ObservableObject.create({}, staticData as never);
				return staticData[key] as IDataObject;
			},
		};
	}

	private parameter(name: string, fallback: unknown): unknown {
		const value = name
			.split('.')
			.reduce<unknown>((at, part) => (at as IDataObject | undefined)?.[part], this.parameters);
		return value === undefined ? fallback : value;
	}
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
	return Object.fromEntries(
		Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
	);
}
