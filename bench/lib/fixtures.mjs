// What the benchmark imports into n8n: credentials (keys generated per run) and workflows, as plain n8n
// export JSON (the same shape test/e2e/fixtures.ts builds), plus the ISPM messages it sends.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const TRIGGER_TYPE = 'n8n-nodes-ispm.ispmIssueTrigger';
export const EVENT_HOOK_TYPE = 'n8n-nodes-ispm.ispmEventHook';
export const TRIGGER_NODE = 'ISPM Issue Trigger';

/** Header both hooks are protected with: the ISPM credential's key and the httpHeaderAuth credential's name. */
export const HOOK_HEADER = 'X-ISPM-Key';
export const SINK_HEADER = 'X-Sink-Key';

/** Titles the package's trigger is configured for; accepted messages use the first, ignored ones another. */
export const SELECTED_TYPES = ['Unused Admin Account', 'No MFA - Admin Account'];
export const UNSELECTED_TYPE = 'Old Password - Account';

export const CRED = {
	ispmHook: { id: 'IspmBenchCrIsHk1', name: 'Bench ISPM trigger key', type: 'ispmHeaderAuthApi' },
	builtinHook: {
		id: 'IspmBenchCrBiHk1',
		name: 'Bench Webhook header auth',
		type: 'httpHeaderAuth',
	},
	ispmSink: { id: 'IspmBenchCrIsSk1', name: 'Bench ISPM sink key', type: 'ispmHeaderAuthApi' },
	builtinSink: {
		id: 'IspmBenchCrBiSk1',
		name: 'Bench HTTP Request sink key',
		type: 'httpHeaderAuth',
	},
	redis: { id: 'IspmBenchCrRedis', name: 'Bench issue memory (Redis)', type: 'ispmRedisApi' },
};

/** Workflows: id, and where their first node listens (production URL path after /webhook/). */
export const WF = {
	ispmAccept: {
		id: 'IspmBenchWfIsAcc',
		name: 'Bench: ISPM Issue Trigger → No Op',
		webhookId: 'bench-ispm-accept',
	},
	ispmRedis: {
		id: 'IspmBenchWfIsRds',
		name: 'Bench: ISPM Issue Trigger (memory in Redis) → No Op',
		webhookId: 'bench-ispm-redis',
	},
	builtinAccept: {
		id: 'IspmBenchWfBiAcc',
		name: 'Bench: Webhook (header auth) → No Op',
		webhookId: 'bench-builtin-accept',
		path: 'bench-builtin-accept',
	},
	builtinDedup: {
		id: 'IspmBenchWfBiDdp',
		name: 'Bench: Webhook → Remove Duplicates → If → No Op',
		webhookId: 'bench-builtin-dedup',
		path: 'bench-builtin-dedup',
	},
	scaleSmall: {
		id: 'IspmBenchWfSc100',
		name: 'Bench: ISPM Issue Trigger remembering 100',
		webhookId: 'bench-ispm-scale-small',
	},
	scaleLarge: {
		id: 'IspmBenchWfSc100k',
		name: 'Bench: ISPM Issue Trigger remembering 100,000',
		webhookId: 'bench-ispm-scale-large',
	},
	sendIspm: {
		id: 'IspmBenchWfSdIsp',
		name: 'Bench: 1,000 items → ISPM Event Hook',
		webhookId: 'bench-send-ispm',
		path: 'bench-send-ispm',
	},
	sendHttp: {
		id: 'IspmBenchWfSdHtp',
		name: 'Bench: 1,000 items → HTTP Request',
		webhookId: 'bench-send-http',
		path: 'bench-send-http',
	},
};

export const SCALE = { small: 100, large: 100_000 };

export function makeSecrets() {
	const s = (label) => `bench${label}${randomBytes(16).toString('hex')}`;
	return { hookKey: s('Hook'), sinkKey: s('Sink') };
}

/** Credentials to import; `redis` ({ host, port }): the server the trigger's shared issue memory uses. */
export function credentials(secrets, sinkUrl, redis) {
	return [
		...(redis
			? [
					{
						...CRED.redis,
						data: {
							host: redis.host,
							port: redis.port,
							database: 0,
							user: '',
							password: '',
							ssl: false,
						},
					},
				]
			: []),
		{
			...CRED.ispmHook,
			data: { webhookUrl: '', key: HOOK_HEADER, value: secrets.hookKey, additionalParameters: '' },
		},
		{ ...CRED.builtinHook, data: { name: HOOK_HEADER, value: secrets.hookKey } },
		{
			...CRED.ispmSink,
			data: {
				webhookUrl: `${sinkUrl}/hook/ispm`,
				key: SINK_HEADER,
				value: secrets.sinkKey,
				additionalParameters: '',
			},
		},
		{ ...CRED.builtinSink, data: { name: SINK_HEADER, value: secrets.sinkKey } },
	];
}

