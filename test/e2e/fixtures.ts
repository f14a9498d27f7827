/* eslint-disable @n8n/community-nodes/no-restricted-globals -- end-to-end test code: runs in Jest and drives a real n8n from outside */
/**
 * What the end-to-end suite imports into n8n before it starts: credentials (with keys generated per run)
 * and workflows, built here as plain n8n export JSON. One n8n boot serves every test file, so everything is
 * imported up front.
 */
import { randomBytes, randomUUID } from 'node:crypto';

import sample from '../../examples/sample-issue.json';

/** The path the ISPM Issue Trigger declares for its webhook: POST /webhook/<webhookId>/<path>. */
export const TRIGGER_WEBHOOK_PATH = 'ispm';

export const TRIGGER_TYPE = 'n8n-nodes-ispm.ispmIssueTrigger';
export const EVENT_HOOK_TYPE = 'n8n-nodes-ispm.ispmEventHook';

/** Titles the header-key trigger is configured for (two known titles and one custom title). */
export const HEADER_TRIGGER_TYPES = ['Unused Admin Account', 'No MFA - Admin Account'];
export const HEADER_TRIGGER_CUSTOM_TYPE = 'E2E Custom Issue Type';
export const HEADER_TRIGGER_SEVERITIES = ['Critical', 'High'];

/** Key names (not secret) and the secret values of one test run. */
export interface E2eSecrets {
	/** What ISPM must send to the header-key trigger: header X-ISPM-Key + header X-Tenant. */
	triggerHeaderKey: string;
	triggerHeaderTenant: string;
	/** What ISPM must send to the query-key trigger: ?api_key=…&tenant=… */
	triggerQueryKey: string;
	triggerQueryTenant: string;
	/** What the ISPM Event Hook nodes send to the sink. */
	sinkHeaderKey: string;
	sinkHeaderTenant: string;
	sinkQueryKey: string;
	sinkQueryRegion: string;
	/** A key no HTTP header can carry (issue 11): the Value of the non-ASCII header credentials. */
	nonAsciiKey: string;
	/** The token an Okta Workflows invoke address carries when pasted whole as Webhook Address. */
	oktaAddressToken: string;
	/** The Value of the query credential whose Webhook Address is that invoke address. */
	oktaKey: string;
}

export const KEY_NAMES = {
	triggerHeader: 'X-ISPM-Key',
	triggerHeaderExtra: 'X-Tenant',
	triggerQuery: 'api_key',
	triggerQueryExtra: 'tenant',
	sinkHeader: 'X-Sink-Key',
	sinkHeaderExtra: 'X-Sink-Tenant',
	sinkQuery: 'token',
	sinkQueryExtra: 'region',
} as const;

export const SINK_PATHS = {
	header: '/hook/header',
	query: '/hook/query',
	/** Where the examples' ticketing credential points during the suite. */
	ticketing: '/hook/ticketing',
	nonAscii: '/hook/non-ascii',
	okta: '/api/flo/e2e-flow/invoke',
} as const;

/**
 * The Webhook Address of the Okta-style sink credential, pasted whole as Okta Workflows shows it: with its
 * own clientToken, another parameter (encoded as Okta would not, to see it kept as written) and a fragment.
 */
export function oktaAddress(sinkUrl: string, secrets: E2eSecrets): string {
	return `${sinkUrl}${SINK_PATHS.okta}?clientToken=${secrets.oktaAddressToken}&keep=a%20b&flag#section`;
}

function secret(label: string): string {
	return `e2e${label}${randomBytes(16).toString('hex')}`;
}

export function makeSecrets(): E2eSecrets {
	return {
		triggerHeaderKey: secret('TrigHdrKey'),
		triggerHeaderTenant: secret('TrigHdrTenant'),
		triggerQueryKey: secret('TrigQryKey'),
		triggerQueryTenant: secret('TrigQryTenant'),
		sinkHeaderKey: secret('SinkHdrKey'),
		sinkHeaderTenant: secret('SinkHdrTenant'),
		sinkQueryKey: secret('SinkQryKey'),
		sinkQueryRegion: secret('SinkQryRegion'),
		nonAsciiKey: `clé-ключ-${secret('NonAscii')}`,
		oktaAddressToken: secret('OktaAddrTok'),
		oktaKey: secret('OktaKey'),
	};
}

