/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- end-to-end test code: runs in Jest and drives a real n8n from outside */
/** The running suite's facts, written by global-setup.ts and read by the test files (same process, in band). */
import { readFileSync, writeFileSync } from 'node:fs';

import type { Publication, Runtime } from '../../scripts/n8n-instance.cjs';
import type { Owner } from '../helpers/n8nRest';
import type { E2eSecrets } from './fixtures';

export interface E2eState {
	runtime: Runtime;
	/** Temporary folder of this run: user folder, log, import files, tarball. */
	workDir: string;
	userFolder: string;
	logFile: string;
	port: number;
	brokerPort: number;
	baseUrl: string;
	/** pid of the running n8n (changes on restart). */
	pid: number;
	sinkUrl: string;
	secrets: E2eSecrets;
	/** Ids of the example workflows imported from examples/. */
	exampleWorkflowIds: string[];
	/** Webhook ids of the ISPM triggers in the example workflows. */
	exampleTriggerWebhookIds: string[];
	/** How n8n's last start activated each published workflow. */
	publications: Publication[] | null;
	/** Environment overrides given to n8n (besides the defaults of n8nEnv). */
	envExtra: Record<string, string>;
	/** The instance owner, created once n8n is up, for what a designer does in the editor (Test connection). */
	owner: Owner;
}

export const STATE_ENV = 'ISPM_E2E_STATE';

export function readState(): E2eState {
	const file = process.env[STATE_ENV];
	if (!file)
		throw new Error(`${STATE_ENV} is not set: run the suite with jest -c jest.e2e.config.js`);
	return JSON.parse(readFileSync(file, 'utf8')) as E2eState;
}

export function writeState(state: E2eState): void {
	const file = process.env[STATE_ENV];
	if (!file) throw new Error(`${STATE_ENV} is not set`);
	writeFileSync(file, JSON.stringify(state, null, 2), { mode: 0o600 });
}
