/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code runs in Jest, not in n8n */
/**
 * A model of how n8n 2.40.7 (regular mode) runs a webhook trigger, built from the measurements and the code
 * read in shared/n8n/README.md, so that unit tests exercise the trigger under n8n's real rules, not the
 * ones the documentation suggests:
 * 1. each request loads the workflow's static data from the database at its start;
 * 2. a node that answered itself (`noWebhookResponse`) has answered; otherwise, when webhook() returns
 *    workflowData, n8n creates the execution (WorkflowRunner.run) and only then answers `onReceived` with
 *    the description's `responseData` when it evaluates truthy (default: the literal "firstEntryJson"),
 *    else the returned `webhookResponse`; if creating the execution fails, it answers 500. The response
 *    emits `finish` once written. The webhook phase's static-data changes are dropped when an execution
 *    starts; otherwise they are saved when the request ends;
 * 3. the execution loads its own copy at its start, runs the trigger's execute() with the webhook output,
 *    runs the rest of the workflow (a random delay here), and saves its whole copy when it ends if
 *    anything changed: the last writer wins;
 * 4. module state (the node class) is shared by every request and execution of the process and lost on a
 *    restart. A crash (SIGKILL) also loses running executions (n8n marks them crashed); executions created
 *    but not started (status `new`) are resumed at start-up with the static data they were created with;
 * 5. manual (test) executions save nothing.
 * Static data is wrapped with n8n's own ObservableObject, so "changed" means what it means in n8n.
 */
import { EventEmitter } from 'node:events';

import {
	ObservableObject,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type IWebhookDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import type * as IssueMemoryModule from '../../lib/issueMemory';
import type * as TriggerModule from '../../nodes/IspmIssueTrigger/IspmIssueTrigger.node';

/**
 * One n8n process: its own copy of the node's modules (module state is per process), loaded afresh with
 * Jest's module isolation.
 */
export interface N8nProcess {
	node: TriggerModule.IspmIssueTrigger;
	memory: typeof IssueMemoryModule;
}

export function startProcess(): N8nProcess {
	let started: N8nProcess | undefined;
	jest.isolateModules(() => {
		/* eslint-disable @typescript-eslint/no-require-imports -- a fresh module registry per process */
		const { IspmIssueTrigger } =
			require('../../nodes/IspmIssueTrigger/IspmIssueTrigger.node') as typeof TriggerModule;
		const memory = require('../../lib/issueMemory') as typeof IssueMemoryModule;
		/* eslint-enable @typescript-eslint/no-require-imports */
		started = { node: new IspmIssueTrigger(), memory };
	});
	return started as N8nProcess;
}

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
	headers: Record<string, string>;
	executionStarted: boolean;
}

export interface HostCredentials {
	/** The API-key credential (header or query, as `authentication` says). */
	apiKey: Record<string, unknown>;
	/** `ispmRedisApi`, for `issueMemory: redis`. */
	redis?: Record<string, unknown>;
}

type StaticData = IDataObject & { __dataChanged?: boolean };

const tick = (maxMs: number) =>
	new Promise((resolve) => setTimeout(resolve, Math.random() * maxMs));

/** Express' response as far as the trigger and n8n's answering use it. */
class ResponseModel extends EventEmitter {
	statusCode = 200;

	body: unknown;

	headers: Record<string, string> = {};

	written = false;

	status(code: number) {
		this.statusCode = code;
		return this;
	}

	set(headers: Record<string, string>) {
		Object.assign(this.headers, headers);
		return this;
	}

	json(body: unknown) {
		this.body = body;
		this.written = true;
		this.emit('finish');
	}
}

interface Enqueued {
	input: INodeExecutionData[];
	mode: string;
	/** The static data the execution was created with (what n8n resumes it with after a crash). */
	snapshot: string;
	/** Not started until a crash (see `deliver`'s holdExecution). */
	held?: boolean;
}

export class WebhookTriggerHost {
	/** The workflow's static data as stored in the database. */
	database = '{}';

	/** Outputs of every execution's trigger step, in the order they finished. */
	readonly executions: INodeExecutionData[][] = [];

	/** Executions that were running when the process crashed (n8n marks them crashed). */
	crashed = 0;

	/** Custom data each execution set (`$execution.customData`), in the order they ran the trigger step. */
	readonly customData: Array<Record<string, string>> = [];

	/** What the node logged through `this.logger`. */
	readonly logs: HostLogLine[] = [];

