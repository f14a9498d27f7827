import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import type { IspmApiKeyCredential } from '../../lib/apiKeyAuth';
import { testConnection } from '../../lib/connectionTest';
import { credentialTestSend } from './transport';

/**
 * "Test connection" for both ISPM credential types, which carry no `test` of their own: posts ISPM's
 * test message to the Webhook Address with the key, as ISPM's console does. Every node that lists an
 * ISPM credential with `testedBy: 'ispmApiKeyTest'` must offer this under `methods.credentialTest`:
 * n8n takes the test from the first such node it finds.
 */
export async function ispmApiKeyTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = (credential.data ?? {}) as IspmApiKeyCredential;
	const location = credential.type === 'ispmQueryAuthApi' ? 'query' : 'header';
	return await testConnection(location, data, credentialTestSend(this, location, data));
}
