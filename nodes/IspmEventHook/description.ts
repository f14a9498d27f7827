import type { INodeProperties } from 'n8n-workflow';

// Number defaults are literals (the linter checks them); a test holds them equal to DEFAULT_DELIVERY_OPTIONS.
import { DELIVERY_OPTION_LIMITS } from '../../lib/delivery';
import {
	DEFAULT_SOURCE,
	ISSUE_CREATED,
	KNOWN_ISSUE_TITLES,
	SEVERITIES,
} from '../../lib/issueTypes';

const sendIssue = { operation: ['sendIssue'] };
const fieldsMode = { operation: ['sendIssue'], eventDataSource: ['fields'] };

/** Parameters of the "fields" mode, one per eventData field; names match the eventData keys. */
const eventDataFields: INodeProperties[] = [
	{
		displayName: 'Issue ID',
		name: 'id',
		type: 'string',
		default: '',
		placeholder: 'Alert_V32uL3CHijlQYHq-uqTkqWOXSJ8~',
		description: "ISPM issue ID. Leave empty to generate one shaped like ISPM's (Alert_…~).",
	},
	{
		displayName: 'Title',
		name: 'title',
		type: 'resourceLocator',
		required: true,
		default: { mode: 'list', value: KNOWN_ISSUE_TITLES[0] },
		description:
			'The issue type. Pick a known ISPM title or switch to "Custom" for a title ISPM added since.',
		modes: [
			{
				displayName: 'Known Title',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchIssueTitles', searchable: true },
			},
			{
				displayName: 'Custom',
				name: 'custom',
				type: 'string',
				placeholder: 'e.g. Old Password - Service Account',
			},
		],
	},
	{
		displayName: 'Severity',
		name: 'severity',
		type: 'options',
		options: SEVERITIES.map((severity) => ({ name: severity, value: severity })),
		default: 'High',
	},
	{
		displayName: 'Category',
		name: 'category',
		type: 'string',
		default: '',
		placeholder: 'Least Privilege',
	},
	{
		displayName: 'Detected At',
		name: 'detectedAt',
		type: 'string',
		default: '',
		placeholder: 'YYYY-MM-DD',
		description: 'Date the issue was detected (YYYY-MM-DD). Leave empty for today (UTC).',
	},
	{
		displayName: 'Short Description',
		name: 'shortDescription',
		type: 'string',
		default: '',
	},
	{
		displayName: 'Full Description',
		name: 'fullDescription',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
	},
	{
		displayName: 'Suggested Remediation',
		name: 'suggestedRemediation',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
	},
	{
		displayName: 'Risk and Impact',
		name: 'riskAndImpact',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
	},
	{
		displayName: 'Frameworks',
		name: 'frameworks',
		type: 'string',
		default: '',
		placeholder: 'SOX, PCI-DSS v4.0',
		description: 'Compliance frameworks, separated by commas',
	},
	{
		displayName: 'Link',
		name: 'link',
		type: 'string',
		default: '',
		placeholder: 'https://example.ispm.okta.com/issues/Alert_…',
		description: 'Link to the issue in the ISPM console',
	},
	{
		displayName: 'Affected Entity',
		name: 'affectedEntity',
		type: 'collection',
		placeholder: 'Add Entity Field',
		default: {},
		options: [
			{
				displayName: 'Additional Data (JSON)',
				name: 'additionalData',
				type: 'json',
				default: '{}',
				description:
					'Entity details as a JSON object, e.g. {"username": "jane", "types": ["Admin"], "lastLogin": "03/28/2024"} for an account, activeAccounts for a user, clientApp/resourceApp for an OAuth grant',
			},
			{ displayName: 'Display Name', name: 'displayName', type: 'string', default: '' },
			{
				displayName: 'Entity ID',
				name: 'id',
				type: 'string',
				default: '',
				placeholder: 'Account_Q1SMRm3vfzomaZwevHIoL9kVhWU~',
			},
			{
				displayName: 'Identifier in Service',
				name: 'identifierInService',
				type: 'string',
				default: '',
				description: "The entity's ID in its source product",
			},
			{
				displayName: 'Source Product Name',
				name: 'sourceProductName',
				type: 'string',
				default: '',
				placeholder: 'Okta',
			},
			{
				displayName: 'Source Product Tenant',
				name: 'sourceProductTenant',
				type: 'string',
				default: '',
				placeholder: 'example.okta.com',
			},
			{
				displayName: 'Type',
				name: 'type',
				type: 'string',
				default: 'Account',
				placeholder: 'Account',
				description: 'Account, User or an OAuth grant type',
			},
		],
	},
].map((property) => ({ ...property, displayOptions: { show: fieldsMode } }) as INodeProperties);

const limit = (option: keyof typeof DELIVERY_OPTION_LIMITS) => ({
	minValue: DELIVERY_OPTION_LIMITS[option].min,
	maxValue: DELIVERY_OPTION_LIMITS[option].max,
});

export const eventHookProperties: INodeProperties[] = [
	{
		displayName: 'Authentication',
		name: 'authentication',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'API Key in Header', value: 'headerAuth' },
			{ name: 'API Key in Query Parameter', value: 'queryAuth' },
		],
		default: 'headerAuth',
		description:
			'Where the API key travels; the Webhook Address, key and extra parameters come from the credential',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Send Issue Event',
				value: 'sendIssue',
				description: 'Send an ISPM issue.created message for each input item',
				action: 'Send an issue event',
			},
			{
				name: 'Send Test Message',
				value: 'sendTestMessage',
				description: 'Send ISPM\'s "Test connection" message, with a fresh ID and timestamp',
				action: 'Send a test message',
			},
		],
		default: 'sendIssue',
	},
	{
		displayName: 'Event Data Source',
		name: 'eventDataSource',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: sendIssue },
		options: [
			{
				name: 'JSON',
				value: 'json',
				description: 'An issue object, e.g. what the ISPM Issue Trigger received',
			},
			{ name: 'Fields', value: 'fields', description: 'Fill in the issue field by field' },
		],
		default: 'json',
	},
	{
		displayName: 'Event Data',
		name: 'eventData',
		type: 'json',
		required: true,
		displayOptions: { show: { operation: ['sendIssue'], eventDataSource: ['json'] } },
		default: '={{ $json.eventData }}',
		description:
			"The issue (the envelope's eventData) as an object or JSON text. The default forwards what the ISPM Issue Trigger received.",
	},
	...eventDataFields,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Concurrency',
				name: 'concurrency',
				type: 'number',
				typeOptions: limit('concurrency'),
				default: 5,
				description:
					'How many messages may be in flight at once. Output order always equals input order.',
			},
			{
				displayName: 'Event Type',
				name: 'eventType',
				type: 'string',
				default: ISSUE_CREATED,
				description: "The envelope's type; issue.created is the only type ISPM documents",
			},
			{
				displayName: 'Max Attempts',
				name: 'maxAttempts',
				type: 'number',
				typeOptions: limit('maxAttempts'),
				default: 3,
				description:
					'Attempts per message, the first included (1 = no retry). Network errors, timeouts, 429 and 5xx are retried with backoff; other statuses are not.',
			},
			{
				displayName: 'Source',
				name: 'source',
				type: 'string',
				default: DEFAULT_SOURCE,
				description: "The envelope's source",
			},
			{
				displayName: 'Timeout (Milliseconds)',
				name: 'timeout',
				type: 'number',
				typeOptions: limit('timeoutMs'),
				default: 10000,
				description: "How long to wait for the receiver's answer, per attempt, in milliseconds",
			},
		],
	},
];
