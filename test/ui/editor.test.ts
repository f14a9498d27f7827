/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/require-node-api-error --
 * test code runs in Jest, not inside n8n: it starts processes and servers, waits on timers, rethrows. */
/**
 * The n8n editor experience of a SOAR designer, in a real browser against the real n8n that `npm start`
 * runs (issue 7): `npm run test:ui`. The steps build on each other (one workflow, one set of
 * credentials), so they run in order in this one file, against one n8n and one browser.
 *
 * Screenshots of steps 2–5 go to test/ui/artifacts/ (gitignored; ISPM_UI_ARTIFACTS overrides); the best
 * of them are copied by hand to docs/.
 */
import { join } from 'node:path';

import type { Page } from 'playwright-core';

import { KNOWN_ISSUE_TITLES } from '../../lib/issueTypes';
import { IspmEventHook } from '../../nodes/IspmEventHook/IspmEventHook.node';
import { IspmIssueTrigger } from '../../nodes/IspmIssueTrigger/IspmIssueTrigger.node';
import { startSink, type Sink } from '../helpers/sink';
import { launchBrowser, type UiBrowser } from './support/browser';
import {
	addCommunityNodeFromPanel,
	canvasNode,
	canvasNodeSubtitle,
	creatorItem,
	eventually,
	imageLoaded,
	logIn,
	ndv,
	openNewWorkflow,
	parameterInput,
	Screenshots,
	searchNodes,
	useN8nTestIds,
	visibleOptionTexts,
} from './support/editor';
import { bootN8n, type UiInstance } from './support/instance';

const ARTIFACTS = process.env.ISPM_UI_ARTIFACTS ?? join(__dirname, 'artifacts');

const trigger = new IspmIssueTrigger().description;
const eventHook = new IspmEventHook().description;

let n8n: UiInstance | undefined;
let ui: UiBrowser | undefined;
let page: Page;
let sink: Sink;
const shots = new Screenshots(ARTIFACTS);

/** Steps build on each other: once one fails, the later ones say so instead of failing obscurely. */
let failedStep: string | undefined;
function step(name: string, body: () => Promise<void>, timeoutMs = 240_000): void {
	test(
		name,
		async () => {
			if (failedStep) throw new Error(`skipped: an earlier step failed (${failedStep})`);
			try {
				await body();
			} catch (error) {
				failedStep = name;
				await page
					?.screenshot({ path: join(ARTIFACTS, `failure-${name.replace(/\W+/g, '-')}.png`) })
					.catch(() => undefined);
				throw error;
			}
		},
		timeoutMs,
	);
}

beforeAll(async () => {
	useN8nTestIds();
	sink = await startSink();
	n8n = await bootN8n();
	ui = await launchBrowser();
	await logIn(ui.context, n8n.baseUrl, n8n.owner);
	page = ui.context.pages()[0] ?? (await ui.context.newPage());
}, 900_000);

afterAll(async () => {
	await ui?.close();
	await n8n?.stop();
	await sink?.close();
	if (shots.taken.length)
		process.stderr.write(`[ui] screenshots:\n  ${shots.taken.join('\n  ')}\n`);
}, 120_000);

describe('a SOAR designer in the n8n editor', () => {
	step(
		'1. searching "ISPM" finds both nodes with icons, names and descriptions (light and dark theme)',
		async () => {
			for (const theme of ['light', 'dark'] as const) {
				await openNewWorkflow(page, n8n!.baseUrl, theme);
				await searchNodes(page, 'ISPM');
				for (const node of [trigger, eventHook]) {
					const item = creatorItem(page, node.displayName);
					await item.waitFor();
					await expect(item.getByTestId('node-creator-item-description').innerText()).resolves.toBe(
						node.description,
					);
					const icon = item.locator('img').first();
					const src = await icon.getAttribute('src');
					// Light theme: icons/ispm.svg; dark theme: icons/ispm.dark.svg (the node's icon.light / icon.dark).
					expect(src).toMatch(
						theme === 'dark' ? /\/icons\/ispm\.dark\.svg$/ : /\/icons\/ispm\.svg$/,
					);
					await expect(imageLoaded(icon)).resolves.toBe(true);
				}
				if (theme === 'light') await shots.take(page, '1-nodes-panel-search');
			}
			// The Event Hook's operations are listed as its actions (what its canvas subtitle will name).
			await creatorItem(page, eventHook.displayName).click();
			const creator = page.getByTestId('node-creator');
			for (const action of ['Send an issue event', 'Send a test message']) {
				await creator.getByText(action, { exact: true }).waitFor();
			}
		},
	);

	step(
		'2. the ISPM Issue Trigger panel shows both webhook URLs, where the key goes, issue types and options',
		async () => {
			await openNewWorkflow(page, n8n!.baseUrl);
			await searchNodes(page, 'ISPM');
			await addCommunityNodeFromPanel(page, trigger.displayName);
			const panel = ndv(page);

			// Production and test webhook URLs: POST /webhook[-test]/<webhookId>/ispm on this n8n.
			await panel.getByText('Webhook URLs', { exact: true }).click();
			const url = panel.locator('.webhook-url'); // n8n gives the URL text no test id
			await panel.getByTestId('radio-button-test').click();
			const testUrl = (await url.innerText()).trim();
			expect(testUrl).toMatch(
				new RegExp(`^http://localhost:${n8n!.port}/webhook-test/[0-9a-f-]{36}/ispm$`),
			);
			await panel.getByTestId('radio-button-production').click();
			const productionUrl = await eventually(
				'the production URL',
				async () => (await url.innerText()).trim(),
				(u) => u !== testUrl,
			);
			expect(productionUrl).toBe(testUrl.replace('/webhook-test/', '/webhook/'));

			// Which credential field holds the key and where ISPM sends it, in the Webhook tile's words.
			const notice = panel.getByText('Set up in ISPM');
			await notice.waitFor();
			const noticeText = await notice.innerText();
			for (const words of [
				'Webhook tile',
				'Production URL',
				'Webhook Address',
				'HTTP Headers',
				'Key',
				'Value',
				'Test URL',
			]) {
				expect(noticeText).toContain(words);
			}
			await shots.take(page, '2-trigger-panel');

			// Issue types offer every known ISPM title.
			await parameterInput(panel, 'issueTypes').click();
			await page.getByRole('option', { name: KNOWN_ISSUE_TITLES[0], exact: true }).waitFor();
			const offered = await visibleOptionTexts(page);
			for (const title of KNOWN_ISSUE_TITLES) expect(offered).toContain(title);
			await shots.take(page, '2-trigger-issue-types');
			await page.keyboard.press('Escape');

			// Custom issue types, severities and the other options are one click away under "Add option".
			await panel.getByTestId('collection-parameter-add').click();
			await page.getByTestId('collection-parameter-option').first().waitFor();
			const options = (await page.getByTestId('collection-parameter-option').allInnerTexts()).map(
				(t) => t.trim(),
			);
			expect(options).toEqual(
				expect.arrayContaining(['Custom Issue Types', 'Severities', 'Remember Issues', 'Simplify']),
			);
			await shots.take(page, '2-trigger-options');
			await page.keyboard.press('Escape');

			// The canvas node's subtitle: no types selected means every type.
			await page.getByTestId('ndv-close-button').click();
			await canvasNode(page, trigger.defaults.name as string).waitFor();
			await eventually(
				'the trigger subtitle',
				() => canvasNodeSubtitle(page, trigger.defaults.name as string).innerText(),
				(t) => t === 'All issue types',
			);
		},
	);
});
