/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/require-node-api-error -- end-to-end test code: runs in Jest and drives a real n8n from outside */
/**
 * What the end-to-end test files use to drive the running n8n: HTTP to the triggers, the sink's record,
 * executions read from n8n's SQLite database, the n8n log, and a restart with the same user folder.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';

import * as instance from '../../scripts/n8n-instance.cjs';
import {
	KEY_NAMES,
	TRIGGER_WEBHOOK_PATH,
	WORKFLOWS,
	type IspmMessage,
	type WorkflowName,
} from './fixtures';
import type { SinkRequest } from './sink-server';
import { readState, writeState, type E2eState } from './state';

export { readState };
export type { SinkRequest };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * How long "nothing else happens" is observed before counting executions and sink requests for a negative
 * claim (n8n answers an accepted webhook before it creates the execution). Not an assertion threshold.
 */
export const QUIET_PERIOD_MS = 1500;

export interface HttpResult {
	status: number;
	text: string;
	body: unknown;
}

export async function httpPost(
	url: string,
	body: unknown,
	headers: Record<string, string> = {},
): Promise<HttpResult> {
	const raw = typeof body === 'string' ? body : JSON.stringify(body);
	const response = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...headers },
		body: raw,
	});
	return await toResult(response);
}

/**
 * Sends exactly `body` with exactly `headers` (Node adds only Host, Connection and the Content-Length of
 * the bytes, unless `headers` sets one or asks for chunks): what a webhook sender puts on the wire, with no
 * content type unless given.
 */
export function postRaw(
	url: string,
	body: Buffer,
	headers: Record<string, string> = {},
): Promise<HttpResult> {
	return new Promise((resolve, reject) => {
		const names = Object.keys(headers).map((name) => name.toLowerCase());
		// With `transfer-encoding: chunked` the body goes in two chunks and without a length.
		const chunked = names.includes('transfer-encoding');
		const request = httpRequest(
			url,
			{
				method: 'POST',
				headers:
					chunked || names.includes('content-length')
						? headers
						: { ...headers, 'content-length': String(body.length) },
			},
			(response) => {
				const chunks: Buffer[] = [];
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
				response.on('error', reject);
				response.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					resolve({ status: response.statusCode ?? 0, text, body: parseText(text) });
				});
			},
		);
		request.setTimeout(120_000, () => request.destroy(new Error(`no answer from ${url}`)));
		request.on('error', reject);
		if (chunked) request.write(body.subarray(0, Math.floor(body.length / 2)));
		request.end(chunked ? body.subarray(Math.floor(body.length / 2)) : body);
	});
}

export async function httpGet(url: string): Promise<HttpResult> {
	return await toResult(await fetch(url));
}

/** The text parsed when it is JSON, else the text. */
function parseText(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return text;
	}
}

/** Status, text, and the body parsed when it is JSON. */
async function toResult(response: Response): Promise<HttpResult> {
	const text = await response.text();
	return { status: response.status, text, body: parseText(text) };
}

/** Production URL of a trigger: POST /webhook/<webhookId>/<path>, with an optional query string. */
export function webhookUrl(webhookId: string, query: Record<string, string> = {}): string {
	const url = new URL(`${readState().baseUrl}/webhook/${webhookId}/${TRIGGER_WEBHOOK_PATH}`);
	for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
	return url.toString();
}

/** Headers a correctly configured ISPM sends to the header-key trigger. */
export function headerTriggerAuth(): Record<string, string> {
	const { secrets } = readState();
	return {
		[KEY_NAMES.triggerHeader]: secrets.triggerHeaderKey,
		[KEY_NAMES.triggerHeaderExtra]: secrets.triggerHeaderTenant,
	};
}

/** Query parameters a correctly configured ISPM sends to the query-key trigger. */
export function queryTriggerAuth(): Record<string, string> {
	const { secrets } = readState();
	return {
		[KEY_NAMES.triggerQuery]: secrets.triggerQueryKey,
		[KEY_NAMES.triggerQueryExtra]: secrets.triggerQueryTenant,
	};
}

/** Delivers a message to one of the suite's triggers the way a correctly configured ISPM does. */
export function deliver(workflow: WorkflowName, message: unknown): Promise<HttpResult> {
	if (workflow === 'header')
		return httpPost(webhookUrl(WORKFLOWS.header.webhookId), message, headerTriggerAuth());
	return httpPost(webhookUrl(WORKFLOWS.query.webhookId, queryTriggerAuth()), message);
}