	/** How many deliveries had their body read (`readRawBody()`). */
	bodiesRead = 0;

	/** Scripted durations (ms) of the rest of the workflow for the next executions, in start order. */
	readonly workflowDurations: number[] = [];

	/** Executions created but not started yet: resumed at start-up after a crash. */
	private enqueued: Enqueued[] = [];

	private running: Array<Promise<void>> = [];

	/** Bumped by a crash: work of an earlier process generation stops and saves nothing. */
	private generation = 0;

	private failCreations = 0;

	/** How long n8n takes to create each execution, in ms (a few ms when unset). */
	creationMs?: number;

	/** The current n8n process, and every one started so far (their Redis clients are closed at the end). */
	private process: N8nProcess = startProcess();

	private readonly processes: N8nProcess[] = [this.process];

	private get node() {
		return this.process.node;
	}

	constructor(
		private readonly parameters: Record<string, unknown>,
		private readonly credentials: HostCredentials,
		private readonly ids = {
			workflowId: 'wf-1',
			nodeId: 'node-1',
			nodeName: 'ISPM Issue Trigger',
		},
		/** Upper bound of the random time the rest of the workflow takes, in ms. */
		private readonly workflowMs = 20,
	) {}

	get executionCount(): number {
		return this.executions.length + this.running.length + this.enqueued.length;
	}

	storedStaticData(): IDataObject {
		return JSON.parse(this.database) as IDataObject;
	}

	/** n8n fails to create the next `count` executions (database or queue down): it answers 500. */
	failExecutionCreation(count = 1): void {
		this.failCreations += count;
	}

	/** What a clean restart does: executions finish, module state is gone, the database stays. */
	async restart(): Promise<void> {
		await this.idle();
		this.newProcess();
	}

	/** Ends the model: closes the Redis clients of every process it started. */
	async close(): Promise<void> {
		await this.idle();
		await Promise.all(this.processes.map(async (p) => await p.memory.closeSharedRedisClients()));
	}

	private newProcess(): void {
		this.process = startProcess();
		this.processes.push(this.process);
	}

	/**
	 * SIGKILL, then start-up: running executions are lost (crashed) without saving; module state is gone;
	 * executions created but not yet started are resumed with the static data they were created with.
	 */
	async crashAndRestart(): Promise<void> {
		this.generation += 1;
		this.crashed += this.running.length;
		this.running = [];
		this.newProcess();
		const resumed = this.enqueued.splice(0);
		for (const job of resumed) this.start(job, job.snapshot);
		await this.idle();
	}

	async idle(): Promise<void> {
		while (this.running.length || this.enqueued.some((job) => !job.held)) {
			await Promise.all(this.running);
			await tick(1);
		}
	}

	async deliver(
		delivery: HostDelivery,
		mode: 'webhook' | 'manual' = 'webhook',
		{
			hangUp = false,
			holdExecution = false,
		}: {
			/** The sender hangs up before n8n answers (the execution is still created). */
			hangUp?: boolean;
			/** The execution stays created but not started (status `new`) until a crash resumes it. */
			holdExecution?: boolean;
		} = {},
	): Promise<HostAnswer> {
		const staticData = this.load();
		const requestCopy = JSON.stringify(staticData);
		const response = new ResponseModel();
		const headers = lowerCaseKeys(delivery.headers ?? {});
		const request = requestObject(delivery, headers, () => (this.bodiesRead += 1));
		const context = {
			...this.common(staticData, mode),
			getNodeParameter: (name: string, fallback?: unknown) => this.parameter(name, fallback),
			getCredentials: async (type: string) => this.credential(type),
			getHeaderData: () => headers,
			getQueryData: () => delivery.query ?? {},
			getBodyData: () => delivery.body,
			getRequestObject: () => request,
			getResponseObject: () => response,
		} as unknown as IWebhookFunctions;
		const { node } = this;
		const result: IWebhookResponseData = await node.webhook.call(context);
		if (result.noWebhookResponse) {
			if (mode !== 'manual' && staticData.__dataChanged) this.database = JSON.stringify(staticData);
			return this.answer(response, false);
		}
		if (!result.workflowData)
			throw new Error('the model expects workflowData or noWebhookResponse');
		// WorkflowRunner.run(): the execution is created (status new), then n8n answers.
		const generation = this.generation;
		await (this.creationMs === undefined
			? tick(3)
			: new Promise((resolve) => setTimeout(resolve, this.creationMs)));
		// The process died meanwhile: nothing was created, the sender's connection was reset.
		if (generation !== this.generation)
			return { status: 0, body: undefined, headers: {}, executionStarted: false };
		if (this.failCreations > 0) {
			this.failCreations -= 1;
			response.status(500).json({ message: 'There was a problem executing the workflow' });
			return this.answer(response, false);
		}
		const job: Enqueued = { input: result.workflowData[0], mode, snapshot: requestCopy };
		if (holdExecution) job.held = true;
		this.enqueued.push(job);
		void tick(5).then(() => this.startEnqueued(job));
		if (hangUp) return { status: 0, body: undefined, headers: {}, executionStarted: true };
		response.status(200).json(this.onReceivedBody(result));
		return this.answer(response, true);
	}

