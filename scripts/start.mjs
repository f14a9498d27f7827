#!/usr/bin/env node
// `npm start`: this package running in a real local n8n, from a fresh clone.
//
//   1. installs the project's development dependencies when node_modules does not match
//      package-lock.json (npm ci; scripts/ensure-deps.mjs);
//   2. provisions Node 24 (when the host Node is older) and n8n (N8N_VERSION, default 2.40.7), cached in
//      N8N_ISPM_CACHE (default ~/.cache/n8n-nodes-ispm): minutes the first time, seconds afterwards;
//   3. builds and packs this package and installs the tarball into the n8n user folder the way n8n
//      installs community packages (every start: you always run what you just built);
//   4. on the first start only: creates the issue queue's data table, imports the example workflows
//      (examples/*.json) and their demo credentials with keys generated for this user folder, and
//      publishes the examples that have a trigger (not the hourly health check);
//   5. starts n8n on http://localhost:5678 (N8N_PORT), listening on 127.0.0.1 only unless
//      N8N_LISTEN_ADDRESS says otherwise, with its SQLite database in the user folder (N8N_USER_FOLDER,
//      default ~/.n8n-ispm): your workflows, credentials and executions stay;
//   6. prints the editor URL, the triggers' production webhook URLs with their demo keys and a curl that
//      posts ISPM's sample message. Ctrl-C stops n8n cleanly.
//
// Build, pack and install are quiet unless they fail; n8n's own output follows once it starts.
import { ensureDevDependenciesOrExit } from './ensure-deps.mjs';

await ensureDevDependenciesOrExit({ why: 'npm start' });

