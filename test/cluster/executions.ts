/* eslint-disable @n8n/community-nodes/no-restricted-imports -- real-infrastructure test code: runs in Jest and reads n8n's database from outside */
/**
 * Executions as n8n records them, read from its database (SQLite in regular mode, Postgres in queue mode):
 * which issue each one ran for, its status, its custom data, and waiting until n8n has settled.
 *
 * The issue of an execution comes from its custom data (`issueId`, table execution_metadata) when the
 * trigger records it, otherwise from its stored execution data: the envelope in a node's output in the run
 * data, or, for an execution that never ran (`new`, or `crashed` before it started), in the item waiting on
 * its execution stack. Execution data is stored with `flatted`; n8n's own copy parses it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { QueryFn } from '../../scripts/n8n-instance.cjs';
import { sleep } from './delivery';

export interface Db {
	query: QueryFn;
	/** Folder holding n8n's node_modules (the runtime's n8nDir), for its `flatted`. */
	n8nDir: string;
}

export interface Execution {
	id: number;
	workflowId: string;
	status: string;
	/** The ISPM issue it was started for; null when its data holds none. */
	issueId: string | null;
	/** Its custom data (execution_metadata), key → value. */
	customData: Record<string, string>;
	/** When n8n created it, started running it, and stopped it (finished or marked crashed), ISO 8601 UTC. */
	createdAt: string | null;
	startedAt: string | null;
	stoppedAt: string | null;
}

