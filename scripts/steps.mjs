// Shared by the commands that run other npm scripts as their steps (test-all.mjs, test-compat.mjs).
import { spawn } from 'node:child_process';

import { ROOT } from './ensure-deps.mjs';
import { childNpmEnv } from './runtime.mjs';

export const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

/** "12 s", "3 min 05 s". */
export function duration(ms) {
	const s = Math.round(ms / 1000);
	return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/**
 * Runs `npm run <script>` in the project with the terminal attached and resolves with its exit code
 * (143 when a signal ended it). Ctrl-C and SIGTERM are passed on to it. `env` adds
 * variables; npm settings a parent npm exported are not passed on (childNpmEnv).
 */
export function runNpmScript(script, env = {}) {
	return new Promise((resolve) => {
		const child = spawn('npm', ['run', script], {
			cwd: ROOT,
			env: childNpmEnv(env),
			stdio: 'inherit',
		});
		const forward = (signal) => child.kill(signal);
		process.on('SIGINT', forward);
		process.on('SIGTERM', forward);
		const done = (code) => {
			process.off('SIGINT', forward);
			process.off('SIGTERM', forward);
			resolve(code);
		};
		child.on('exit', (code, signal) => done(code ?? (signal ? 143 : 1)));
		child.on('error', (error) => {
			process.stderr.write(`could not start npm: ${error.message}\n`);
			done(127);
		});
	});
}
