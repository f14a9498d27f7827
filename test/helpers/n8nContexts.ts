/**
 * Stand-ins for the n8n contexts the ISPM Event Hook runs in, faithful where the node depends on them:
 *
 * - `IExecuteFunctions`: parameters resolved per item (defaults from the node's own description,
 *   `$json.…` expressions, `extractValue` for resource locators), `continueOnFail()`, and
 *   `helpers.httpRequestWithAuthentication`, which, like n8n's, runs the credential type's real
 *   `authenticate`, then sends over the network, and wraps what fails in `NodeApiError`.
 * - `ICredentialTestFunctions`: only the legacy `helpers.request`, with its `simple`,
 *   `resolveWithFullResponse` and POST redirect rules (`followAllRedirects`).
 *
 * Nothing is mocked below the HTTP layer: requests reach a real server.
 */
import {
	NodeApiError,
	NodeOperationError,
	type ICredentialDataDecryptedObject,
	type ICredentialTestFunctions,
	type ICredentialType,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestOptions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type JsonObject,
} from 'n8n-workflow';

import { IspmHeaderAuthApi } from '../../credentials/IspmHeaderAuthApi.credentials';
import { IspmQueryAuthApi } from '../../credentials/IspmQueryAuthApi.credentials';
import { sendPlain } from './nodeHttpClient';

/** axios' default, which n8n keeps unless a request turns redirects off. */
const DEFAULT_MAX_REDIRECTS = 5;

export const CREDENTIAL_CLASSES: Record<string, ICredentialType> = {
	ispmHeaderAuthApi: new IspmHeaderAuthApi(),
	ispmQueryAuthApi: new IspmQueryAuthApi(),
};

export interface ExecuteContextOptions {
	nodeType: INodeType;
	items?: INodeExecutionData[];
	/** Parameter values, for all items or per item; absent ones take the description's default. */
	parameters: IDataObject | ((itemIndex: number) => IDataObject);
	credentials: Record<string, ICredentialDataDecryptedObject>;
	continueOnFail?: boolean;
}

export interface ExecuteContext extends IExecuteFunctions {
	/** The options each `httpRequestWithAuthentication` call was given, before authentication. */
	readonly requested: IHttpRequestOptions[];
	/** Cancels the execution, as the user's "Stop" button does. */
	cancel(): void;
}

