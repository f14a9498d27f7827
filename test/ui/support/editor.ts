/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/require-node-api-error --
 * test code runs in Jest, not inside n8n: it starts processes and servers, waits on timers, rethrows. */
/**
 * What a designer does in n8n 2.40's editor, as small steps over n8n's own `data-test-id` attributes
 * (found in node_modules/n8n-editor-ui/dist). Where n8n gives an element no test id, the step says so and
 * uses the element's role and accessible name instead.
 *
 * Every wait here is bounded (Playwright's default timeouts, set in browser.ts, or an explicit timeout).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { selectors, type BrowserContext, type Locator, type Page } from 'playwright-core';

import type { Owner } from './instance';

let testIdAttributeSet = false;

/** n8n marks its elements with `data-test-id` (not Playwright's default `data-testid`). */
export function useN8nTestIds(): void {
	if (testIdAttributeSet) return;
	selectors.setTestIdAttribute('data-test-id');
	testIdAttributeSet = true;
}

/** How long n8n's editor may take to load a view on a busy 2-core machine. */
export const VIEW_TIMEOUT_MS = 60_000;

/**
 * Logs the owner in inside the browser context (POST /rest/login through the context's own request
 * client, so n8n's auth cookie lands in the browser's cookie jar).
 */
export async function logIn(context: BrowserContext, baseUrl: string, owner: Owner): Promise<void> {
	const response = await context.request.post(`${baseUrl}/rest/login`, {
		data: { emailOrLdapLoginId: owner.email, password: owner.password },
		timeout: 30_000,
	});
	if (response.status() !== 200)
		throw new Error(`login in the browser answered ${response.status()}: ${await response.text()}`);
}

export class Screenshots {
	readonly dir: string;

	readonly taken: string[] = [];

	constructor(dir: string) {
		this.dir = dir;
		// Pictures of an earlier run would mislead: start empty.
		rmSync(dir, { recursive: true, force: true });
		mkdirSync(dir, { recursive: true });
	}

	async take(page: Page, name: string, locator?: Locator): Promise<string> {
		const file = join(this.dir, `${name}.png`);
		// A still picture of the page, not of n8n's passing toasts and hover effects.
		await page.mouse.move(0, 0).catch(() => undefined);
		const toasts = page.locator('.el-notification:visible');
		for (const close of await page
			.locator('.el-notification:visible .el-notification__closeBtn')
			.all()) {
			await close.click().catch(() => undefined);
		}
		await eventually(
			'toasts to close',
			() => toasts.count(),
			(n) => n === 0,
			10_000,
		).catch(() => undefined);
		if (locator) await locator.screenshot({ path: file, animations: 'disabled', timeout: 30_000 });
		else await page.screenshot({ path: file, animations: 'disabled', timeout: 30_000 });
		this.taken.push(file);
		return file;
	}
}

/** Opens an empty workflow and waits until the canvas offers its first-step button. */
export async function openNewWorkflow(
	page: Page,
	baseUrl: string,
	theme: 'light' | 'dark' = 'light',
): Promise<void> {
	await page.goto(`${baseUrl}/workflow/new?theme=${theme}`);
	await page.getByTestId('canvas-add-button').waitFor({ timeout: VIEW_TIMEOUT_MS });
}

/** Opens the nodes panel from the empty canvas and searches. Returns the panel. */
export async function searchNodes(page: Page, text: string): Promise<Locator> {
	await page.getByTestId('canvas-add-button').click();
	const search = page.getByTestId('node-creator-search-bar');
	await search.fill(text);
	return page.getByTestId('node-creator');
}

/** The nodes panel's entry for one node (matched by its exact display name). */
export function creatorItem(page: Page, displayName: string): Locator {
	return page.getByTestId('item-iterator-item').filter({
		has: page.getByTestId('node-creator-item-name').getByText(displayName, { exact: true }),
	});
}

/** Whether an <img> has loaded a real picture (not a broken image). */
export async function imageLoaded(img: Locator): Promise<boolean> {
	return img.evaluate((el) => {
		const image = el as unknown as { complete: boolean; naturalWidth: number };
		return image.complete && image.naturalWidth > 0;
	});
}

