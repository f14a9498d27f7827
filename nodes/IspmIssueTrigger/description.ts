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
				displayName: 'Severities',
				name: 'severities',
				type: 'multiOptions',
				options: SEVERITIES.map((severity) => ({ name: severity, value: severity })),
				default: [],
				description: 'Severities that start the workflow; none selected means every severity',
			},
			{
				displayName: 'Remember Issues',
				name: 'rememberIssues',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: MAX_REMEMBER_ISSUES, numberPrecision: 0 },
				default: DEFAULT_REMEMBER_ISSUES,
				description:
					'How many issue IDs to remember so that a repeated delivery never starts the workflow twice. When full, the oldest is forgotten first.',
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
