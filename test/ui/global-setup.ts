/* eslint-disable @n8n/community-nodes/no-restricted-globals -- test code runs in Jest, not inside n8n. */
/**
 * The slow, one-time installs before any test timeout runs: Node 24 + the pinned n8n (cached in
 * ~/.cache/n8n-nodes-ispm after the first run, minutes before that) and Debian's chromium package (when
 * missing). The test file then boots n8n and the browser from these in its beforeAll.
 */
import * as instance from '../../scripts/n8n-instance.cjs';
import { ensureChromium } from './support/browser';

export default async function globalSetup(): Promise<void> {
	process.stderr.write('\n[ui] provisioning Node 24 + n8n (cached after the first run)\n');
	instance.provision();
	process.stderr.write(`[ui] browser: ${ensureChromium()}\n`);
}
