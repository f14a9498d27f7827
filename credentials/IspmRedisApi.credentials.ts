import type { ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

/**
 * Where the ISPM Issue Trigger keeps its shared issue memory ("Remember Issues In: Redis"). Tested by the
 * trigger's `ispmRedisTest` (lib/issueMemory/redisClient.ts): Redis is not HTTP, so there is no request to
 * declare here.
 */
export class IspmRedisApi implements ICredentialType {
	name = 'ispmRedisApi';

	displayName = 'ISPM Issue Memory (Redis)';

	icon: Icon = { light: 'file:../icons/ispm.svg', dark: 'file:../icons/ispm.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-ispm/n8n-nodes-ispm#shared-issue-memory-redis';

	properties: INodeProperties[] = [
		{
			displayName:
				"The Redis server every n8n process can reach, e.g. the one n8n's queue mode uses (<code>QUEUE_BULL_REDIS_HOST</code>). The trigger keeps its keys under <code>n8n-nodes-ispm:issues:</code>.",
			name: 'notice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Host',
			name: 'host',
			type: 'string',
			default: 'localhost',
			required: true,
		},
		{
			displayName: 'Port',
			name: 'port',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 65535, numberPrecision: 0 },
			default: 6379,
		},
		{
			displayName: 'Database',
			name: 'database',
			type: 'number',
			typeOptions: { minValue: 0, numberPrecision: 0 },
			default: 0,
			description: 'Database number (Redis SELECT)',
		},
		{
			displayName: 'User',
			name: 'user',
			type: 'string',
			default: '',
			description: 'ACL user (Redis 6 or newer); leave empty for the default user',
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
		},
		{
			displayName: 'SSL',
			name: 'ssl',
			type: 'boolean',
			default: false,
			description: 'Whether to connect with TLS',
		},
	];
}
