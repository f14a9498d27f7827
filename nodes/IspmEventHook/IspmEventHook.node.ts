import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type ILoadOptionsFunctions,
	type INodeExecutionData,
	type INodeListSearchResult,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { KNOWN_ISSUE_TITLES } from '../../lib/issueTypes';
import { eventHookProperties } from './description';
import { executeEventHook } from './execute';
import { credentialTests } from '../shared/credentialTests';

export class IspmEventHook implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'ISPM Event Hook',
		name: 'ispmEventHook',
		icon: { light: 'file:../../icons/ispm.svg', dark: 'file:../../icons/ispm.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle:
			'={{ $parameter["operation"] === "sendTestMessage" ? "Send Test Message" : "Send Issue Event" }}',
		description: 'Send Okta ISPM event hook messages to a webhook, with retries',
		defaults: { name: 'ISPM Event Hook' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
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
		properties: eventHookProperties,
	};

	methods = {
		credentialTest: credentialTests,
		listSearch: {
			/** The known ISPM issue titles, filtered by what the user typed. */
			async searchIssueTitles(
				this: ILoadOptionsFunctions,
				filter?: string,
			): Promise<INodeListSearchResult> {
				const needle = (filter ?? '').toLowerCase();
				return {
					results: KNOWN_ISSUE_TITLES.filter((title) => title.toLowerCase().includes(needle)).map(
						(title) => ({ name: title, value: title }),
					),
				};
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeEventHook.call(this);
	}
}
