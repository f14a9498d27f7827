#!/usr/bin/env node
// `npm start`: this package running in a real local n8n.
//
//   1. provisions Node 24 (when the host Node is older) and n8n (N8N_VERSION, default 2.40.7), cached in
//      N8N_ISPM_CACHE (default ~/.cache/n8n-nodes-ispm): minutes the first time, seconds afterwards;
//   2. builds and packs this package and installs the tarball into the n8n user folder the way n8n
//      installs community packages (every start: you always run what you just built);
//   3. on the first start only: imports the example workflows (examples/*.json) and their demo
//      credentials (fake keys), and publishes the ISPM-trigger examples;
//   4. starts n8n on http://localhost:5678 (N8N_PORT) with its SQLite database in the user folder
//      (N8N_USER_FOLDER, default ~/.n8n-ispm): your workflows, credentials and executions stay;
//   5. prints the editor URL, the trigger's production webhook URL and a curl that posts ISPM's sample
//      message with the demo key. Ctrl-C stops n8n cleanly.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const instance = require('./n8n-instance.cjs');

const ROOT = instance.ROOT;
const EXAMPLES = join(ROOT, 'examples');
const TRIGGER_TYPE = `${instance.PACKAGE_NAME}.ispmIssueTrigger`;
/** The webhook path the ISPM Issue Trigger declares: POST /webhook/<webhookId>/ispm. */
const TRIGGER_WEBHOOK_PATH = 'ispm';

const USER_FOLDER = process.env.N8N_USER_FOLDER || join(homedir(), '.n8n-ispm');
const PORT = Number(process.env.N8N_PORT || 5678);
const BROKER_PORT = Number(process.env.N8N_RUNNERS_BROKER_PORT || 5679);
const IMPORTED_MARKER = join(USER_FOLDER, '.n8n', 'n8n-nodes-ispm-examples-imported');

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (n, total, message) =>
	process.stdout.write(`\n${bold(`[${n}/${total}] ${message}`)}\n`);

function portFree(port) {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen(port, () => server.close(() => resolve(true)));
	});
}

function readJson(file) {
	return JSON.parse(readFileSync(file, 'utf8'));
}

function exampleWorkflows() {
	return instance.workflowFiles(EXAMPLES).map((file) => ({ file, workflow: readJson(file) }));
}

