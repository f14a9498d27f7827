// Reading n8n's database while it runs: executions of one burst, in SQLite (regular mode) or Postgres
// (queue mode), with the same SQL (identifiers double-quoted, `?` placeholders).
//
// Why a reader process of its own: scripts/n8n-instance.cjs `queryDb` starts a Node 24 process per query
// (node:sqlite needs Node >= 22.5; the bench runs on the project's Node 20). Polling that way while a burst
// drains costs tens of ms of CPU per poll on a 2-core machine, taken from the n8n being measured; one
// long-lived reader answers a poll in about a millisecond.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const READER_SCRIPT = `
const { DatabaseSync } = require('node:sqlite');
const { createInterface } = require('node:readline');
const db = new DatabaseSync(process.argv[1]);
db.exec('PRAGMA busy_timeout = 10000');
const statements = new Map();
createInterface({ input: process.stdin }).on('line', (line) => {
	const { id, sql, params } = JSON.parse(line);
	let reply;
	try {
		let statement = statements.get(sql);
		if (!statement) statements.set(sql, (statement = db.prepare(sql)));
		reply = { id, rows: statement.all(...params) };
	} catch (error) {
		reply = { id, error: String(error && error.message) };
	}
	process.stdout.write(JSON.stringify(reply, (k, v) => (typeof v === 'bigint' ? Number(v) : v)) + '\\n');
});`;

/**
 * A `query(sql, params)` over an n8n SQLite database file, served by one Node 24 child process (each
 * statement runs in its own read transaction, so it sees everything n8n committed before). `close()` ends it.
 * @param {{ node: string }} runtime  scripts/runtime.mjs's runtime (its Node 24)
 * @param {string} file  the database.sqlite path
 */
export function sqliteReader(runtime, file) {
	const child = spawn(runtime.node, ['--no-warnings', '-e', READER_SCRIPT, file], {
		stdio: ['pipe', 'pipe', 'inherit'],
	});
	const waiting = new Map();
	let nextId = 0;
	let exited = null;
	child.on('exit', (code, signal) => {
		exited = new Error(`the SQLite reader exited (code ${code}, signal ${signal})`);
		for (const { reject } of waiting.values()) reject(exited);
		waiting.clear();
	});
	createInterface({ input: child.stdout }).on('line', (line) => {
		const { id, rows, error } = JSON.parse(line);
		const w = waiting.get(id);
		waiting.delete(id);
		if (!w) return;
		if (error) w.reject(new Error(`SQLite: ${error}\n${w.sql}`));
		else w.resolve(rows);
	});
	const query = (sql, params = []) =>
		new Promise((resolve, reject) => {
			if (exited) return reject(exited);
			const id = (nextId += 1);
			waiting.set(id, { resolve, reject, sql });
			child.stdin.write(`${JSON.stringify({ id, sql, params })}\n`);
		});
	query.close = async () => {
		if (exited) return;
		child.stdin.end();
		await new Promise((resolve) => child.once('exit', resolve));
	};
	return query;
}

/** A database time (SQLite text in UTC, or a Date from Postgres) in ms since the epoch; NaN for none. */
export function dbTime(value) {
	if (value === null || value === undefined) return NaN;
	if (value instanceof Date) return value.getTime();
	const s = String(value);
	return Date.parse(`${s.replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? '' : 'Z'}`);
}

/** The newest execution id (0 when there is none): executions of a burst are the ones above it. */
export async function executionMark(query) {
	const [row] = await query('SELECT COALESCE(MAX("id"), 0) AS "mark" FROM "execution_entity"');
	return Number(row.mark);
}

/**
 * The executions of `workflowId` above `mark`: how many exist, how many stopped, how many finished
 * (status `success`), and their timestamps (ms since the epoch). `atMs` (optional): also how many had been
 * created, and how many had finished, by that moment.
 */
export async function executionSummary(query, workflowId, mark, atMs) {
	const at = Number.isFinite(atMs) ? new Date(atMs) : null;
	const [row] = await query(
		`SELECT COUNT(*) AS "n",
		        SUM(CASE WHEN "stoppedAt" IS NOT NULL THEN 1 ELSE 0 END) AS "stopped",
		        SUM(CASE WHEN "status" = 'success' THEN 1 ELSE 0 END) AS "finished",
		        MIN("createdAt") AS "firstCreated", MIN("startedAt") AS "firstStart", MAX("stoppedAt") AS "lastStop"
		   FROM "execution_entity" WHERE "workflowId" = ? AND "id" > ?`,
		[workflowId, mark],
	);
	const summary = {
		executions: Number(row.n),
		stopped: Number(row.stopped ?? 0),
		finished: Number(row.finished ?? 0),
		firstCreated: dbTime(row.firstCreated),
		firstStart: dbTime(row.firstStart),
		lastStop: dbTime(row.lastStop),
	};
	if (at) {
		// Compared in JavaScript: SQLite keeps times as text, Postgres as timestamps.
		const rows = await query(
			`SELECT "createdAt", "stoppedAt", "status" FROM "execution_entity" WHERE "workflowId" = ? AND "id" > ?`,
			[workflowId, mark],
		);
		summary.createdBy = rows.filter((r) => dbTime(r.createdAt) <= atMs).length;
		summary.finishedBy = rows.filter(
			(r) => r.status === 'success' && dbTime(r.stoppedAt) <= atMs,
		).length;
	}
	return summary;
}
