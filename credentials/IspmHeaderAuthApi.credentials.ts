import type {
	IAuthenticate,
	ICredentialDataDecryptedObject,
	ICredentialType,
	IHttpRequestOptions,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

import { applyApiKey, type IspmApiKeyCredential } from '../lib/apiKeyAuth';
import { apiKeyCredentialFields } from '../lib/credentialFields';

export class IspmHeaderAuthApi implements ICredentialType {
	name = 'ispmHeaderAuthApi';

	// eslint-disable-next-line n8n-nodes-base/cred-class-field-display-name-missing-api -- the name users know from ISPM's Webhook tile: "API Key", then where it travels
	displayName = 'ISPM API Key (Header)';

	icon: Icon = { light: 'file:../icons/ispm.svg', dark: 'file:../icons/ispm.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-ispm/n8n-nodes-ispm#credentials';

	properties: INodeProperties[] = apiKeyCredentialFields('header');

	authenticate: IAuthenticate = async (
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	) => applyApiKey('header', credentials as IspmApiKeyCredential, requestOptions);
}