// ---- the sink ----

export const sink = {
	async requests(): Promise<SinkRequest[]> {
		const result = await httpGet(`${readState().sinkUrl}/__sink/requests`);
		return result.body as SinkRequest[];
	},
	/** Requests whose body is an ISPM envelope carrying this issue id. */
	async forIssue(issueId: string): Promise<SinkRequest[]> {
		return (await sink.requests()).filter((r) => issueIdOf(r.body) === issueId);
	},
	async script(path: string, status: number, times = 1, body?: unknown): Promise<void> {
		await httpPost(`${readState().sinkUrl}/__sink/script`, { path, status, times, body });
	},
	async reset(): Promise<void> {
		await httpPost(`${readState().sinkUrl}/__sink/reset`, {});
	},
};

export function issueIdOf(body: unknown): string | undefined {
	if (!body || typeof body !== 'object') return undefined;
	const eventData = (body as { eventData?: { id?: unknown } }).eventData;
	return typeof eventData?.id === 'string' ? eventData.id : undefined;
}

// ---- executions (n8n's SQLite database) ----

export interface ExecutionRow {
	id: number;
	workflowId: string;
	status: string;
	mode: string;
	finished: number;
}

export function query<T = Record<string, unknown>>(
	sql: string,
	params: Array<string | number | null> = [],
): Promise<T[]> {
	const state = readState();
	return instance.queryDb<T>(state.runtime, state.userFolder, sql, params);
}

export function executions(workflowId: string): Promise<ExecutionRow[]> {
	return query<ExecutionRow>(
		'SELECT id, workflowId, status, mode, finished FROM execution_entity WHERE workflowId = ? ORDER BY id',
		[workflowId],
	);
}

const UNFINISHED = ['new', 'running'];

/**
 * Waits until the workflow has at least `atLeast` executions and none is still running, then observes a
 * quiet period and returns the executions (so a late extra execution would be counted).
 */
export async function settledExecutions(
	workflowId: string,
	atLeast: number,
	timeoutMs = 120000,
): Promise<ExecutionRow[]> {
	await waitFor(
		`${atLeast} finished executions of ${workflowId}`,
		async () => {
			const rows = await executions(workflowId);
			return rows.length >= atLeast && rows.every((r) => !UNFINISHED.includes(r.status));
		},
		timeoutMs,
	);
	await sleep(QUIET_PERIOD_MS);
	await waitFor(
		`executions of ${workflowId} to finish`,
		async () => (await executions(workflowId)).every((r) => !UNFINISHED.includes(r.status)),
		timeoutMs,
	);
	return executions(workflowId);
}

/** What one node did in an execution's first run of it: its items per output (json), and its error. */
export interface NodeRun {
	outputs: unknown[][];
	error?: string;
}

interface StoredRunData {
	resultData?: {
		error?: { message?: string; description?: string | null };
		runData?: Record<
			string,
			Array<{
				data?: { main?: Array<Array<{ json: unknown }> | null> };
				error?: { message?: string; description?: string | null };
			}>
		>;
	};
}

/** One execution's stored data, as n8n keeps it (`flatted`, parsed with n8n's own copy). */
async function executionData(executionId: number): Promise<StoredRunData> {
	const [row] = await query<{ data: string }>(
		'SELECT data FROM execution_data WHERE executionId = ?',
		[executionId],
	);
	if (!row) throw new Error(`no data stored for execution ${executionId}`);
	const { runtime } = readState();
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const flatted = require(join(runtime.n8nDir, 'node_modules', 'flatted')) as {
		parse(text: string): unknown;
	};
	return flatted.parse(row.data) as StoredRunData;
}

/** The run data of one execution, node by node (nodes that did not run are absent). */
export async function executionRuns(executionId: number): Promise<Record<string, NodeRun>> {
	const data = await executionData(executionId);
	const runs: Record<string, NodeRun> = {};
	for (const [node, [first]] of Object.entries(data.resultData?.runData ?? {})) {
		runs[node] = {
			outputs: (first?.data?.main ?? []).map((items) => (items ?? []).map((item) => item.json)),
			...(first?.error ? { error: first.error.message ?? String(first.error) } : {}),
		};
	}
	return runs;
}