/** Every secret value of the run, for "appears nowhere" checks. */
export function secretValues(secrets: E2eSecrets): string[] {
	return Object.values(secrets);
}

export const CREDENTIAL_IDS = {
	triggerHeader: 'IspmE2eCredTrH01',
	triggerQuery: 'IspmE2eCredTrQ01',
	sinkHeader: 'IspmE2eCredSkH01',
	sinkQuery: 'IspmE2eCredSkQ01',
	nonAsciiTrigger: 'IspmE2eCredNaT01',
	nonAsciiSink: 'IspmE2eCredNaS01',
	oktaSink: 'IspmE2eCredOkS01',
} as const;

export const WORKFLOWS = {
	header: {
		id: 'IspmE2eWfHeader1',
		name: 'E2E header-key trigger to sink',
		webhookId: 'ispm-e2e-header-trigger',
	},
	query: {
		id: 'IspmE2eWfQuery01',
		name: 'E2E query-key trigger to sink',
		webhookId: 'ispm-e2e-query-trigger',
	},
} as const;

export type WorkflowName = keyof typeof WORKFLOWS;

interface WorkflowRef {
	id: string;
	name: string;
	webhookId: string;
}

/**
 * Workflows of issue 11. `v1` and `v11`: the header-key trigger alone, at typeVersion 1 and 1.1 (what new
 * nodes get: n8n reads fewer bodies for it), every issue type. `nonAsciiTrigger`: a trigger whose header
 * key no sender can send. `nonAsciiForward` / `oktaForward`: the header-key trigger (1.1) → ISPM Event
 * Hook with the non-ASCII header credential / the Okta-address query credential.
 */
export const WIRE_WORKFLOWS = {
	v1: { id: 'IspmE2eWfWireV01', name: 'E2E wire: trigger v1', webhookId: 'ispm-e2e-wire-v1' },
	v11: { id: 'IspmE2eWfWireV11', name: 'E2E wire: trigger v1.1', webhookId: 'ispm-e2e-wire-v11' },
	nonAsciiTrigger: {
		id: 'IspmE2eWfNaTrig1',
		name: 'E2E wire: non-ASCII header key trigger',
		webhookId: 'ispm-e2e-non-ascii-trigger',
	},
	nonAsciiForward: {
		id: 'IspmE2eWfNaFwd01',
		name: 'E2E wire: forward with a non-ASCII header key',
		webhookId: 'ispm-e2e-non-ascii-forward',
	},
	oktaForward: {
		id: 'IspmE2eWfOktaFw1',
		name: 'E2E wire: forward to an Okta Workflows address',
		webhookId: 'ispm-e2e-okta-forward',
	},
} as const satisfies Record<string, WorkflowRef>;

/** The trigger versions the suite runs, by the workflow that has the header-key trigger alone. */
export const TRIGGER_VERSIONS = [
	{ typeVersion: 1, workflow: WIRE_WORKFLOWS.v1 },
	{ typeVersion: 1.1, workflow: WIRE_WORKFLOWS.v11 },
] as const;

export interface CredentialExport {
	id: string;
	name: string;
	type: string;
	data: Record<string, string>;
}

export function e2eCredentials(secrets: E2eSecrets, sinkUrl: string): CredentialExport[] {
	return [
		{
			id: CREDENTIAL_IDS.triggerHeader,
			name: 'E2E trigger (header key)',
			type: 'ispmHeaderAuthApi',
			data: {
				webhookUrl: '',
				key: KEY_NAMES.triggerHeader,
				value: secrets.triggerHeaderKey,
				additionalParameters: JSON.stringify({
					[KEY_NAMES.triggerHeaderExtra]: secrets.triggerHeaderTenant,
				}),
			},
		},
		{
			id: CREDENTIAL_IDS.triggerQuery,
			name: 'E2E trigger (query key)',
			type: 'ispmQueryAuthApi',
			data: {
				webhookUrl: '',
				key: KEY_NAMES.triggerQuery,
				value: secrets.triggerQueryKey,
				additionalParameters: JSON.stringify({
					[KEY_NAMES.triggerQueryExtra]: secrets.triggerQueryTenant,
				}),
			},
		},
		{
			id: CREDENTIAL_IDS.sinkHeader,
			name: 'E2E sink (header key)',
			type: 'ispmHeaderAuthApi',
			data: {
				webhookUrl: `${sinkUrl}${SINK_PATHS.header}`,
				key: KEY_NAMES.sinkHeader,
				value: secrets.sinkHeaderKey,
				additionalParameters: JSON.stringify({
					[KEY_NAMES.sinkHeaderExtra]: secrets.sinkHeaderTenant,
				}),
			},
		},
		{
			id: CREDENTIAL_IDS.sinkQuery,
			name: 'E2E sink (query key)',
			type: 'ispmQueryAuthApi',
			data: {
				webhookUrl: `${sinkUrl}${SINK_PATHS.query}`,
				key: KEY_NAMES.sinkQuery,
				value: secrets.sinkQueryKey,
				additionalParameters: JSON.stringify({
					[KEY_NAMES.sinkQueryExtra]: secrets.sinkQueryRegion,
				}),
			},
		},
		...wireCredentials(secrets, sinkUrl),
	];
}