const ref = (c) => ({ [c.type]: { id: c.id, name: c.name } });
let x = 0;
const node = (name, type, typeVersion, parameters, extra = {}) => ({
	id: randomUUID(),
	name,
	type,
	typeVersion,
	position: [(x += 220), 0],
	parameters,
	...extra,
});
const chain = (...names) =>
	Object.fromEntries(
		names
			.slice(0, -1)
			.map((n, i) => [n, { main: [[{ node: names[i + 1], type: 'main', index: 0 }]] }]),
	);
const workflow = (wf, nodes, connections, extra = {}) => ({
	id: wf.id,
	name: wf.name,
	active: false,
	settings: { executionOrder: 'v1' },
	nodes,
	connections,
	...extra,
});

let triggerVersion = 1;

/** `issueMemory`: `instance` (the node's default, left unset as a user who never touches it would) or `redis`. */
function ispmTrigger(wf, options = {}, issueMemory = 'instance') {
	const redis = issueMemory === 'redis';
	return node(
		TRIGGER_NODE,
		TRIGGER_TYPE,
		triggerVersion,
		{
			authentication: 'headerAuth',
			issueTypes: SELECTED_TYPES,
			...(redis ? { issueMemory } : {}),
			options,
		},
		{
			webhookId: wf.webhookId,
			credentials: { ...ref(CRED.ispmHook), ...(redis ? ref(CRED.redis) : {}) },
		},
	);
}

function webhook(wf, parameters, credentials) {
	return node(
		'Webhook',
		'n8n-nodes-base.webhook',
		2.1,
		{ httpMethod: 'POST', path: wf.path, options: {}, ...parameters },
		{
			webhookId: wf.webhookId,
			...(credentials ? { credentials } : {}),
		},
	);
}

const noOp = () => node('No Op', 'n8n-nodes-base.noOp', 1, {});

/** What the trigger remembers of an issue id (lib/issueMemory/store.ts `issueKey`: 16 characters of its SHA-256). */
export const issueKey = (id) =>
	createHash('sha256').update(id, 'utf8').digest('base64url').slice(0, 16);

/**
 * A stored memory filled with n issues, in the form the trigger saves (lib/issueMemory/processStore.ts
 * `StoredIssueRing`, version 2: the keys concatenated). Since the Redis memory (issue 10) the trigger no
 * longer reads the pre-release form (version 1, plain ids), which earlier benchmark runs pre-filled.
 */
export function storedRing(capacity, n, prefix) {
	let keys = '';
	for (let i = 0; i < n; i += 1)
		keys += issueKey(
			`Alert_bench${prefix}${i.toString(36).padStart(6, '0')}${randomBytes(8).toString('hex')}~`,
		);
	return { version: 2, capacity, next: 0, keys };
}

/**
 * Every benchmark workflow. `only` (workflow ids): just these (queue mode imports three).
 */