	private onReceivedBody(result: IWebhookResponseData): unknown {
		const [description] = this.node.description.webhooks as IWebhookDescription[];
		const responseData =
			description.responseData === undefined ? 'firstEntryJson' : description.responseData;
		if (responseData) return responseData;
		return result.webhookResponse ?? { message: 'Workflow was started' };
	}

	private answer(response: ResponseModel, executionStarted: boolean): HostAnswer {
		return {
			status: response.statusCode,
			body: response.body,
			headers: response.headers,
			executionStarted,
		};
	}

	private startEnqueued(job: Enqueued): void {
		const at = this.enqueued.indexOf(job);
		if (at === -1 || job.held) return; // held, or resumed or lost by a crash meanwhile
		this.enqueued.splice(at, 1);
		this.start(job);
	}

	/** Runs an execution: static data from the database at its start, or the snapshot it resumes with. */
	private start(job: Enqueued, resumeWith?: string): void {
		const run = this.execute(job, resumeWith);
		this.running.push(run);
		void run.finally(() => {
			const at = this.running.indexOf(run);
			if (at !== -1) this.running.splice(at, 1);
		});
	}

	private async execute({ input, mode }: Enqueued, resumeWith?: string): Promise<void> {
		const generation = this.generation;
		const { node } = this;
		const duration = this.workflowDurations.shift();
		const staticData = this.load(resumeWith);
		const customData: Record<string, string> = {};
		this.customData.push(customData);
		const context = {
			...this.common(staticData, mode),
			getInputData: () => input,
			getNodeParameter: (name: string, _index: number, fallback?: unknown) =>
				this.parameter(name, fallback),
			getCredentials: async (type: string) => this.credential(type),
			// As n8n 1.x and 2.x both offer it: to expressions, through the workflow data proxy.
			getWorkflowDataProxy: () => ({
				$execution: {
					customData: {
						set: (key: string, value: string) => (customData[key] = value),
						setAll: (values: Record<string, string>) => Object.assign(customData, values),
					},
				},
			}),
			addExecutionHints: () => undefined,
		} as unknown as IExecuteFunctions;
		const [output] = await node.execute.call(context);
		await (duration === undefined
			? tick(this.workflowMs)
			: new Promise((resolve) => setTimeout(resolve, duration)));
		if (generation !== this.generation) return; // the process died meanwhile: nothing saved
		if (mode !== 'manual' && staticData.__dataChanged) this.database = JSON.stringify(staticData);
		this.executions.push(output);
	}

	private load(json = this.database): StaticData {
		return ObservableObject.create(JSON.parse(json) as IDataObject) as StaticData;
	}

	private credential(type: string): Record<string, unknown> {
		if (type === 'ispmRedisApi') {
			if (!this.credentials.redis) throw new Error('no ispmRedisApi credential in this test');
			return { ...this.credentials.redis };
		}
		return { ...this.credentials.apiKey };
	}

	private common(staticData: StaticData, mode: string) {
		const logged = (level: string) => (message: string, metadata?: unknown) =>
			this.logs.push({ level, message, metadata });
		return {
			getMode: () => mode,
			getWorkflow: () => ({ id: this.ids.workflowId, active: true }),
			getNode: () => ({
				id: this.ids.nodeId,
				name: this.ids.nodeName,
				type: 'n8n-nodes-ispm.ispmIssueTrigger',
				credentials: this.credentials.redis
					? { ispmRedisApi: { id: 'redis-1', name: 'Redis' } }
					: {},
			}),
			logger: {
				debug: logged('debug'),
				info: logged('info'),
				warn: logged('warn'),
				error: logged('error'),
			},
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
