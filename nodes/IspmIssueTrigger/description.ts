import type { INodeProperties } from 'n8n-workflow';

import { KNOWN_ISSUE_TITLES, SEVERITIES } from '../../lib/issueTypes';
import { DEFAULT_REMEMBER_ISSUES, MAX_REMEMBER_ISSUES } from '../../lib/issueMemory';

const setupNotice = (where: 'HTTP Headers' | 'Query Parameters'): string =>
	`<b>Set up in ISPM</b> (Integrations → Webhook tile): paste this node's <b>Production URL</b> (above) as <b>Webhook Address</b>, choose <b>${where}</b>, and copy <b>Key</b>, <b>Value</b> and any extra parameters from the credential. Under <b>Automate webhook</b> enable <i>Auto-send notification</i> for the issue types you select here. ISPM's <b>Test connection</b> works against the Test URL while this node listens for a test event.`;

export const triggerProperties: INodeProperties[] = [
	{
		displayName: 'Authentication',
		name: 'authentication',
		type: 'options',
		options: [
			{
				name: 'API Key in Header',
				value: 'headerAuth',
				description: 'ISPM sends the key as an HTTP header ("HTTP Headers" on the Webhook tile)',
			},
			{
				name: 'API Key in Query Parameter',
				value: 'queryAuth',
				description: 'ISPM sends the key in the URL ("Query Parameters" on the Webhook tile)',
			},
		],
		default: 'headerAuth',
	},
	{
		displayName: setupNotice('HTTP Headers'),
		name: 'setupNoticeHeader',
		type: 'notice',
		default: '',
		displayOptions: { show: { authentication: ['headerAuth'] } },
	},
	{
		displayName: setupNotice('Query Parameters'),
		name: 'setupNoticeQuery',
		type: 'notice',
		default: '',
		displayOptions: { show: { authentication: ['queryAuth'] } },
	},
	{
		displayName: 'Issue Types',
		name: 'issueTypes',
		type: 'multiOptions',
		options: KNOWN_ISSUE_TITLES.map((title) => ({ name: title, value: title })),
		default: [],
		description:
			'Issue titles that start the workflow; none selected means every type. Titles ISPM added after this list was made go in Options → Custom Issue Types.',
	},
	{
		displayName: 'Remember Issues In',
		name: 'issueMemory',
		type: 'options',
		options: [
			{
				// eslint-disable-next-line n8n-nodes-base/node-param-display-name-miscased -- n8n is written in lower case
				name: 'This n8n Instance',
				value: 'instance',
				description:
					"The n8n process's own memory, saved with the workflow. Exact in n8n's default (regular) mode; needs nothing else.",
			},
			{
				// eslint-disable-next-line n8n-nodes-base/node-param-display-name-miscased -- n8n is written in lower case
				name: 'Redis, Shared by All n8n Processes',
				value: 'redis',
				description:
					'One memory on a Redis server for every main, webhook and worker process. Exact in queue mode and multi-main setups.',
			},
		],
		default: 'instance',
		description:
			'Where the trigger remembers which issues already started the workflow, so that a repeated delivery never starts it twice',
	},
	{
		displayName:
			"Choose <b>Redis</b> when n8n runs in <b>queue mode</b> (separate webhook processes and workers) or <b>multi-main</b>: each n8n process has its own instance memory, so a repeated delivery that reaches another process would start the workflow again. The Redis of n8n's queue will do.",
		name: 'issueMemoryNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Custom Issue Types',
				name: 'customIssueTypes',
				type: 'string',
				default: '',
				placeholder: 'Stale Access Key - Service Account, Dormant Account',
				description:
					'Comma-separated issue titles that are not in the list, matched like the listed ones (case and extra spaces ignored)',
			},
			{
				displayName: 'If Redis Is Unreachable',
				name: 'whenMemoryUnreachable',
				type: 'options',
				displayOptions: { show: { '/issueMemory': ['redis'] } },
				options: [
					{
						name: 'Accept the Issue (At Least Once)',
						value: 'accept',
						description:
							'Start the workflow without checking for duplicates; the execution says so, and n8n logs why',
					},
					{
						name: 'Reject the Delivery (Sender Retries)',
						value: 'reject',
						description:
							'Answer 503 so that ISPM retries later, and remember nothing, so that the retry is accepted once',
					},
				],
				default: 'accept',
				description: 'What a delivery gets while the Redis server cannot be reached',
			},
			{
				displayName: 'Remember Issues',
				name: 'rememberIssues',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: MAX_REMEMBER_ISSUES, numberPrecision: 0 },
				default: DEFAULT_REMEMBER_ISSUES,
				description:
					'How many issue IDs to remember (per trigger node, in this n8n or in Redis) so that a repeated delivery never starts the workflow twice. When full, the oldest is forgotten first.',
			},
			{
				displayName: 'Severities',
				name: 'severities',
				type: 'multiOptions',
				options: SEVERITIES.map((severity) => ({ name: severity, value: severity })),
				default: [],
				description: 'Severities that start the workflow; none selected means every severity',
			},
			{
				displayName: 'Simplify',
				name: 'simplify',
				type: 'boolean',
				default: false,
				description:
					"Whether to output one flat object with the field names of Okta's ISPM automation (issueTitle, entityDisplayName, …) instead of the whole ISPM message",
			},
		],
	},
];