/**
 * Adds a community trigger from the nodes panel: n8n 2.40 first shows the package's node details for a
 * community node; its "Add to workflow" button has no test id, so it is found by role and name.
 */
export async function addCommunityNodeFromPanel(page: Page, displayName: string): Promise<void> {
	await creatorItem(page, displayName).click();
	const add = page.getByRole('button', { name: 'Add to workflow' });
	// Nodes with actions go straight to their action list instead; only click when the details are shown.
	await add.click();
	await page.getByTestId('ndv').waitFor({ timeout: VIEW_TIMEOUT_MS });
}

/** The open node details view (NDV). */
export function ndv(page: Page): Locator {
	return page.getByTestId('ndv');
}

export async function closeNdv(page: Page): Promise<void> {
	await page.getByTestId('ndv-close-button').click();
	await ndv(page).waitFor({ state: 'hidden' });
}

/**
 * The canvas node of this name. Regular nodes carry data-test-id="canvas-node"; sticky notes do not, but
 * every canvas node carries data-node-name and data-node-type (its handles only data-node-name).
 */
export function canvasNode(page: Page, name: string): Locator {
	return page.locator(`[data-node-type][data-node-name="${name.replace(/"/g, '\\"')}"]`);
}

/** Every node on the canvas, sticky notes included. */
export function canvasNodes(page: Page): Locator {
	return page.locator('[data-node-type][data-node-name]');
}

/** A canvas node's subtitle (n8n gives it no test id: the element's CSS module class is used). */
export function canvasNodeSubtitle(page: Page, name: string): Locator {
	return canvasNode(page, name).locator('[class*="_subtitle_"]');
}

/** The element of one parameter in the NDV (n8n: data-test-id="parameter-input-<name>"). */
export function parameterInput(scope: Locator | Page, name: string): Locator {
	return scope.getByTestId(`parameter-input-${name}`);
}

/** Text of the visible dropdown options (n8n's select popovers are teleported to <body>). */
export async function visibleOptionTexts(page: Page): Promise<string[]> {
	const options = page.locator('.el-select-dropdown__item:visible, [role="option"]:visible');
	return (await options.allInnerTexts()).map((text) => text.trim()).filter(Boolean);
}

