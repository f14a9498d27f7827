import {
	NodeConnectionTypes,
	sleep,
	type IDataObject,
	type IExecuteFunctions,
	type IHookFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import type { IspmApiKeyCredential } from '../../lib/apiKeyAuth';
import { deliveryLogLine, executionCustomData } from '../../lib/deliveryTrace';
import { createIssueFilter } from '../../lib/issueFilter';
import { DEFAULT_REMEMBER_ISSUES } from '../../lib/issueMemory';
import {
	receiveDelivery,
	settleWhenAnswered,
	type UnreachableMemoryPolicy,
} from '../../lib/receive';
import { readWebhookBody, type WebhookRequest } from '../../lib/requestBody';
import { simplify } from '../../lib/simplify';
import { credentialTests } from '../shared/credentialTests';
import { triggerProperties } from './description';
import {
	acceptedDelivery,
	openIssueStore,
	readAcceptedDelivery,
	rememberExecuted,
	type IssueMemoryKind,
} from './memory';

interface TriggerOptions {
	customIssueTypes?: string;
	severities?: string[];
	rememberIssues?: number;
	simplify?: boolean;
	whenMemoryUnreachable?: UnreachableMemoryPolicy;
}

type Context = IWebhookFunctions | IExecuteFunctions;

/**
 * The execution's custom data (what the Executions list filters on). n8n 2.x offers it as
 * `this.customData`; n8n 1.x only to expressions, as `$execution.customData`: the same store, which the
 * workflow data proxy hands out on both lines.
 */
function customDataOf(context: IExecuteFunctions): {
	set(key: string, value: string): void;
	setAll(values: Record<string, string>): void;
} {
	return (
		context.getWorkflowDataProxy(0).$execution as { customData: ReturnType<typeof customDataOf> }
	).customData;
}

/** Test runs in the editor accept every issue and neither read nor change what production remembers. */
const isTestRun = (context: Context) => context.getMode() === 'manual';

export class IspmIssueTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'ISPM Issue Trigger',
		name: 'ispmIssueTrigger',
		icon: { light: 'file:../../icons/ispm.svg', dark: 'file:../../icons/ispm.dark.svg' },
		group: ['trigger'],
		// 1.1 behaves exactly like 1. n8n's webhook handler evaluates an expression for every request to a
		// trigger of version 1 (the Webhook node's old binaryData option): under the default `vm` engine
		// that needs an expression isolate per request even with N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true.
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle:
			'={{ ({ 0: "All issue types", 1: $parameter["issueTypes"][0] })[$parameter["issueTypes"].length] ?? $parameter["issueTypes"].length + " issue types" }}',
		description: 'Starts the workflow when Okta ISPM reports a new issue of the selected types',
		defaults: { name: 'ISPM Issue Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'ispmHeaderAuthApi',
				required: true,
				testedBy: 'ispmApiKeyTest',
				displayOptions: { show: { authentication: ['headerAuth'] } },
			},
			{
				name: 'ispmQueryAuthApi',
				required: true,
				testedBy: 'ispmApiKeyTest',
				displayOptions: { show: { authentication: ['queryAuth'] } },
			},
			{
				name: 'ispmRedisApi',
				required: true,
				testedBy: 'ispmRedisTest',
				displayOptions: { show: { issueMemory: ['redis'] } },
			},
		],
		triggerPanel: {
			header: 'Receive new issues from Okta ISPM',
			executionsHelp: {
				inactive:
					"<b>While building:</b> click <i>Execute step</i>, then in ISPM's Webhook tile set the <b>Test URL</b> below as Webhook Address and press <b>Test connection</b> (or post ISPM's sample message to it). The message shows up here; test runs accept it every time and remember nothing.<br /><br /><b>In production:</b> publish the workflow and set the <b>Production URL</b> in ISPM instead. Every new issue of the selected types then starts one execution.",
				active:
					"<b>While building:</b> unpublish the workflow, click <i>Execute step</i>, and point ISPM's Test connection at the <b>Test URL</b> below.<br /><br /><b>In production:</b> ISPM sends to the <b>Production URL</b>; each new issue of the selected types starts one execution, and repeated deliveries are answered as duplicates.",
			},
			activationHint:
				"Once you've finished building, publish the workflow and set the Production URL in ISPM's Webhook tile.",
		},
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				path: 'ispm',
				// An accepted issue is answered by n8n itself, with the body webhook() returns: n8n 2.x does that
				// only once the execution exists (created, or enqueued in queue mode). An empty responseData
				// makes n8n send that body instead of its default, the literal text "firstEntryJson".
				responseMode: 'onReceived',
				responseData: '',
			},
		],
		properties: triggerProperties,
	};

	// n8n takes a credential's test from the first node that names it in `testedBy`: both nodes offer them.
	methods = { credentialTest: credentialTests };

	// ISPM has no API to register hooks: the admin pastes the URL into ISPM's Webhook tile.
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const receivedAt = Date.now();
		const options = this.getNodeParameter('options', {}) as TriggerOptions;
		const authentication = this.getNodeParameter('authentication', 'headerAuth') as string;
		const memoryKind = this.getNodeParameter('issueMemory', 'instance') as IssueMemoryKind;
		const credential = await this.getCredentials<IspmApiKeyCredential & IDataObject>(
			authentication === 'queryAuth' ? 'ispmQueryAuthApi' : 'ispmHeaderAuthApi',
		);
		const outcome = await receiveDelivery(
			{
				headers: this.getHeaderData(),
				query: this.getQueryData() as IDataObject,
				readBody: async () =>
					await readWebhookBody(this.getRequestObject() as unknown as WebhookRequest),
			},
			{
				location: authentication === 'queryAuth' ? 'query' : 'header',
				credential,
				filter: createIssueFilter({
					...options,
					issueTypes: this.getNodeParameter('issueTypes', []) as string[],
				}),
				memory: isTestRun(this)
					? undefined
					: {
							open: async () =>
								await openIssueStore(
									this,
									memoryKind,
									options.rememberIssues ?? DEFAULT_REMEMBER_ISSUES,
								),
							whenUnreachable: options.whenMemoryUnreachable ?? 'accept',
							sleep: async (ms) => await sleep(ms),
						},
			},
		);
		const response = this.getResponseObject();
		if (!('envelope' in outcome)) {
			// Nothing starts: answered at once.
			if ('headers' in outcome) response.set(outcome.headers);
			response.status(outcome.status).json(outcome.body);
			const line = deliveryLogLine(outcome);
			this.logger.debug(line.message, line.metadata);
			return { noWebhookResponse: true };
		}
		if (outcome.memoryProblem) {
			this.logger.warn(
				`ISPM Issue Trigger: accepted issue ${outcome.body.issueId} without checking for duplicates (If Redis Is Unreachable: accept): ${outcome.memoryProblem}`,
			);
		}
		if (outcome.claim) {
			settleWhenAnswered(response, outcome.claim, (error) =>
				this.logger.warn(
					`ISPM Issue Trigger: could not settle the claim of issue ${outcome.body.issueId}; it ends with its lease: ${(error as Error).message}`,
				),
			);
		}
		// n8n answers with webhookResponse once the execution exists (see `webhooks` above).
		return {
			webhookResponse: outcome.body,
			workflowData: [[{ json: acceptedDelivery(outcome, receivedAt) as unknown as IDataObject }]],
		};
	}

	/**
	 * Runs in the execution phase with the webhook's output as input: records that the issues' executions
	 * exist (see ./memory.ts) and outputs the ISPM message, or its simplified form.
	 */
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const deliveries = this.getInputData().map((item) => readAcceptedDelivery(item.json));
		const options = this.getNodeParameter('options', 0, {}) as TriggerOptions;
		if (!isTestRun(this)) {
			await rememberExecuted(
				this,
				this.getNodeParameter('issueMemory', 0, 'instance') as IssueMemoryKind,
				options.rememberIssues ?? DEFAULT_REMEMBER_ISSUES,
				deliveries,
			);
		}
		// The accepted issue, findable from the Executions list (one issue per execution).
		const customData = customDataOf(this);
		if (deliveries.length > 0) customData.setAll(executionCustomData(deliveries[0].message));
		const unchecked = deliveries.find((delivery) => delivery.deduplication === 'unchecked');
		if (unchecked) {
			customData.set('deduplication', 'unchecked');
			this.addExecutionHints({
				message:
					`Not checked for duplicates: the issue memory (Redis) was unreachable when this issue arrived, so it may run more than once. ${unchecked.memoryProblem ?? ''}`.trim(),
				type: 'warning',
				location: 'outputPane',
			});
		}
		return [
			deliveries.map(({ message }, index) => ({
				json: (options.simplify ? simplify(message) : message) as IDataObject,
				pairedItem: { item: index },
			})),
		];
	}
}
