/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- end-to-end test code: runs in Jest and drives a real n8n from outside */
/** The running suite's facts, written by global-setup.ts and read by the test files (same process, in band). */
import { readFileSync, writeFileSync } from 'node:fs';

import type { OwnerAccount, Publication, Runtime } from '../../scripts/n8n-instance.cjs';
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
	/** The demo credentials' keys of this run ({ credentialId: key }), generated as `npm start` does. */
	demoKeys: Record<string, string>;
	/** Id of the issue queue's data table (created before n8n started, as `npm start` does). */
	issueTableId: string;
	/** How n8n's last start activated each published workflow. */
	publications: Publication[] | null;
	/** n8n's owner account, once a test has created it (harness.ownerRest). */
	owner?: OwnerAccount;
	/** Environment overrides given to n8n (besides the defaults of n8nEnv). */
	envExtra: Record<string, string>;
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
