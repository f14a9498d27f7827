// The example workflows (examples/*.json) and what they need in an n8n: `npm start`, the end-to-end suite
// and the browser tests import them the same way through this module. CommonJS like n8n-instance.cjs
// (Jest requires it). Types: examples.d.cts.
//
// - Demo credentials: examples/demo-credentials.json has the shape n8n imports but no key: the ISPM ones
//   get a random key per install (demoKeys), kept in the n8n user folder so every start prints the same.
// - The issue-queue examples keep issues in an n8n data table; n8n has no CLI for data tables and its
//   REST API needs a signed-in user, so ensureIssueTable creates it in n8n's database, exactly as n8n's
//   own data-table service lays it out (checked against n8n 1.123 and 2.40/2.41 by the end-to-end suite).
'use strict';

const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const instance = require('./n8n-instance.cjs');

const EXAMPLES_DIR = path.join(instance.ROOT, 'examples');
const TRIGGER_TYPE = `${instance.PACKAGE_NAME}.ispmIssueTrigger`;
/** The webhook path the ISPM Issue Trigger declares: POST /webhook/<webhookId>/ispm. */
const TRIGGER_WEBHOOK_PATH = 'ispm';
const DEMO_CREDENTIALS_FILE = path.join(EXAMPLES_DIR, 'demo-credentials.json');
const DEMO_KEYS_FILE = 'n8n-nodes-ispm-demo-keys.json';

/** Examples imported but not published, and why (a manual trigger cannot be published at all). */
const NOT_PUBLISHED_BY_START = {
	IspmExHealthChk1: 'it would post to its placeholder chat webhook every hour',
};

