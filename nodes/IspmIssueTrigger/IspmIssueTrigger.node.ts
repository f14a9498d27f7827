import {
	NodeConnectionTypes,
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
import type { IspmEnvelope } from '../../lib/envelope';
import { createIssueFilter } from '../../lib/issueFilter';
import { DEFAULT_REMEMBER_ISSUES, memoryFor, STATIC_DATA_KEY } from '../../lib/issueMemory';
import { receiveDelivery } from '../../lib/receive';
import { readWebhookBody, type WebhookRequest } from '../../lib/requestBody';
import { simplify } from '../../lib/simplify';
import { ispmApiKeyTest } from '../IspmEventHook/credentialTest';
import { triggerProperties } from './description';

interface TriggerOptions {
	customIssueTypes?: string;
	severities?: string[];
	rememberIssues?: number;
	simplify?: boolean;
}

type Context = IWebhookFunctions | IExecuteFunctions;

/** Test runs in the editor accept every issue and neither read nor change what production remembers. */
const isTestRun = (context: Context) => context.getMode() === 'manual';

function triggerMemory(context: Context, options: TriggerOptions) {
	const staticData = context.getWorkflowStaticData('node');
	const scope = `${context.getWorkflow().id}:${context.getNode().id}`;
	const memory = memoryFor(
		scope,
		options.rememberIssues ?? DEFAULT_REMEMBER_ISSUES,
		staticData[STATIC_DATA_KEY],
	);
	return { memory, staticData };
}

export class IspmIssueTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'ISPM Issue Trigger',
		name: 'ispmIssueTrigger',
		icon: { light: 'file:../../icons/ispm.svg', dark: 'file:../../icons/ispm.dark.svg' },
		group: ['trigger'],
		// 1.1 behaves exactly like 1. n8n's webhook handler evaluates an expression for every request to a
		// trigger of version 1 (the Webhook node's old binaryData option): under the default `vm` engine
		// that needs an expression isolate per request even with N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true.
		// n8n also leaves more bodies unparsed for 1.1: the trigger reads them itself (lib/requestBody.ts).
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
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'ispm' }],
		properties: triggerProperties,
	};

	// n8n takes a credential's test from the first node that names it in `testedBy`: both nodes offer it.
	methods = { credentialTest: { ispmApiKeyTest } };

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
		const options = this.getNodeParameter('options', {}) as TriggerOptions;
		const authentication = this.getNodeParameter('authentication', 'headerAuth') as string;
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
				memory: isTestRun(this) ? undefined : () => triggerMemory(this, options).memory,
			},
		);
		// The node answers itself: with responseMode onReceived n8n would otherwise send its own
		// "responseData" default instead of this body whenever an execution starts.
		this.getResponseObject().status(outcome.status).json(outcome.body);
		if (!('envelope' in outcome)) {
			const line = deliveryLogLine(outcome);
			this.logger.debug(line.message, line.metadata);
		}
		return 'envelope' in outcome
			? { noWebhookResponse: true, workflowData: [[{ json: outcome.envelope as IDataObject }]] }
			: { noWebhookResponse: true };
	}

	/**
	 * Runs in the execution phase with the webhook's output as input. This is where the memory is
	 * persisted: n8n drops static-data changes made in a webhook() that starts an execution, and saves
	 * the execution's static data when it ends (see lib/issueMemory.ts).
	 */
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const options = this.getNodeParameter('options', 0, {}) as TriggerOptions;
		if (!isTestRun(this)) {
			const { memory, staticData } = triggerMemory(this, options);
			// Already claimed when the same process received it; in queue mode a worker learns it here.
			for (const item of items) memory.claim((item.json as IspmEnvelope).eventData.id);
			memory.persistInto(staticData);
		}
		// The accepted issue, findable from the Executions list (one issue per execution).
		if (items.length > 0)
			this.customData.setAll(executionCustomData(items[0].json as IspmEnvelope));
		return [
			items.map((item, index) => ({
				json: options.simplify ? (simplify(item.json as IspmEnvelope) as IDataObject) : item.json,
				pairedItem: { item: index },
			})),
		];
	}
}