/** The ISPM triggers of the examples, with the demo key their credential expects. */
function exampleTriggers() {
	const credentials = readJson(join(EXAMPLES, 'demo-credentials.json'));
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

async function main() {
	const total = 5;
	for (const [port, name, variable] of [
		[PORT, 'n8n', 'N8N_PORT'],
		[BROKER_PORT, "n8n's task broker", 'N8N_RUNNERS_BROKER_PORT'],
	]) {
		if (!(await portFree(port))) {
			throw new Error(
				`port ${port} (${name}) is already in use, perhaps by another n8n. Stop it or choose another port: ${variable}=<port> npm start`,
			);
		}
	}

	step(
		1,
		total,
		'Provisioning Node 24 and n8n (cached; the first run downloads about 3 GB and takes several minutes)',
	);
	const runtime = instance.provision();
	process.stdout.write(`n8n ${process.env.N8N_VERSION || '2.40.7'} in ${runtime.n8nDir}\n`);

	step(2, total, 'Building this package (npm run build)');
	instance.buildPackage();

	step(3, total, `Installing the packed package into ${join(USER_FOLDER, '.n8n', 'nodes')}`);
	const packDir = mkdtempSync(join(tmpdir(), 'n8n-nodes-ispm-start-'));
	try {
		const tarball = instance.packPackage({ destDir: packDir });
		instance.installPackage({ userFolder: USER_FOLDER, tarball });
	} finally {
		rmSync(packDir, { recursive: true, force: true });
	}

	const env = instance.n8nEnv({
		runtime,
		userFolder: USER_FOLDER,
		port: PORT,
		brokerPort: BROKER_PORT,
	});

	if (!existsSync(IMPORTED_MARKER)) {
		step(
			4,
			total,
			'First start: importing the example workflows and their demo credentials (fake keys)',
		);
		const workflows = exampleWorkflows();
		instance.importCredentials(runtime, env, join(EXAMPLES, 'demo-credentials.json'));
		const importDir = mkdtempSync(join(tmpdir(), 'n8n-nodes-ispm-examples-'));
		try {
			for (const { workflow } of workflows)
				writeFileSync(join(importDir, `${workflow.id}.json`), JSON.stringify(workflow));
			instance.importWorkflows(runtime, env, importDir);
		} finally {
			rmSync(importDir, { recursive: true, force: true });
		}
		const toPublish = [...new Set(exampleTriggers().map((t) => t.workflowId))];
		await instance.publishWorkflows(runtime, env, toPublish);
		for (const { workflow } of workflows) {
			process.stdout.write(
				`  ${toPublish.includes(workflow.id) ? 'published' : 'imported '}  ${workflow.name}\n`,
			);
		}
		mkdirSync(join(USER_FOLDER, '.n8n'), { recursive: true });
		writeFileSync(IMPORTED_MARKER, `${new Date().toISOString()}\n`);
	} else {
		step(
			4,
			total,
			`Keeping your workflows and credentials in ${USER_FOLDER} (examples were imported on the first start)`,
		);
	}

	step(5, total, `Starting n8n on http://localhost:${PORT} (user folder ${USER_FOLDER})`);
	let stopping = false;
	let child;
	const onSignal = (signal) => {
		if (!child || child.exitCode !== null || child.signalCode !== null) process.exit(130);
		if (stopping) {
			process.stdout.write('\nForcing n8n to stop.\n');
			child.kill('SIGKILL');
			return;
		}
		stopping = true;
		process.stdout.write('\nStopping n8n (Ctrl-C again to force)...\n');
		// Ctrl-C in the terminal reaches n8n too; a signal from elsewhere is passed on.
		if (signal !== 'SIGINT' || !process.stdin.isTTY) child.kill('SIGTERM');
	};
	process.on('SIGINT', () => onSignal('SIGINT'));
	process.on('SIGTERM', () => onSignal('SIGTERM'));

	const onExit = (code, signal) => {
		process.stdout.write(
			`n8n stopped${code ? ` (exit code ${code})` : signal && !stopping ? ` (${signal})` : ''}.\n`,
		);
		process.exit(stopping ? 0 : (code ?? 1));
	};
	let running;
	try {
		running = await instance.startN8n({
			runtime,
			env,
			output: 'inherit',
			onSpawn: (spawned) => {
				child = spawned;
			},
		});
	} catch (error) {
		if (stopping) return onExit(0, null);
		throw error;
	}
	child.on('exit', onExit);
	if (child.exitCode !== null || child.signalCode !== null)
		return onExit(child.exitCode, child.signalCode);
	printBanner(running.publications);
}

function printBanner(publications) {
	const base = `http://localhost:${PORT}`;
	const active = new Set(
		(publications ?? []).filter((p) => p.status === 'completed').map((p) => p.workflowId),
	);
	const failed = (publications ?? []).filter((p) => p.status !== 'completed');
	const lines = [
		'',
		bold('n8n with n8n-nodes-ispm is running.'),
		'',
		`  Editor:  ${base}   (first visit: create the owner account)`,
	];

	const triggers = exampleTriggers();
	for (const trigger of triggers) {
		const state =
			publications === null || active.has(trigger.workflowId)
				? ''
				: '   (not active: publish it in the editor)';
		lines.push(`  ISPM trigger "${trigger.workflowName}":`);
		lines.push(
			`      production webhook URL  ${base}/webhook/${trigger.webhookId}/${TRIGGER_WEBHOOK_PATH}${state}`,
		);
		lines.push(
			`      API key (demo) in ${trigger.location === 'query' ? 'query parameter' : 'header'} ${trigger.key}`,
		);
	}
	for (const p of failed)
		lines.push(`  ! workflow "${p.name}" did not activate: ${p.errorMessage ?? p.status}`);

	const header = triggers.find((t) => t.location === 'header');
	if (header) {
		const sample = JSON.stringify(readJson(join(EXAMPLES, 'sample-issue.json')));
		lines.push(
			'',
			"  Post ISPM's sample message (as ISPM's Test connection does) with the demo key:",
			'',
			`curl -i -X POST '${base}/webhook/${header.webhookId}/${TRIGGER_WEBHOOK_PATH}' \\`,
			"  -H 'Content-Type: application/json' \\",
			`  -H '${header.key}: ${header.value}' \\`,
			`  --data '${sample.replace(/'/g, "'\\''")}'`,
			'',
			'  First time: {"status":"accepted"} and an execution in the editor (its Okta calls fail until you',
			'  configure your Okta domain and token). Again: {"status":"duplicate"}, ISPM issues start a workflow once.',
			"  The key is the demo credential's: if you changed that credential, use your key.",
		);
	}
	lines.push('', '  Ctrl-C stops n8n; `npm start` again keeps your data.', '');
	process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error) => {
	process.stderr.write(`\nnpm start failed: ${error.message}\n`);
	process.exit(1);
});
