/**
 * "Test connection" for both credential types: what ISPM's own Test connection does, i.e. post ISPM's
 * test message to the Webhook Address with the API key, reported in words a user understands.
 */
import {
	CredentialConfigError,
	requiredParameters,
	secretValues,
	type IspmApiKeyCredential,
	type KeyLocation,
} from './apiKeyAuth';
import { buildTestMessage } from './envelope';
import { redactSecrets } from './redact';
import { describeStatus, NoResponseError, type HttpSend } from './transport';

export interface ConnectionTestResult {
	status: 'OK' | 'Error';
	message: string;
}

export const CONNECTION_TEST_TIMEOUT_MS = 10_000;

export const NO_URL_MESSAGE =
	'No Webhook Address (URL) is set, so no test message was sent. That is right for a credential that only guards the ISPM Issue Trigger; set one to send with the ISPM Event Hook.';

/** A Webhook Address is an absolute http(s) URL; anything else is a configuration mistake. */
export function checkWebhookUrl(url: string | undefined): string {
	const trimmed = (url ?? '').trim();
	if (!trimmed) {
		throw new CredentialConfigError(
			'No Webhook Address (URL) is set. Test connection and the ISPM Event Hook node send to it (a credential that only guards the ISPM Issue Trigger needs none).',
		);
	}
	const parsed = URL.canParse(trimmed) ? new URL(trimmed) : undefined;
	if (!parsed) {
		throw new CredentialConfigError(
			'The Webhook Address is not a valid URL (e.g. https://example.com/hook)',
		);
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
		throw new CredentialConfigError('The Webhook Address must start with http:// or https://');
	}
	return trimmed;
}

/**
 * `send` carries the credential's key and extra parameters itself, placed by `applyApiKey` (n8n's request
 * helper in the node, a test transport in the tests); the Webhook Address goes to it as the user wrote it.
 */
export async function testConnection(
	location: KeyLocation,
	credential: IspmApiKeyCredential,
	send: HttpSend,
): Promise<ConnectionTestResult> {
	const secrets = secretValues(credential);
	try {
		// Before anything is sent, and also for a credential that only guards the trigger: its pairs
		// must be usable where they travel.
		requiredParameters(credential, location);
		if (!(credential.webhookUrl ?? '').trim()) return { status: 'OK', message: NO_URL_MESSAGE };
		const url = checkWebhookUrl(credential.webhookUrl);
		const response = await send({
			url,
			body: buildTestMessage(),
			timeoutMs: CONNECTION_TEST_TIMEOUT_MS,
		});
		if (response.statusCode >= 200 && response.statusCode < 300) {
			return {
				status: 'OK',
				message: `The receiver accepted ISPM's test message (HTTP ${response.statusCode})`,
			};
		}
		return {
			status: 'Error',
			message: `HTTP ${response.statusCode}: ${describeStatus(response.statusCode)}`,
		};
	} catch (error) {
		if (error instanceof CredentialConfigError || error instanceof NoResponseError) {
			return { status: 'Error', message: redactSecrets(error.message, secrets) };
		}
		const message = error instanceof Error ? error.message : String(error);
		return {
			status: 'Error',
			message: redactSecrets(`Test connection failed: ${message}`, secrets),
		};
	}
}