function readJson(file) {
	return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Every example workflow: [{ file, workflow }], in file-name order. */
function exampleWorkflows() {
	return instance.workflowFiles(EXAMPLES_DIR).map((file) => ({ file, workflow: readJson(file) }));
}

/** Whether n8n can publish (activate) a workflow: it has a trigger other than the manual one. */
function isActivatable(workflow) {
	return workflow.nodes.some(
		(node) =>
			node.type !== 'n8n-nodes-base.manualTrigger' &&
			(node.type === TRIGGER_TYPE || /Trigger$/.test(node.type)),
	);
}

// ---- demo credentials ----

const isIspmCredential = (credential) => /^ispm\w+Api$/.test(credential.type);

/** A key as random as an API key should be: 32 bytes, URL-safe base64 (43 characters). */
function randomKey() {
	return randomBytes(32).toString('base64url');
}

/**
 * The demo keys of one n8n user folder: { [credentialId]: key } for every ISPM credential of
 * demo-credentials.json, generated on first use and kept (mode 0600) in <userFolder>/.n8n.
 */
function demoKeys(userFolder) {
	const file = path.join(userFolder, '.n8n', DEMO_KEYS_FILE);
	const keys = fs.existsSync(file) ? readJson(file) : {};
	let changed = false;
	for (const credential of readJson(DEMO_CREDENTIALS_FILE).filter(isIspmCredential)) {
		if (!keys[credential.id]) {
			keys[credential.id] = randomKey();
			changed = true;
		}
	}
	if (changed) {
		fs.mkdirSync(path.dirname(file), { recursive: true });
		fs.writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
	}
	return keys;
}

/**
 * demo-credentials.json with each ISPM credential's key taken from `keys` ({ [credentialId]: key }, e.g.
 * demoKeys()). `overrides` replaces data fields per credential id (the tests point the ticketing
 * credential at their local receiver).
 */
function demoCredentials(keys, overrides = {}) {
	return readJson(DEMO_CREDENTIALS_FILE).map((credential) => {
		const data = { ...credential.data, ...(overrides[credential.id] ?? {}) };
		if (isIspmCredential(credential)) {
			if (!keys[credential.id]) throw new Error(`no demo key for credential ${credential.id}`);
			data.value = keys[credential.id];
		}
		return { ...credential, data };
	});
}

/**
 * The ISPM Issue Triggers of the examples with what a sender needs: [{ workflowId, workflowName,
 * webhookId, location ('header' | 'query'), key, value }], the key and value taken from `credentials`.
 */
function exampleTriggers(credentials) {
	const triggers = [];
	for (const { workflow } of exampleWorkflows()) {
		for (const node of workflow.nodes) {
			if (node.type !== TRIGGER_TYPE || !node.webhookId) continue;
			const [reference] = Object.values(node.credentials ?? {});
			const credential = credentials.find((c) => c.id === reference?.id);
			triggers.push({
				workflowId: workflow.id,
				workflowName: workflow.name,
				webhookId: node.webhookId,
				location: node.parameters?.authentication === 'queryAuth' ? 'query' : 'header',
				key: credential?.data?.key,
				value: credential?.data?.value,
			});
		}
	}
	return triggers;
}

// ---- the issue queue's data table ----

/**
 * The data table of the issue-queue examples, as examples/issue-queue-create-table.json creates it:
 * { name, columns: [{ name, type }] }.
 */
function issueTable() {
	const workflow = readJson(path.join(EXAMPLES_DIR, 'issue-queue-create-table.json'));
	const node = workflow.nodes.find(
		(n) => n.type === 'n8n-nodes-base.dataTable' && n.parameters.operation === 'create',
	);
	return { name: node.parameters.tableName, columns: node.parameters.columns.column };
}

/** Column types of n8n data tables and how n8n's data-table service declares them in SQLite. */
const SQLITE_COLUMN_TYPES = {
	string: 'text',
	number: 'real',
	boolean: 'boolean',
	date: 'datetime(3)',
};
const SQLITE_TIMESTAMP = `datetime(3) NOT NULL DEFAULT (STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW'))`;

/** An id like n8n's own (16 characters of [0-9A-Za-z]). */
function n8nId() {
	const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
	return [...randomBytes(16)].map((b) => alphabet[b % alphabet.length]).join('');
}

/**
 * Makes sure the issue queue's data table exists in the personal project of n8n's owner (where
 * `import:workflow` puts workflows, and the only project a Data table node there can reach). Run it while
 * n8n is stopped, after n8n has created its database (any CLI command does). Resolves with the table's
 * id, and whether it was created now.
 * @returns {Promise<{ id: string, created: boolean }>}
 */
async function ensureIssueTable(runtime, userFolder) {
	const { name, columns } = issueTable();
	const [project] = await instance.queryDb(
		runtime,
		userFolder,
		`SELECT p.id FROM project p
		   JOIN project_relation r ON r.projectId = p.id
		   JOIN user u ON u.id = r.userId
		  WHERE p.type = 'personal' AND u.roleSlug = 'global:owner'`,
	);
	if (!project) throw new Error("n8n's database has no owner project yet");
	const [existing] = await instance.queryDb(
		runtime,
		userFolder,
		'SELECT id FROM data_table WHERE name = ? AND projectId = ?',
		[name, project.id],
	);
	if (existing) return { id: existing.id, created: false };
	const id = n8nId();
	for (const column of columns) {
		if (!SQLITE_COLUMN_TYPES[column.type] || !/^[A-Za-z][A-Za-z0-9_]*$/.test(column.name))
			throw new Error(`unsupported data table column ${JSON.stringify(column)}`);
	}
	const columnsSql = columns.map((c) => `"${c.name}" ${SQLITE_COLUMN_TYPES[c.type]}`).join(', ');
	await instance.transactDb(runtime, userFolder, [
		{
			sql: 'INSERT INTO data_table (id, name, projectId) VALUES (?, ?, ?)',
			params: [id, name, project.id],
		},
		...columns.map((column, index) => ({
			sql: 'INSERT INTO data_table_column (id, name, type, "index", dataTableId) VALUES (?, ?, ?, ?, ?)',
			params: [n8nId(), column.name, column.type, index, id],
		})),
		{
			sql: `CREATE TABLE "data_table_user_${id}" ("id" integer PRIMARY KEY NOT NULL, ${columnsSql}, "createdAt" ${SQLITE_TIMESTAMP}, "updatedAt" ${SQLITE_TIMESTAMP})`,
		},
	]);
	return { id, created: true };
}

/**
 * An example workflow as the given n8n line can run it. n8n 1.x's Data table node has no "By Name" mode
 * (2.x finds the table by its name): there each Data table node is pointed at the table's id, as a user
 * does by picking the table from the node's list. Other workflows and n8n 2.x get the workflow unchanged.
 */
function forN8nLine(workflow, n8nMajor, issueTableId) {
	if (n8nMajor >= 2) return workflow;
	const copy = JSON.parse(JSON.stringify(workflow));
	for (const node of copy.nodes) {
		const locator = node.type === 'n8n-nodes-base.dataTable' && node.parameters?.dataTableId;
		if (locator && locator.mode === 'name') {
			node.parameters.dataTableId = {
				__rl: true,
				mode: 'id',
				value: issueTableId,
			};
		}
	}
	return copy;
}

/** Whether an example can run on the given n8n line (the table-creating one needs 2.x's table operations). */
function runsOn(workflow, n8nMajor) {
	return (
		n8nMajor >= 2 ||
		!workflow.nodes.some(
			(n) => n.type === 'n8n-nodes-base.dataTable' && n.parameters?.resource === 'table',
		)
	);
}

/** The rows of the issue queue's data table, oldest first. */
function issueRows(runtime, userFolder, tableId) {
	return instance.queryDb(
		runtime,
		userFolder,
		`SELECT * FROM "data_table_user_${tableId}" ORDER BY id`,
	);
}

/** Whether n8n's owner account has been set up (n8n keeps an owner row without an email until then). */
async function ownerExists(runtime, userFolder) {
	const [row] = await instance.queryDb(
		runtime,
		userFolder,
		"SELECT COUNT(*) AS owners FROM user WHERE roleSlug = 'global:owner' AND email IS NOT NULL",
	);
	return row.owners > 0;
}

module.exports = {
	EXAMPLES_DIR,
	TRIGGER_TYPE,
	TRIGGER_WEBHOOK_PATH,
	NOT_PUBLISHED_BY_START,
	exampleWorkflows,
	isActivatable,
	demoKeys,
	demoCredentials,
	exampleTriggers,
	issueTable,
	ensureIssueTable,
	forN8nLine,
	runsOn,
	issueRows,
	ownerExists,
};
