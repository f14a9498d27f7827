import type { INodeProperties } from 'n8n-workflow';

import type { KeyLocation } from './apiKeyAuth';

/**
 * The fields of both ISPM credential types, worded after ISPM's Webhook tile (Webhook Address, Key,
 * Value, "+" for more parameters) so that an admin can copy them across one by one.
 */
export function apiKeyCredentialFields(location: KeyLocation): INodeProperties[] {
	const where = location === 'header' ? 'HTTP header' : 'query parameter';
	const exampleName = location === 'header' ? 'X-API-Key' : 'apiKey';
	return [
		{
			displayName: `In ISPM's Webhook tile choose <b>${location === 'header' ? 'HTTP Headers' : 'Query Parameters'}</b> and copy Key, Value and any extra parameters from here. The same credential guards the ISPM Issue Trigger and signs the ISPM Event Hook's requests.`,
			name: 'notice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Webhook Address (URL)',
			name: 'webhookUrl',
			type: 'string',
			default: '',
			placeholder: 'https://example.com/ispm-hook',
			description:
				"Where the ISPM Event Hook node sends messages, and what Test connection posts ISPM's test message to. Leave empty when this credential only guards the ISPM Issue Trigger.",
		},
		{
			displayName: 'Key',
			name: 'key',
			type: 'string',
			default: '',
			required: true,
			placeholder: exampleName,
			description: `Name of the ${where} that carries the API key ("Key" on ISPM's Webhook tile)`,
		},
		{
			displayName: 'Value',
			name: 'value',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The API key ("Value" on ISPM\'s Webhook tile)',
		},
		{
			displayName: 'Additional Parameters',
			name: 'additionalParameters',
			type: 'json',
			// '{}' rather than '': the editor flags an empty JSON field as invalid.
			default: '{}',
			placeholder: location === 'header' ? '{"X-Tenant": "acme"}' : '{"tenant": "acme"}',
			description: `Optional JSON object of extra name/value pairs sent as ${where}s beside the key (ISPM's "+" button). The trigger requires each of them on every delivery.`,
		},
	];
}