export function workflows({ triggerTypeVersion = 1.1, only } = {}) {
	x = 0;
	triggerVersion = triggerTypeVersion;
	const wfs = [];
	wfs.push(
		workflow(WF.ispmAccept, [ispmTrigger(WF.ispmAccept), noOp()], chain(TRIGGER_NODE, 'No Op')),
	);
	wfs.push(
		workflow(
			WF.ispmRedis,
			[ispmTrigger(WF.ispmRedis, {}, 'redis'), noOp()],
			chain(TRIGGER_NODE, 'No Op'),
		),
	);
	wfs.push(
		workflow(
			WF.builtinAccept,
			[
				webhook(
					WF.builtinAccept,
					{ authentication: 'headerAuth', responseMode: 'onReceived' },
					ref(CRED.builtinHook),
				),
				noOp(),
			],
			chain('Webhook', 'No Op'),
		),
	);
	// What a user builds from built-in nodes for the same job: authenticate, drop repeats, keep selected types.
	wfs.push(
		workflow(
			WF.builtinDedup,
			[
				webhook(
					WF.builtinDedup,
					{ authentication: 'headerAuth', responseMode: 'onReceived' },
					ref(CRED.builtinHook),
				),
				node('Remove Duplicates', 'n8n-nodes-base.removeDuplicates', 2, {
					operation: 'removeItemsSeenInPreviousExecutions',
					logic: 'removeItemsWithAlreadySeenKeyValues',
					dedupeValue: '={{ $json.body.eventData.id }}',
					options: { historySize: 10000 },
				}),
				node('If', 'n8n-nodes-base.if', 2.2, {
					conditions: {
						options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
						conditions: [
							{
								id: randomUUID(),
								leftValue: '={{ $json.body.eventData.title }}',
								rightValue: `=${SELECTED_TYPES.join('|')}`,
								operator: { type: 'string', operation: 'regex' },
							},
						],
						combinator: 'and',
					},
					options: {},
				}),
				noOp(),
			],
			chain('Webhook', 'Remove Duplicates', 'If', 'No Op'),
		),
	);
	for (const [wf, n] of [
		[WF.scaleSmall, SCALE.small],
		[WF.scaleLarge, SCALE.large],
	]) {
		wfs.push(
			workflow(wf, [ispmTrigger(wf, { rememberIssues: n }), noOp()], chain(TRIGGER_NODE, 'No Op'), {
				staticData: { [`node:${TRIGGER_NODE}`]: { seenIssues: storedRing(n, n, `s${n}n`) } },
			}),
		);
	}
	const splitOut = () =>
		node('Split Out', 'n8n-nodes-base.splitOut', 1, {
			fieldToSplitOut: 'body.items',
			include: 'noOtherFields',
			options: {},
		});
	const sendWebhook = (wf) => webhook(wf, { responseMode: 'lastNode', responseData: 'noData' });
	wfs.push(
		workflow(
			WF.sendIspm,
			[
				sendWebhook(WF.sendIspm),
				splitOut(),
				node(
					'ISPM Event Hook',
					EVENT_HOOK_TYPE,
					1,
					{
						authentication: 'headerAuth',
						operation: 'sendIssue',
						eventDataSource: 'json',
						eventData: '={{ $json.eventData }}',
						options: {},
					},
					{ credentials: ref(CRED.ispmSink) },
				),
			],
			chain('Webhook', 'Split Out', 'ISPM Event Hook'),
		),
	);
	wfs.push(
		workflow(
			WF.sendHttp,
			[
				sendWebhook(WF.sendHttp),
				splitOut(),
				node(
					'HTTP Request',
					'n8n-nodes-base.httpRequest',
					4.2,
					{
						method: 'POST',
						url: '', // set by the caller: the sink URL
						authentication: 'genericCredentialType',
						genericAuthType: 'httpHeaderAuth',
						sendBody: true,
						specifyBody: 'json',
						jsonBody: '={{ $json.envelope }}',
						options: {},
					},
					{ credentials: ref(CRED.builtinSink) },
				),
			],
			chain('Webhook', 'Split Out', 'HTTP Request'),
		),
	);
	return only ? wfs.filter((wf) => only.includes(wf.id)) : wfs;
}

// ---- messages ----

const sample = JSON.parse(
	readFileSync(new URL('../../examples/sample-issue.json', import.meta.url), 'utf8'),
);
const sampleText = JSON.stringify(sample);
let counter = 0;

/** A new issue id, distinct across runs and processes. */
export function newIssueId(tag = 'i') {
	counter += 1;
	return `Alert_bench${tag}${process.pid.toString(36)}${counter.toString(36)}${randomBytes(5).toString('hex')}~`;
}

/** One ISPM message as JSON text: the sample with a fresh message id and timestamp, and the given issue id and title. */
export function message(issueId, title = SELECTED_TYPES[0]) {
	const m = JSON.parse(sampleText);
	m.id = randomUUID();
	m.timestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
	m.eventData.id = issueId;
	m.eventData.title = title;
	m.eventData.link = `https://ispm.example/issues/${issueId}`;
	return m;
}

/** The body of figure 4: `count` items, each { eventData, envelope } with the envelope the ISPM Event Hook would build. */
export function sendBatch(count) {
	const items = [];
	for (let i = 0; i < count; i += 1) {
		const envelope = message(newIssueId('s'));
		items.push({ eventData: envelope.eventData, envelope });
	}
	return { items };
}
