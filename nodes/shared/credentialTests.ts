/**
 * "Test connection" for this package's credential types, offered by both nodes: n8n takes a credential's
 * test from the first node it finds that names it in `testedBy`, so every node listing one of these
 * credentials must offer the test under `methods.credentialTest` (see `credentialTests` below).
 */
import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import type { IspmApiKeyCredential } from '../../lib/apiKeyAuth';
import { testConnection } from '../../lib/connectionTest';
import { testRedisConnection, type RedisCredential } from '../../lib/issueMemory';
import { credentialTestSend } from './transport';

/**
 * `ispmHeaderAuthApi` / `ispmQueryAuthApi`, which carry no `test` of their own: posts ISPM's test message
 * to the Webhook Address with the key, as ISPM's console does.
 */
export async function ispmApiKeyTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = (credential.data ?? {}) as IspmApiKeyCredential;
	const location = credential.type === 'ispmQueryAuthApi' ? 'query' : 'header';
	return await testConnection(location, data, credentialTestSend(this, location, data));
}

/** `ispmRedisApi`: Redis is not HTTP, so there is no request a credential could declare. */
export async function ispmRedisTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	return await testRedisConnection((credential.data ?? {}) as RedisCredential);
}

/** What a node offers as `methods.credentialTest`. */
export const credentialTests = { ispmApiKeyTest, ispmRedisTest };
