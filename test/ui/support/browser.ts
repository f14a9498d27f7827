/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-dangerous-functions --
 * test code runs in Jest, not inside n8n: it starts processes and servers, waits on timers, rethrows. */
/**
 * Debian's Chromium driven by playwright-core. Test tools' own browser downloads cannot work on these
 * machines (no internet but the package registries), so the browser is the `chromium` Debian package,
 * installed here when it is missing (CI runs as root, without stdin).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.ISPM_UI_CHROMIUM ?? '/usr/bin/chromium';

const log = (message: string) => process.stderr.write(`[ui] ${message}\n`);

function run(cmd: string, args: string[], timeoutMs: number): void {
	const result = spawnSync(cmd, args, {
		stdio: ['ignore', 'pipe', 'pipe'],
		encoding: 'utf8',
		timeout: timeoutMs,
		env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
	});
	if (result.error) throw result.error;
	if (result.status !== 0) {
		throw new Error(
			`${cmd} ${args.join(' ')} failed (${result.status}):\n${`${result.stdout}${result.stderr}`.slice(-3000)}`,
		);
	}
}

/** Installs Debian's chromium package when the browser is missing (needs root, as in CI). */
export function ensureChromium(): string {
	if (existsSync(CHROMIUM)) return CHROMIUM;
	if (typeof process.getuid === 'function' && process.getuid() !== 0) {
		throw new Error(
			`${CHROMIUM} is missing: install it with "apt-get update && apt-get install -y chromium" (as root)`,
		);
	}
	log("installing Debian's chromium package (apt-get)");
	run('apt-get', ['update', '-qq'], 300_000);
	// With its recommended packages: they bring the fonts pages are drawn with.
	run('apt-get', ['install', '-y', '-qq', 'chromium'], 600_000);
	if (!existsSync(CHROMIUM))
		throw new Error(`apt-get installed chromium, but ${CHROMIUM} does not exist`);
	return CHROMIUM;
}

export interface UiBrowser {
	browser: Browser;
	context: BrowserContext;
	close(): Promise<void>;
}

/** Headless Chromium with a fresh profile; one context (one cookie jar) for the whole run. */
export async function launchBrowser(
	options: { colorScheme?: 'light' | 'dark' } = {},
): Promise<UiBrowser> {
	const executablePath = ensureChromium();
	const userDataDir = mkdtempSync(join(tmpdir(), 'ispm-ui-chromium-'));
	const context = await chromium.launchPersistentContext(userDataDir, {
		executablePath,
		headless: true,
		timeout: 60_000,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
		viewport: { width: 1440, height: 900 },
		colorScheme: options.colorScheme ?? 'light',
		locale: 'en-US',
		timezoneId: 'UTC',
	});
	context.setDefaultTimeout(20_000);
	context.setDefaultNavigationTimeout(60_000);
	const browser = context.browser();
	return {
		// launchPersistentContext has no separate Browser object; callers only need the context.
		browser: browser as Browser,
		context,
		async close() {
			await context.close().catch(() => undefined);
			rmSync(userDataDir, { recursive: true, force: true });
		},
	};
}