const { createRequire } = await import('node:module');
const { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = await import(
	'node:fs'
);
const net = await import('node:net');
const { homedir, tmpdir } = await import('node:os');
const { join } = await import('node:path');

const require = createRequire(import.meta.url);
const instance = require('./n8n-instance.cjs');
const examples = require('./examples.cjs');

const USER_FOLDER = process.env.N8N_USER_FOLDER || join(homedir(), '.n8n-ispm');
const PORT = Number(process.env.N8N_PORT || 5678);
const BROKER_PORT = Number(process.env.N8N_RUNNERS_BROKER_PORT || 5679);
/** Safe by default: only this machine can reach the editor and the webhooks. */
const LISTEN_ADDRESS = process.env.N8N_LISTEN_ADDRESS || '127.0.0.1';
const IMPORTED_MARKER = join(USER_FOLDER, '.n8n', 'n8n-nodes-ispm-examples-imported');
/** The example whose trigger the banner's curl posts to. */
const CURL_EXAMPLE = 'IspmExRemediate1';

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const TOTAL_STEPS = 5;
const step = (n, message) =>
	process.stdout.write(`\n${bold(`[${n}/${TOTAL_STEPS}] ${message}`)}\n`);
const say = (message) => process.stdout.write(`  ${message}\n`);

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

async function checkPorts() {
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
}

/** Imports the demo credentials with this user folder's keys (a 0600 file that lives only for the import). */
function importDemoCredentials(runtime, env, keys) {
	const dir = mkdtempSync(join(tmpdir(), 'n8n-nodes-ispm-credentials-'));
	try {
		const file = join(dir, 'demo-credentials.json');
		writeFileSync(file, JSON.stringify(examples.demoCredentials(keys)), { mode: 0o600 });
		instance.importCredentials(runtime, env, file);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

/** First start: data table, demo credentials, example workflows, publications. */
async function importExamples(runtime, env, keys) {
	const major = instance.n8nMajor(runtime);
	importDemoCredentials(runtime, env, keys);
	const table = await examples.ensureIssueTable(runtime, USER_FOLDER);
	say(
		`data table "${examples.issueTable().name}" (issue queue examples): ${table.created ? 'created' : 'already there'}`,
	);

	const workflows = examples
		.exampleWorkflows()
		.map(({ workflow }) => workflow)
		.filter((workflow) => examples.runsOn(workflow, major));
	const importDir = mkdtempSync(join(tmpdir(), 'n8n-nodes-ispm-examples-'));
	try {
		for (const workflow of workflows) {
			writeFileSync(
				join(importDir, `${workflow.id}.json`),
				JSON.stringify(examples.forN8nLine(workflow, major, table.id)),
			);
		}
		instance.importWorkflows(runtime, env, importDir);
	} finally {
		rmSync(importDir, { recursive: true, force: true });
	}
	const toPublish = workflows
		.filter((w) => examples.isActivatable(w) && !examples.NOT_PUBLISHED_BY_START[w.id])
		.map((w) => w.id);
	await instance.publishWorkflows(runtime, env, toPublish);
	for (const workflow of workflows) {
		const why = examples.NOT_PUBLISHED_BY_START[workflow.id];
		const state = toPublish.includes(workflow.id)
			? 'published'
			: why
				? `imported, not published: ${why}`
				: 'imported (run it by hand)';
		say(`${workflow.name}: ${state}`);
	}
	mkdirSync(join(USER_FOLDER, '.n8n'), { recursive: true });
	writeFileSync(IMPORTED_MARKER, `${new Date().toISOString()}\n`);
}

async function main() {
	await checkPorts();

	step(
		1,
		'Provisioning Node 24 and n8n (cached; the first run downloads about 3 GB and takes several minutes)',
	);
	const runtime = instance.provision();
	say(`n8n ${runtime.n8nVersion} in ${runtime.n8nDir}`);

	step(2, 'Building this package and installing it into n8n the way n8n installs community nodes');
	instance.buildPackage({ quiet: true });
	say('built (npm run build)');
	const packDir = mkdtempSync(join(tmpdir(), 'n8n-nodes-ispm-start-'));
	try {
		const tarball = instance.packPackage({ destDir: packDir });
		instance.installPackage({ userFolder: USER_FOLDER, tarball, quiet: true });
	} finally {
		rmSync(packDir, { recursive: true, force: true });
	}
	say(`installed into ${join(USER_FOLDER, '.n8n', 'nodes')}`);

	const env = instance.n8nEnv({
		runtime,
		userFolder: USER_FOLDER,
		port: PORT,
		brokerPort: BROKER_PORT,
		listenAddress: LISTEN_ADDRESS,
	});

	const hadKeys = existsSync(join(USER_FOLDER, '.n8n', 'n8n-nodes-ispm-demo-keys.json'));
	const keys = examples.demoKeys(USER_FOLDER);
	if (!existsSync(IMPORTED_MARKER)) {
		step(3, 'First start: importing the example workflows with demo credentials');
		await importExamples(runtime, env, keys);
	} else {
		step(3, `Keeping your workflows and credentials in ${USER_FOLDER}`);
		if (!hadKeys) {
			// Examples imported by an earlier version of this script carry the public keys it used to ship.
			importDemoCredentials(runtime, env, keys);
			say(
				'the demo credentials had the public keys of an earlier version: replaced by random keys',
			);
		}
	}

	step(4, `Starting n8n ${runtime.n8nVersion} (n8n's own output follows)`);
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
	step(5, 'Ready');
	await printBanner(runtime, running.publications, keys);
}

async function printBanner(runtime, publications, keys) {
	const base = `http://localhost:${PORT}`;
	const active = new Set(
		(publications ?? []).filter((p) => p.status === 'completed').map((p) => p.workflowId),
	);
	const failed = (publications ?? []).filter((p) => p.status !== 'completed');
	const owner = await examples.ownerExists(runtime, USER_FOLDER).catch(() => true);
	const lines = [
		'',
		bold(`n8n ${runtime.n8nVersion} with n8n-nodes-ispm is running.`),
		'',
		`  Editor:  ${base}${owner ? '' : '   (first visit: create the owner account)'}`,
		LISTEN_ADDRESS === '127.0.0.1'
			? '  Listening on 127.0.0.1 only: nothing outside this machine can reach it (N8N_LISTEN_ADDRESS changes that).'
			: `  Listening on ${LISTEN_ADDRESS} (N8N_LISTEN_ADDRESS): other machines may reach the editor and the webhooks.`,
	];

	const triggers = examples.exampleTriggers(examples.demoCredentials(keys));
	const imported = new Set(
		(
			await instance.queryDb(runtime, USER_FOLDER, 'SELECT id FROM workflow_entity').catch(() => [])
		).map((row) => row.id),
	);
	const shown = triggers.filter((t) => imported.has(t.workflowId));
	if (shown.length)
		lines.push('', "  ISPM Issue Triggers of the examples (the key is this folder's demo key):");
	for (const trigger of shown) {
		const state =
			publications === null || active.has(trigger.workflowId)
				? ''
				: '   (not active: publish it in the editor)';
		lines.push(
			`    ${trigger.workflowName}`,
			`      ${base}/webhook/${trigger.webhookId}/${examples.TRIGGER_WEBHOOK_PATH}${state}`,
			`      key in ${trigger.location === 'query' ? 'query parameter' : 'header'} ${trigger.key}: ${trigger.value}`,
		);
	}
	for (const p of failed)
		lines.push(`  ! workflow "${p.name}" did not activate: ${p.errorMessage ?? p.status}`);

	const target = shown.find((t) => t.workflowId === CURL_EXAMPLE && t.location === 'header');
	if (target) {
		const sample = JSON.stringify(readJson(join(examples.EXAMPLES_DIR, 'sample-issue.json')));
		lines.push(
			'',
			`  Post ISPM's sample message to "${target.workflowName}" (as ISPM's Test connection does):`,
			'',
			`curl -i -X POST '${base}/webhook/${target.webhookId}/${examples.TRIGGER_WEBHOOK_PATH}' \\`,
			"  -H 'Content-Type: application/json' \\",
			`  -H '${target.key}: ${target.value}' \\`,
			`  --data '${sample.replace(/'/g, "'\\''")}'`,
			'',
			'  First time: {"status":"accepted"} and an execution in the editor, whose Okta call fails: the',
			'  example points at your-org.okta.invalid, a host that cannot exist, until you set your Okta domain.',
			'  Again: {"status":"duplicate"}: an ISPM issue starts a workflow once.',
		);
	}
	lines.push('', '  Ctrl-C stops n8n; `npm start` again keeps your data.', '');
	process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error) => {
	process.stderr.write(`\nnpm start failed: ${error.message}\n`);
	process.exit(1);
});
