#!/usr/bin/env node
// `npm run test:all`: every check this project has, in order, from a fresh clone. Installs the development
// dependencies first when node_modules does not match package-lock.json (scripts/ensure-deps.mjs); the
// real-n8n suites provision Node 24 and n8n themselves (scripts/runtime.mjs).
//
// Each step is an npm script; it is printed with its duration, and the first one that fails stops the run
// with its exit code. Add a suite by adding its script to STEPS.
//
//   npm run test:all                            everything
//   npm run test:all -- --skip=test:ui,test:compat
//   npm run test:all -- --only=lint,build
//   TEST_ALL_SKIP=test:ui npm run test:all      the same as --skip (handy in CI)
import { ensureDevDependenciesOrExit } from './ensure-deps.mjs';
import { bold, duration, runNpmScript } from './steps.mjs';

/** The steps, in the order they run: [npm script, what it proves]. */
const STEPS = [
	['lint', 'n8n-node lint (strict)'],
	['build', 'n8n-node build'],
	['typecheck', 'TypeScript over sources and tests'],
	['test', 'unit and component tests (Jest)'],
	['test:e2e', 'end-to-end suite in a real n8n (the pinned version)'],
	['test:crash', 'SIGKILL mid-burst in regular mode: nothing accepted is lost, nothing runs twice'],
	[
		'test:queue',
		'queue mode (main, worker, two webhook processes, Postgres, Redis), its crash too',
	],
	['test:ui', 'browser tests of the editor'],
	['test:compat', 'end-to-end suite on the oldest and newest supported n8n lines'],
];

function listOption(name) {
	const prefix = `--${name}=`;
	const values = process.argv
		.slice(2)
		.filter((a) => a.startsWith(prefix))
		.flatMap((a) => a.slice(prefix.length).split(','));
	if (name === 'skip' && process.env.TEST_ALL_SKIP)
		values.push(...process.env.TEST_ALL_SKIP.split(','));
	return values.map((v) => v.trim()).filter(Boolean);
}

function selectSteps() {
	const known = new Set(STEPS.map(([script]) => script));
	for (const arg of process.argv.slice(2)) {
		if (!/^--(skip|only)=/.test(arg)) {
			throw new Error(`unknown argument ${arg}; use --skip=a,b or --only=a,b`);
		}
	}
	const skip = listOption('skip');
	const only = listOption('only');
	const unknown = [...skip, ...only].filter((s) => !known.has(s));
	if (unknown.length) {
		throw new Error(`no step named ${unknown.join(', ')}; steps: ${[...known].join(', ')}`);
	}
	return STEPS.filter(
		([script]) => !skip.includes(script) && (only.length === 0 || only.includes(script)),
	);
}

async function main() {
	let steps;
	try {
		steps = selectSteps();
	} catch (error) {
		process.stderr.write(`test:all: ${error.message}\n`);
		process.exit(2);
	}
	await ensureDevDependenciesOrExit({ why: 'npm run test:all' });

	const done = [];
	const started = Date.now();
	for (const [index, [script, what]] of steps.entries()) {
		process.stdout.write(
			`\n${bold(`[${index + 1}/${steps.length}] ${script}`)}: ${what} (npm run ${script})\n`,
		);
		const stepStarted = Date.now();
		const code = await runNpmScript(script);
		const took = duration(Date.now() - stepStarted);
		done.push([script, code === 0 ? 'passed' : `FAILED (exit code ${code})`, took]);
		if (code !== 0) {
			summary(done, steps, started);
			process.stdout.write(`\n${bold(`test:all: ${script} failed with exit code ${code}`)}\n`);
			process.exit(code);
		}
		process.stdout.write(`${bold(`[${index + 1}/${steps.length}] ${script} passed`)} in ${took}\n`);
	}
	summary(done, steps, started);
}

function summary(done, steps, started) {
	const width = Math.max(...STEPS.map(([script]) => script.length));
	const lines = STEPS.map(([script]) => {
		const result = done.find(([s]) => s === script);
		if (result) return `  ${script.padEnd(width)}  ${result[1]}  ${result[2]}`;
		const selected = steps.some(([s]) => s === script);
		return `  ${script.padEnd(width)}  ${selected ? 'not run' : 'skipped'}`;
	});
	process.stdout.write(
		`\n${bold('test:all summary')} (${duration(Date.now() - started)} in all)\n${lines.join('\n')}\n`,
	);
}

await main();