const NODE: INode = {
	id: 'ispm-event-hook-test',
	name: 'ISPM Event Hook',
	type: 'n8n-nodes-ispm.ispmEventHook',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

function pathGet(root: unknown, path: string): unknown {
	return path
		.split('.')
		.filter(Boolean)
		.reduce<unknown>(
			(value, key) =>
				value !== null && typeof value === 'object' ? (value as IDataObject)[key] : undefined,
			root,
		);
}

/** Resolves the only expression shape the node's defaults use: `={{ $json.path }}`. */
function resolveExpression(value: unknown, item: INodeExecutionData): unknown {
	if (typeof value !== 'string' || !value.startsWith('=')) return value;
	const match = /^=\{\{\s*\$json((?:\.[A-Za-z_$][\w$]*)*)\s*\}\}$/.exec(value);
	if (!match) throw new Error(`The test context cannot evaluate the expression ${value}`);
	return pathGet(item.json, match[1]);
}

export function createExecuteContext(options: ExecuteContextOptions): ExecuteContext {
	const items = options.items ?? [{ json: {} }];
	const requested: IHttpRequestOptions[] = [];
	const description = options.nodeType.description;
	const parametersOf = (itemIndex: number) =>
		typeof options.parameters === 'function' ? options.parameters(itemIndex) : options.parameters;

	const cancellation = new AbortController();
	const context = {
		requested,
		cancel: () => cancellation.abort(),
		getExecutionCancelSignal: () => cancellation.signal,
		getNode: () => NODE,
		getInputData: () => items,
		continueOnFail: () => options.continueOnFail ?? false,
		getNodeParameter(
			name: string,
			itemIndex: number,
			fallback?: unknown,
			extra?: { extractValue?: boolean },
		): unknown {
			const given = parametersOf(itemIndex)[name];
			const property = description.properties.find((candidate) => candidate.name === name);
			let value = given !== undefined ? given : (property?.default ?? fallback);
			if (value === undefined) throw new Error(`Could not get parameter "${name}"`);
			value = resolveExpression(value, items[itemIndex]);
			if (extra?.extractValue && value !== null && typeof value === 'object' && 'value' in value) {
				return (value as { value: unknown }).value;
			}
			return value;
		},
		async getCredentials(type: string) {
			const listed = (description.credentials ?? []).some((credential) => credential.name === type);
			const data = options.credentials[type];
			if (!listed || !data) {
				throw new NodeOperationError(
					NODE,
					`Node "${NODE.name}" does not have any credentials of type "${type}" set`,
				);
			}
			return { ...data };
		},
		helpers: {
			async httpRequestWithAuthentication(
				credentialsType: string,
				requestOptions: IHttpRequestOptions,
			) {
				requested.push({ ...requestOptions });
				try {
					const credentials = await context.getCredentials(credentialsType);
					const authenticate = CREDENTIAL_CLASSES[credentialsType]?.authenticate;
					if (typeof authenticate !== 'function')
						throw new Error(`No authenticate for ${credentialsType}`);
					const authenticated = await authenticate(credentials, { ...requestOptions });
					const response = await sendPlain({
						method: authenticated.method ?? 'GET',
						url: authenticated.url,
						qs: authenticated.qs,
						headers: authenticated.headers,
						body: authenticated.body,
						timeoutMs: authenticated.timeout,
						maxRedirects: authenticated.disableFollowRedirect ? 0 : DEFAULT_MAX_REDIRECTS,
					});
					if (!authenticated.ignoreHttpStatusErrors && response.statusCode >= 400) {
						throw Object.assign(
							new Error(`Request failed with status code ${response.statusCode}`),
							{
								response: { status: response.statusCode, data: response.body },
							},
						);
					}
					return authenticated.returnFullResponse ? response : response.body;
				} catch (error) {
					throw new NodeApiError(NODE, error as JsonObject);
				}
			},
		},
	};
	return context as unknown as ExecuteContext;
}

/** The legacy request options the credential test may use. */
interface LegacyRequestOptions {
	uri?: string;
	url?: string;
	method?: string;
	qs?: IDataObject;
	headers?: IDataObject;
	body?: unknown;
	timeout?: number;
	simple?: boolean;
	resolveWithFullResponse?: boolean;
	followRedirect?: boolean;
	followAllRedirects?: boolean;
}

export interface CredentialTestContext extends ICredentialTestFunctions {
	readonly requested: LegacyRequestOptions[];
}

export function createCredentialTestContext(): CredentialTestContext {
	const requested: LegacyRequestOptions[] = [];
	const request = async (uriOrObject: string | object, more?: object) => {
		const options = (
			typeof uriOrObject === 'string' ? { uri: uriOrObject, ...more } : uriOrObject
		) as LegacyRequestOptions;
		requested.push(options);
		const method = (options.method ?? 'GET').toUpperCase();
		// n8n's legacy adapter: GET/HEAD follow unless followRedirect is false; other methods only with followAllRedirects.
		const follows =
			(options.followRedirect !== false && (method === 'GET' || method === 'HEAD')) ||
			options.followAllRedirects === true;
		const response = await sendPlain({
			method,
			url: options.uri ?? options.url ?? '',
			qs: options.qs,
			headers: options.headers,
			body: options.body,
			timeoutMs: options.timeout,
			maxRedirects: follows ? DEFAULT_MAX_REDIRECTS : 0,
		});
		if (options.simple !== false && response.statusCode >= 400) {
			throw Object.assign(new Error(`${response.statusCode} - ${JSON.stringify(response.body)}`), {
				statusCode: response.statusCode,
			});
		}
		const body = response.body === '' ? undefined : response.body;
		return options.resolveWithFullResponse ? { ...response, body } : body;
	};
	return { requested, helpers: { request } } as unknown as CredentialTestContext;
}