/** The run data of one execution: node name → output items (json) of its first run's first output. */
export async function executionOutputs(executionId: number): Promise<Record<string, unknown[]>> {
	const outputs: Record<string, unknown[]> = {};
	for (const [node, run] of Object.entries(await executionRuns(executionId))) {
		outputs[node] = run.outputs[0] ?? [];
	}
	return outputs;
}

/** Waits until an execution has finished (whatever its status) and returns its row. */
export async function finishedExecution(
	executionId: string,
	timeoutMs = 120000,
): Promise<ExecutionRow> {
	const row = async () =>
		(
			await query<ExecutionRow>(
				'SELECT id, workflowId, status, mode, finished FROM execution_entity WHERE id = ?',
				[Number(executionId)],
			)
		)[0];
	await waitFor(
		`execution ${executionId} to finish`,
		async () => {
			const current = await row();
			return current !== undefined && !UNFINISHED.includes(current.status);
		},
		timeoutMs,
	);
	return await row();
}

// ---- as n8n's owner ----

/**
 * A signed-in REST session of n8n's owner. The owner account is created the first time a test asks (n8n
 * allows that once), then remembered in the suite's state.
 */
export async function ownerRest(): Promise<instance.RestSession> {
	const state = readState();
	if (state.owner)
		return await instance.ownerSession(state.baseUrl, state.owner, { create: false });
	const owner = {
		email: 'owner@ispm-e2e.invalid',
		password: `E2e${randomBytes(12).toString('hex')}9`,
		firstName: 'ISPM',
		lastName: 'E2E',
	};
	const session = await instance.ownerSession(state.baseUrl, owner);
	writeState({ ...readState(), owner });
	return session;
}

/**
 * Runs a workflow as "Execute workflow" in the editor does, from the trigger named `triggerName`, and
 * returns its execution once it has finished.
 */
export async function runManually(workflowId: string, triggerName: string): Promise<ExecutionRow> {
	const executionId = await instance.runWorkflowManually(
		await ownerRest(),
		workflowId,
		triggerName,
	);
	return await finishedExecution(executionId);
}

/** The error an execution stopped with, as the Executions list shows it: message and description. */
export async function executionError(
	executionId: number,
): Promise<{ node: string | undefined; message: string; description: string }> {
	const data = await executionData(executionId);
	const failed = Object.entries(data.resultData?.runData ?? {}).find(([, runs]) => runs[0]?.error);
	const error = failed?.[1][0]?.error ?? data.resultData?.error;
	return {
		node: failed?.[0],
		message: error?.message ?? '',
		description: error?.description ?? '',
	};
}

// ---- waiting, the log, restart ----

export async function waitFor(
	what: string,
	predicate: () => Promise<boolean>,
	timeoutMs = 120000,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (await predicate()) return;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(250);
	}
}

/** Waits until the sink holds at least `count` requests for this issue, then a quiet period; returns them. */
export async function sinkRequestsFor(
	issueId: string,
	count: number,
	timeoutMs = 120000,
): Promise<SinkRequest[]> {
	await waitFor(
		`${count} sink request(s) for ${issueId}`,
		async () => (await sink.forIssue(issueId)).length >= count,
		timeoutMs,
	);
	await sleep(QUIET_PERIOD_MS);
	return sink.forIssue(issueId);
}

export function readLog(): string {
	return readFileSync(readState().logFile, 'utf8');
}

/** Stops n8n and starts it again on the same ports with the same user folder. */
export async function restartN8n(): Promise<void> {
	const state: E2eState = readState();
	await instance.stopN8n(state.pid);
	const env = instance.n8nEnv({
		runtime: state.runtime,
		userFolder: state.userFolder,
		port: state.port,
		brokerPort: state.brokerPort,
		listenAddress: '127.0.0.1',
		extra: state.envExtra,
	});
	const start = () =>
		instance.startN8n({ runtime: state.runtime, env, output: state.logFile, detached: true });
	let running: Awaited<ReturnType<typeof start>>;
	try {
		running = await start();
	} catch (error) {
		// Killed by a signal while booting is something outside n8n (seen once on a busy shared machine);
		// an n8n that fails on its own exits with a code and is reported as is.
		if (!/signal SIG/.test(String(error))) throw error;
		process.stderr.write(`[e2e] n8n was killed while restarting; starting it once more\n`);
		running = await start();
	}
	running.child.unref();
	writeState({ ...state, pid: running.pid, publications: running.publications });
}

export type { IspmMessage };
