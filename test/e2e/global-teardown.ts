/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- end-to-end test code: runs in Jest and drives a real n8n from outside */
/** Stops n8n (whichever pid is current after restarts) and the sink; removes the temporary folder. */
import { existsSync, rmSync } from 'node:fs';

import * as instance from '../../scripts/n8n-instance.cjs';
import { readState, STATE_ENV } from './state';

export default async function globalTeardown(): Promise<void> {
	const stateFile = process.env[STATE_ENV];
	if (stateFile && existsSync(stateFile)) {
		const state = readState();
		await instance.stopN8n(state.pid);
		if (process.env.ISPM_E2E_KEEP === '1') {
			process.stderr.write(`[e2e] kept ${state.workDir} (n8n log: ${state.logFile})\n`);
		} else {
			rmSync(state.workDir, { recursive: true, force: true });
		}
	}
	await globalThis.__ISPM_E2E_SINK__?.close();
	globalThis.__ISPM_E2E_SINK__ = undefined;
}