/** Credentials of issue 11: keys a header cannot carry, and an address that carries its own token. */
function wireCredentials(secrets: E2eSecrets, sinkUrl: string): CredentialExport[] {
	return [
		{
			id: CREDENTIAL_IDS.nonAsciiTrigger,
			name: 'E2E trigger (non-ASCII header key)',
			type: 'ispmHeaderAuthApi',
			data: { webhookUrl: '', key: KEY_NAMES.triggerHeader, value: secrets.nonAsciiKey },
		},
		{
			id: CREDENTIAL_IDS.nonAsciiSink,
			name: 'E2E sink (non-ASCII header key)',
			type: 'ispmHeaderAuthApi',
			data: {
				webhookUrl: `${sinkUrl}${SINK_PATHS.nonAscii}`,
				key: KEY_NAMES.sinkHeader,
				value: secrets.nonAsciiKey,
			},
		},
		{
			id: CREDENTIAL_IDS.oktaSink,
			name: 'E2E sink (Okta Workflows invoke address)',
			type: 'ispmQueryAuthApi',
			data: {
				webhookUrl: oktaAddress(sinkUrl, secrets),
				key: 'clientToken',
				value: secrets.oktaKey,
				additionalParameters: '{}',
			},
		},
	];
}

export interface WorkflowExport {
	id: string;
	name: string;
	active: boolean;
	nodes: Array<Record<string, unknown>>;
	connections: Record<string, unknown>;
	settings: Record<string, unknown>;
	[key: string]: unknown;
}

function triggerNode(options: {
	workflow: WorkflowRef;
	authentication: 'headerAuth' | 'queryAuth';
	triggerCredential: { type: string; id: string; name: string };
	issueTypes: string[];
	triggerOptions: Record<string, unknown>;
	triggerVersion?: number;
}): Record<string, unknown> {
	return {
		id: randomUUID(),
		name: 'ISPM Issue Trigger',
		type: TRIGGER_TYPE,
		typeVersion: options.triggerVersion ?? 1,
		position: [0, 0],
		webhookId: options.workflow.webhookId,
		parameters: {
			authentication: options.authentication,
			issueTypes: options.issueTypes,
			options: options.triggerOptions,
		},
		credentials: {
			[options.triggerCredential.type]: {
				id: options.triggerCredential.id,
				name: options.triggerCredential.name,
			},
		},
	};
}

function triggerOnlyWorkflow(options: Parameters<typeof triggerNode>[0]): WorkflowExport {
	return {
		id: options.workflow.id,
		name: options.workflow.name,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [triggerNode(options)],
		connections: {},
	};
}

function triggerToSinkWorkflow(options: {
	workflow: WorkflowRef;
	authentication: 'headerAuth' | 'queryAuth';
	triggerCredential: { type: string; id: string; name: string };
	sinkCredential: { type: string; id: string; name: string };
	issueTypes: string[];
	triggerOptions: Record<string, unknown>;
	triggerVersion?: number;
	/** The Event Hook's authentication, when it differs from the trigger's. */
	sinkAuthentication?: 'headerAuth' | 'queryAuth';
}): WorkflowExport {
	const { workflow } = options;
	return {
		id: workflow.id,
		name: workflow.name,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			triggerNode(options),
			{
				id: randomUUID(),
				name: 'ISPM Event Hook',
				type: EVENT_HOOK_TYPE,
				typeVersion: 1,
				position: [300, 0],
				parameters: {
					authentication: options.sinkAuthentication ?? options.authentication,
					operation: 'sendIssue',
					eventDataSource: 'json',
					eventData: '={{ $json.eventData }}',
					options: { maxAttempts: 3, timeout: 10000 },
				},
				credentials: {
					[options.sinkCredential.type]: {
						id: options.sinkCredential.id,
						name: options.sinkCredential.name,
					},
				},
			},
		],
		connections: {
			'ISPM Issue Trigger': { main: [[{ node: 'ISPM Event Hook', type: 'main', index: 0 }]] },
		},
	};
}