/** A database timestamp (a Date from Postgres, text in UTC from SQLite) as ISO 8601 UTC. */
function isoTime(value: Date | string | null): string | null {
	if (value === null || value === undefined) return null;
	if (value instanceof Date) return value.toISOString();
	const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
	return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/** Statuses of an execution n8n has not finished with. */
export const UNFINISHED = ['new', 'running'];

const issueIdCache = new WeakMap<Db, Map<number, string>>();

type Items = Array<{ json?: unknown }> | null | undefined;
interface StoredExecutionData {
	resultData?: { runData?: Record<string, Array<{ data?: { main?: Items[] } }>> };
	executionData?: { nodeExecutionStack?: Array<{ data?: { main?: Items[] } }> };
}

/**
 * The issue id of an item: the `eventData.id` of the ISPM envelope it is or holds (the trigger's webhook
 * output may wrap the envelope, e.g. `{ message: envelope, … }`, which its execute() unwraps).
 */
function envelopeIssueId(value: unknown, depth = 0): string | null {
	if (!value || typeof value !== 'object' || depth > 3) return null;
	const id = (value as { eventData?: { id?: unknown } }).eventData?.id;
	if (typeof id === 'string') return id;
	for (const inner of Object.values(value)) {
		const found = envelopeIssueId(inner, depth + 1);
		if (found) return found;
	}
	return null;
}

function firstIssueId(outputs: Array<Items[] | undefined>): string | null {
	for (const main of outputs) {
		for (const items of main ?? []) {
			for (const item of items ?? []) {
				const id = envelopeIssueId(item?.json);
				if (id) return id;
			}
		}
	}
	return null;
}

function issueIdFromData(flatted: { parse(text: string): unknown }, text: string): string | null {
	const data = flatted.parse(text) as StoredExecutionData;
	const ran = Object.values(data.resultData?.runData ?? {}).map((runs) => runs[0]?.data?.main);
	const waiting = (data.executionData?.nodeExecutionStack ?? []).map((entry) => entry.data?.main);
	return firstIssueId(ran) ?? firstIssueId(waiting);
}

/** Every execution of a workflow, oldest first, with its issue id and custom data. */
export async function executionsOf(db: Db, workflowId: string): Promise<Execution[]> {
	type Time = Date | string | null;
	const rows = await db.query<{
		id: number | string;
		workflowId: string;
		status: string;
		createdAt: Time;
		startedAt: Time;
		stoppedAt: Time;
	}>(
		'SELECT "id", "workflowId", "status", "createdAt", "startedAt", "stoppedAt" FROM "execution_entity" WHERE "workflowId" = ? ORDER BY "id"',
		[workflowId],
	);
	const metadata = await db.query<{ executionId: number | string; key: string; value: string }>(
		'SELECT m."executionId", m."key", m."value" FROM "execution_metadata" m JOIN "execution_entity" e ON e."id" = m."executionId" WHERE e."workflowId" = ?',
		[workflowId],
	);
	const customData = new Map<number, Record<string, string>>();
	for (const m of metadata) {
		const id = Number(m.executionId);
		customData.set(id, { ...customData.get(id), [m.key]: m.value });
	}
	let cache = issueIdCache.get(db);
	if (!cache) issueIdCache.set(db, (cache = new Map()));
	const executions = rows.map((r): Execution => {
		const id = Number(r.id);
		const data = customData.get(id) ?? {};
		return {
			id,
			workflowId: r.workflowId,
			status: r.status,
			issueId: data.issueId ?? cache.get(id) ?? null,
			customData: data,
			createdAt: isoTime(r.createdAt),
			startedAt: isoTime(r.startedAt),
			stoppedAt: isoTime(r.stoppedAt),
		};
	});
	const unknown = executions.filter((e) => e.issueId === null).map((e) => e.id);
	if (unknown.length) {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const flatted = require(join(db.n8nDir, 'node_modules', 'flatted')) as {
			parse(text: string): unknown;
		};
		for (let at = 0; at < unknown.length; at += 200) {
			const chunk = unknown.slice(at, at + 200);
			const stored = await db.query<{ executionId: number | string; data: string }>(
				`SELECT "executionId", "data" FROM "execution_data" WHERE "executionId" IN (${chunk.map(() => '?').join(',')})`,
				chunk,
			);
			for (const row of stored) {
				const issueId = issueIdFromData(flatted, row.data);
				if (issueId) cache.set(Number(row.executionId), issueId);
			}
		}
		for (const execution of executions)
			if (execution.issueId === null) execution.issueId = cache.get(execution.id) ?? null;
	}
	return executions;
}

/** Executions grouped by issue id (only the given issues, each present, possibly with none). */
export function byIssue(executions: Execution[], issueIds: string[]): Map<string, Execution[]> {
	const groups = new Map<string, Execution[]>(issueIds.map((id) => [id, []]));
	for (const execution of executions) {
		if (execution.issueId !== null) groups.get(execution.issueId)?.push(execution);
	}
	return groups;
}

/** How many executions ran (or were created) for these issues. */
export function countFor(executions: Execution[], issueIds: string[]): number {
	let count = 0;
	for (const runs of byIssue(executions, issueIds).values()) count += runs.length;
	return count;
}

/**
 * How long "nothing else happens" is observed before executions are counted, so an execution created late
 * (n8n 2.40.7 with today's trigger answers before it creates the execution) is still counted. Not an
 * assertion threshold.
 */
export const QUIET_PERIOD_MS = 3000;

/**
 * Waits until the workflow has at least `atLeast` executions for `issueIds` (only up to `expectWithinMs`:
 * an accepted delivery whose execution never appears must be counted as missing, not hang the suite),
 * then until none of its executions is unfinished, then a quiet period, and returns its executions.
 * `abandoned`: ids of executions no process runs any more (running in a process that was killed); while
 * one of them is still `running` it is not waited for.
 */
export async function settled(
	db: Db,
	workflowId: string,
	{
		issueIds = [] as string[],
		atLeast = 0,
		expectWithinMs = 60_000,
		timeoutMs = 300_000,
		abandoned = new Set<number>(),
	} = {},
): Promise<Execution[]> {
	const open = (executions: Execution[]) =>
		executions.filter(
			(e) => UNFINISHED.includes(e.status) && !(e.status === 'running' && abandoned.has(e.id)),
		);
	const started = Date.now();
	for (;;) {
		const executions = await executionsOf(db, workflowId);
		if (countFor(executions, issueIds) >= atLeast || Date.now() - started > expectWithinMs) break;
		await sleep(250);
	}
	for (let round = 0; round < 2; round += 1) {
		for (;;) {
			const executions = await executionsOf(db, workflowId);
			if (open(executions).length === 0) break;
			if (Date.now() - started > timeoutMs) {
				throw new Error(
					`n8n did not settle within ${timeoutMs} ms: executions ${open(executions)
						.map((e) => `${e.id} (${e.status})`)
						.join(', ')} of ${workflowId} are unfinished`,
				);
			}
			await sleep(250);
		}
		if (round === 0) await sleep(QUIET_PERIOD_MS);
	}
	return executionsOf(db, workflowId);
}

/**
 * The lines of n8n's logs that name one of these executions (`Enqueued execution 12 (job 7)`, `Worker
 * started execution 12`, `Execution 12 (job 7) finished`; at debug level also the metadata:
 * `"executionId": "12"`, `"danglingIds": ["12"]`), at most `perExecution` each, prefixed with the process.
 * At info level n8n logs messages only, without time or metadata.
 */
export function executionLogLines(
	logs: Array<{ name: string; logFile: string }>,
	executionIds: number[],
	perExecution = 12,
): Map<number, string[]> {
	const found = new Map<number, string[]>(executionIds.map((id) => [id, []]));
	const patterns = executionIds.map((id): [number, RegExp] => [
		id,
		new RegExp(
			`[Ee]xecution ${id}\\b|"executionId":\\s*"?${id}\\b|(danglingIds|executionIds)":\\s*\\[[^\\]]*"${id}"`,
		),
	]);
	for (const { name, logFile } of logs) {
		let text = '';
		try {
			text = readFileSync(logFile, 'utf8');
		} catch {
			continue;
		}
		// At debug level n8n colours its console output; the report wants plain text.
		// eslint-disable-next-line no-control-regex
		for (const line of text.replace(/\x1b\[[0-9;]*m/g, '').split('\n')) {
			if (!/xecution|danglingIds/.test(line)) continue;
			for (const [id, pattern] of patterns) {
				const lines = found.get(id)!;
				if (lines.length < perExecution && pattern.test(line))
					lines.push(`${name}: ${line.trim().slice(0, 300)}`);
			}
		}
	}
	return found;
}
