/**
 * What the queue-mode and crash suites import into n8n: an API-key credential, Redis credentials for the
 * trigger's shared issue memory, and one workflow per trigger configuration (ISPM Issue Trigger → No Op),
 * as plain n8n export JSON.
 */
import { randomBytes, randomUUID } from 'node:crypto';

import { TRIGGER_TYPE, TRIGGER_WEBHOOK_PATH } from '../e2e/fixtures';

/** A credential as `n8n import:credentials` takes it (plain `data`, encrypted on import). */
export interface CredentialExport {
	id: string;
	name: string;
	type: string;
	data: Record<string, string | number | boolean>;
}

export { TRIGGER_WEBHOOK_PATH };

/** The header ISPM sends its key in, and the key of one run. */
export const KEY_HEADER = 'X-ISPM-Key';

export interface ApiKey {
	credential: CredentialExport;
	headers: Record<string, string>;
}

export function apiKeyCredential(id: string): ApiKey {
	const value = `cluster${randomBytes(16).toString('hex')}`;
	return {
		credential: {
			id,
			name: 'ISPM key (cluster tests)',
			type: 'ispmHeaderAuthApi',
			data: { webhookUrl: '', key: KEY_HEADER, value, additionalParameters: '' },
		},
		headers: { [KEY_HEADER]: value },
	};
}

/** An `ispmRedisApi` credential (issue 10's contract: host, port, database, user, password, ssl). */
export function redisCredential(
	id: string,
	name: string,
	server: { host: string; port: number },
): CredentialExport {
	return {
		id,
		name,
		type: 'ispmRedisApi',
		data: {
			host: server.host,
			port: server.port,
			database: 0,
			user: '',
			password: '',
			ssl: false,
		},
	};
}

export interface TriggerWorkflow {
	id: string;
	name: string;
	webhookId: string;
	/** The workflow export imported into n8n. */
	export: Record<string, unknown> & { id: string };
}

export interface TriggerConfig {
	/** 16 characters, n8n's id format. */
	id: string;
	name: string;
	apiKey: CredentialExport;
	/** `instance` (default, today's behaviour) or `redis` with its credential. */
	issueMemory?: 'instance' | 'redis';
	redis?: CredentialExport;
	/** options.whenMemoryUnreachable: `accept` (n8n's default for the node) or `reject`. */
	whenMemoryUnreachable?: 'accept' | 'reject';
}

/** A published ISPM Issue Trigger (typeVersion 1.1, header key) → No Op workflow. */
export function triggerWorkflow(config: TriggerConfig): TriggerWorkflow {
	const webhookId = `ispm-cluster-${config.id.toLowerCase()}-${randomBytes(3).toString('hex')}`;
	const parameters: Record<string, unknown> = {
		authentication: 'headerAuth',
		issueTypes: [],
		options: config.whenMemoryUnreachable
			? { whenMemoryUnreachable: config.whenMemoryUnreachable }
			: {},
	};
	if (config.issueMemory) parameters.issueMemory = config.issueMemory;
	const credentials: Record<string, { id: string; name: string }> = {
		[config.apiKey.type]: { id: config.apiKey.id, name: config.apiKey.name },
	};
	if (config.redis) credentials.ispmRedisApi = { id: config.redis.id, name: config.redis.name };
	return {
		id: config.id,
		name: config.name,
		webhookId,
		export: {
			id: config.id,
			name: config.name,
			active: false,
			settings: { executionOrder: 'v1' },
			nodes: [
				{
					id: randomUUID(),
					name: 'ISPM Issue Trigger',
					type: TRIGGER_TYPE,
					typeVersion: 1.1,
					position: [0, 0],
					webhookId,
					parameters,
					credentials,
				},
				{
					id: randomUUID(),
					name: 'No Op',
					type: 'n8n-nodes-base.noOp',
					typeVersion: 1,
					position: [300, 0],
					parameters: {},
				},
			],
			connections: {
				'ISPM Issue Trigger': { main: [[{ node: 'No Op', type: 'main', index: 0 }]] },
			},
		},
	};
}

/** POST URL of a workflow's trigger on one n8n process. */
export function triggerUrl(baseUrl: string, workflow: TriggerWorkflow): string {
	return `${baseUrl}/webhook/${workflow.webhookId}/${TRIGGER_WEBHOOK_PATH}`;
}