/** Reads a value until it passes the check or the time is up (then fails with the last value read). */
export async function eventually<T>(
	what: string,
	read: () => Promise<T>,
	check: (value: T) => boolean,
	timeoutMs = 20_000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last: T | undefined;
	let lastError: unknown;
	for (;;) {
		try {
			last = await read();
			if (check(last)) return last;
		} catch (error) {
			lastError = error;
		}
		if (Date.now() > deadline) {
			const detail = lastError
				? ` (last error: ${String(lastError)})`
				: ` (last value: ${JSON.stringify(last)})`;
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

/** Opens a canvas node's details view (double click, as a designer does). */
export async function openNode(page: Page, name: string): Promise<Locator> {
	await canvasNode(page, name).dblclick();
	await ndv(page).waitFor({ timeout: VIEW_TIMEOUT_MS });
	return ndv(page);
}

/** The credential modal. */
export function credentialDialog(page: Page): Locator {
	return page.getByTestId('credential-edit-dialog');
}

export interface CredentialFields {
	webhookUrl?: string;
	key?: string;
	value?: string;
}

export async function fillCredential(page: Page, fields: CredentialFields): Promise<void> {
	const dialog = credentialDialog(page);
	for (const [name, value] of Object.entries(fields)) {
		if (value === undefined) continue;
		await parameterInput(dialog, name).locator('input').fill(value);
	}
}

/** Picks a credential by its name in the NDV's credential dropdown. */
export async function selectCredential(page: Page, name: string): Promise<void> {
	await ndv(page).getByTestId('node-credentials-select').click();
	await page
		.locator('[data-test-id^="node-credentials-select-item-"]:visible')
		.filter({ hasText: name })
		.first()
		.click();
	await eventually(
		`credential "${name}" to be selected`,
		() => ndv(page).getByTestId('node-credentials-select').locator('input').inputValue(),
		(value) => value === name,
	);
}

/** The credential modal's test result banner: success has a test id, failure only its text and Retry. */
export const credentialTest = {
	success: (page: Page) =>
		credentialDialog(page).getByTestId('credentials-config-container-test-success'),
	failure: (page: Page) => credentialDialog(page).getByText('Couldn’t connect with these settings'),
	retry: (page: Page) =>
		credentialDialog(page).locator('button[title="Retry credential test"]:visible'),
	/** The failure's message (n8n shows it after "More details", and keeps it shown afterwards). */
	async failureDetails(page: Page): Promise<string> {
		const dialog = credentialDialog(page);
		const banner = dialog
			.locator('.el-tag--danger:visible')
			.filter({ hasText: 'Couldn’t connect with these settings' });
		const more = banner.getByText('More details', { exact: true });
		if (await more.isVisible()) await more.click();
		return eventually(
			'the credential test failure details',
			() => banner.innerText(),
			(text) =>
				text
					.replace('Couldn’t connect with these settings', '')
					.replace('More details', '')
					.replace('Retry', '')
					.trim().length > 0,
		);
	},
};

/**
 * The output panel's JSON view as compact text. n8n renders one token per line (values carry no line
 * breaks) and renders only the lines in view: a long output is cut (see outputJson).
 */
export async function outputJsonText(page: Page): Promise<string> {
	const panel = ndv(page).getByTestId('output-panel');
	await panel.getByTestId('radio-button-json').click();
	const container = panel.getByTestId('ndv-data-container');
	const text = await eventually(
		'JSON in the output panel',
		() => container.innerText(),
		(t) => t.trim().startsWith('['),
	);
	return text.replace(/\n\s*/g, '').trim();
}

/**
 * The output panel's items, parsed from its JSON view: for outputs short enough to be rendered whole
 * (n8n leaves the list's closing "]" out of the text even then).
 */
export async function outputJson(page: Page): Promise<unknown> {
	const compact = await outputJsonText(page);
	try {
		return JSON.parse(compact.endsWith(']') ? compact : `${compact}]`);
	} catch (error) {
		throw new Error(`the output panel's JSON view does not parse (${String(error)}):\n${compact}`);
	}
}

/** The output panel's table view as text: every field of every item, nested ones included. */
export async function outputTableText(page: Page): Promise<string> {
	const panel = ndv(page).getByTestId('output-panel');
	await panel.getByTestId('radio-button-table').click();
	return eventually(
		'the output table',
		() => panel.getByTestId('ndv-data-container').innerText(),
		(t) => t.trim().length > 0,
	);
}

/** Closes the credential modal with its × (Escape would close the node details view behind it too). */
export async function closeCredentialDialog(page: Page): Promise<void> {
	// n8n gives the modal's close button no test id; it is Element Plus' dialog header button.
	await page
		.locator('button.el-dialog__headerbtn[aria-label="Close this dialog"]:visible')
		.last()
		.click();
	await credentialDialog(page).waitFor({ state: 'hidden' });
}

/** Unfolds the trigger's "Webhook URLs" section (folded whenever the panel opens) and returns one URL. */
export async function webhookUrl(page: Page, which: 'test' | 'production'): Promise<string> {
	const panel = ndv(page);
	const toggle = panel.getByTestId(`radio-button-${which}`);
	if (!(await toggle.isVisible())) await panel.getByText('Webhook URLs', { exact: true }).click();
	const before = (
		await panel
			.locator('.webhook-url')
			.innerText()
			.catch(() => '')
	).trim();
	await toggle.click();
	// n8n gives the URL text no test id: it is the section's .webhook-url element.
	const wanted = which === 'test' ? '/webhook-test/' : '/webhook/';
	return eventually(
		`the ${which} URL`,
		async () => (await panel.locator('.webhook-url').innerText()).trim(),
		(url) => url.includes(wanted) && (url !== before || before.includes(wanted)),
	);
}