export function e2eWorkflows(credentials: CredentialExport[]): WorkflowExport[] {
	const byId = (id: string) => {
		const found = credentials.find((c) => c.id === id);
		if (!found) throw new Error(`no credential ${id}`);
		return { type: found.type, id: found.id, name: found.name };
	};
	return [
		triggerToSinkWorkflow({
			workflow: WORKFLOWS.header,
			authentication: 'headerAuth',
			triggerCredential: byId(CREDENTIAL_IDS.triggerHeader),
			sinkCredential: byId(CREDENTIAL_IDS.sinkHeader),
			issueTypes: HEADER_TRIGGER_TYPES,
			triggerOptions: {
				customIssueTypes: HEADER_TRIGGER_CUSTOM_TYPE,
				severities: HEADER_TRIGGER_SEVERITIES,
			},
		}),
		triggerToSinkWorkflow({
			workflow: WORKFLOWS.query,
			authentication: 'queryAuth',
			triggerCredential: byId(CREDENTIAL_IDS.triggerQuery),
			sinkCredential: byId(CREDENTIAL_IDS.sinkQuery),
			issueTypes: [],
			triggerOptions: {},
		}),
		...wireWorkflows(byId),
	];
}

function wireWorkflows(
	byId: (id: string) => { type: string; id: string; name: string },
): WorkflowExport[] {
	const headerTrigger = {
		authentication: 'headerAuth' as const,
		triggerCredential: byId(CREDENTIAL_IDS.triggerHeader),
		issueTypes: [],
		triggerOptions: {},
	};
	return [
		...TRIGGER_VERSIONS.map(({ typeVersion, workflow }) =>
			triggerOnlyWorkflow({ ...headerTrigger, workflow, triggerVersion: typeVersion }),
		),
		triggerOnlyWorkflow({
			...headerTrigger,
			workflow: WIRE_WORKFLOWS.nonAsciiTrigger,
			triggerCredential: byId(CREDENTIAL_IDS.nonAsciiTrigger),
			triggerVersion: 1.1,
		}),
		triggerToSinkWorkflow({
			...headerTrigger,
			workflow: WIRE_WORKFLOWS.nonAsciiForward,
			sinkCredential: byId(CREDENTIAL_IDS.nonAsciiSink),
			triggerVersion: 1.1,
		}),
		triggerToSinkWorkflow({
			...headerTrigger,
			workflow: WIRE_WORKFLOWS.oktaForward,
			sinkCredential: byId(CREDENTIAL_IDS.oktaSink),
			sinkAuthentication: 'queryAuth',
			triggerVersion: 1.1,
		}),
	];
}

export type IspmMessage = typeof sample & { [key: string]: unknown };

let issueCounter = 0;

/**
 * A fresh ISPM message: the sample with a new message id, the current timestamp and a new issue id,
 * with eventData fields and top-level fields overridable.
 */
export function makeIssue(
	eventData: Partial<IspmMessage['eventData']> & Record<string, unknown> = {},
	envelope: Record<string, unknown> = {},
): IspmMessage {
	issueCounter += 1;
	const message = JSON.parse(JSON.stringify(sample)) as IspmMessage;
	message.id = randomUUID();
	message.timestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
	message.eventData.id = `Alert_e2e${process.pid}n${issueCounter}${randomBytes(6).toString('hex')}~`;
	Object.assign(message.eventData, eventData);
	Object.assign(message, envelope);
	return message;
}

/** A copy of a message with a new message id, as a re-delivery of the same issue would look. */
export function redeliver(message: IspmMessage): IspmMessage {
	const copy = JSON.parse(JSON.stringify(message)) as IspmMessage;
	copy.id = randomUUID();
	return copy;
}
