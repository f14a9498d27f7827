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
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import type { Page } from 'playwright-core';

import { KNOWN_ISSUE_TITLES } from '../../lib/issueTypes';
import { IspmEventHook } from '../../nodes/IspmEventHook/IspmEventHook.node';
import { IspmIssueTrigger } from '../../nodes/IspmIssueTrigger/IspmIssueTrigger.node';
import { SAMPLE_TEST_MESSAGE } from '../helpers/samples';
import { startSink, unusedPort, type RecordedRequest, type Sink } from '../helpers/sink';
import { launchBrowser, type UiBrowser } from './support/browser';
import {
	addCommunityNodeFromPanel,
	canvasNode,
	canvasNodes,
	canvasNodeSubtitle,
	closeCredentialDialog,
	closeNdv,
	creatorItem,
	credentialDialog,
	credentialTest,
	fillCredential,
	eventually,
	imageLoaded,
	logIn,
	ndv,
	openNewWorkflow,
	openNode,
	outputJson,
	outputJsonText,
	outputTableText,
	parameterInput,
	Screenshots,
	searchNodes,
	selectCredential,
	useN8nTestIds,
	visibleOptionTexts,
	webhookUrl,
} from './support/editor';
import { bootN8n, type UiInstance } from './support/instance';

const ARTIFACTS = process.env.ISPM_UI_ARTIFACTS ?? join(__dirname, 'artifacts');

const trigger = new IspmIssueTrigger().description;
const eventHook = new IspmEventHook().description;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TRIGGER_NAME = trigger.defaults.name as string;
const EVENT_HOOK_NAME = eventHook.defaults.name as string;

/** The receiver's API keys of this run: the sink answers 401 unless the request carries them. */
const SECRETS = {
	header: `uiHeaderKey${randomBytes(12).toString('hex')}`,
	query: `uiQueryKey${randomBytes(12).toString('hex')}`,
};

/** The two credential types as a designer creates them (names are n8n's defaults for a first credential). */
const CREDENTIALS = [
	{
		kind: 'header',
		mode: 'API Key in Header',
		name: 'ISPM Key (Header) account',
		where: 'HTTP Headers',
		path: '/hook/header',
		key: 'X-Sink-Key',
		secret: SECRETS.header,
	},
	{
		kind: 'query',
		mode: 'API Key in Query Parameter',
		name: 'ISPM Key (Query Parameter) account',
		where: 'Query Parameters',
		path: '/hook/query',
		key: 'token',
		secret: SECRETS.query,
	},
] as const;

function carriesKey(request: RecordedRequest): boolean {
	if (request.path === '/hook/header') return request.headers['x-sink-key'] === SECRETS.header;
	if (request.path === '/hook/query') return request.query.token === SECRETS.query;
	return false;
}

function requestsTo(path: string, from = 0): RecordedRequest[] {
	return sink.requests.slice(from).filter((r) => r.path === path);
}

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
	sink = await startSink((request) =>
		carriesKey(request)
			? { status: 200, body: { ok: true } }
			: { status: 401, body: { error: 'invalid API key' } },
	);
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
				await shots.take(page, `1-nodes-panel-search-${theme}`);
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
			// Its canvas subtitle: no issue types selected means every type.
			await closeNdv(page);
			await eventually(
				'the trigger subtitle',
				() => canvasNodeSubtitle(page, TRIGGER_NAME).innerText(),
				(t) => t === 'All issue types',
			);
			const panel = await openNode(page, TRIGGER_NAME);

			// Production and test webhook URLs: POST /webhook[-test]/<webhookId>/ispm on this n8n.
			const testUrl = await webhookUrl(page, 'test');
			expect(testUrl).toMatch(
				new RegExp(`^http://localhost:${n8n!.port}/webhook-test/[0-9a-f-]{36}/ispm$`),
			);
			const productionUrl = await webhookUrl(page, 'production');
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
			// Where issues are remembered: this n8n instance by default, with a notice on when to choose Redis.
			await panel.getByText('Remember Issues In', { exact: true }).first().waitFor();
			// n8n shows the chosen option as an input's value or as text, depending on its select component.
			const memory = parameterInput(panel, 'issueMemory');
			await memory.waitFor();
			const inputValues = await memory
				.locator('input')
				.evaluateAll((inputs) =>
					inputs.map((input) => (input as unknown as { value: string }).value),
				);
			expect(`${await memory.innerText()} ${inputValues.join(' ')}`).toContain('This n8n Instance');
			const memoryNotice = await panel
				.getByText('when n8n runs in queue mode', { exact: false })
				.first()
				.innerText();
			expect(memoryNotice).toContain('multi-main');
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

			// Severities offer ISPM's scale; Custom Issue Types shows what a title looks like.
			await page
				.getByTestId('collection-parameter-option')
				.filter({ hasText: 'Severities' })
				.click();
			await parameterInput(panel, 'severities').click();
			await page.getByRole('option', { name: 'Critical', exact: true }).waitFor();
			expect(await visibleOptionTexts(page)).toEqual(
				expect.arrayContaining(['Critical', 'High', 'Medium', 'Low']),
			);
			await page.keyboard.press('Escape');
			await panel.getByTestId('collection-parameter-add').click();
			await page
				.getByTestId('collection-parameter-option')
				.filter({ hasText: 'Custom Issue Types' })
				.click();
			const custom = parameterInput(panel, 'customIssueTypes').locator('input, textarea').first();
			expect(await custom.getAttribute('placeholder')).toMatch(/ - Service Account/);

			// Two issue types selected: the canvas subtitle counts them.
			await parameterInput(panel, 'issueTypes').click();
			for (const title of KNOWN_ISSUE_TITLES.slice(0, 2)) {
				await page.getByRole('option', { name: title, exact: true }).click();
			}
			await page.keyboard.press('Escape');
			await closeNdv(page);
			await eventually(
				'the trigger subtitle',
				() => canvasNodeSubtitle(page, TRIGGER_NAME).innerText(),
				(t) => t === '2 issue types',
			);
		},
	);

	step(
		'3. each credential type tests its connection: success, a wrong key (401), an unreachable URL',
		async () => {
			const panel = await openNode(page, TRIGGER_NAME);
			for (const credential of CREDENTIALS) {
				const dialog = credentialDialog(page);
				const before = sink.requests.length;
				await panel.getByTestId('node-credentials-select').click();
				await page.getByTestId('node-credentials-select-item-new').click();
				await dialog.waitFor();
				if (credential.kind === 'query') {
					await dialog.getByTestId('credential-mode-dropdown-trigger').click();
					await page.getByRole('menuitem', { name: credential.mode, exact: true }).click();
				}
				await dialog.getByText(`choose ${credential.where}`).waitFor();
				await fillCredential(page, {
					webhookUrl: `${sink.url}${credential.path}`,
					key: credential.key,
					value: credential.secret,
				});
				await page.getByTestId('credential-save-button').click();
				// Saving runs Test connection; opened from a node, n8n closes the modal once the test passes.
				await dialog.waitFor({ state: 'hidden', timeout: 60_000 });
				const [testMessage] = await eventually(
					`Test connection's message at ${credential.path}`,
					async () => requestsTo(credential.path, before),
					(requests) => requests.length > 0,
				);
				expect(carriesKey(testMessage)).toBe(true);
				expect(testMessage.body).toMatchObject({
					source: 'Okta ISPM',
					type: 'issue.created',
					eventData: { title: expect.any(String) },
				});

				// Opening the saved credential tests it again; "Retry" is its test button.
				await panel.getByTestId('credential-edit-button').click();
				await credentialTest.success(page).waitFor({ timeout: 60_000 });
				const beforeRetry = sink.requests.length;
				await credentialTest.retry(page).click();
				await eventually(
					'the retried test at the sink',
					async () => requestsTo(credential.path, beforeRetry).length,
					(n) => n > 0,
				);
				await credentialTest.success(page).waitFor({ timeout: 60_000 });
				await shots.take(page, `3-credential-${credential.kind}-success`);

				// A wrong key: the receiver answers 401 and the modal says what to check.
				await fillCredential(page, { value: `wrong${credential.secret}` });
				await page.getByTestId('credential-save-button').click();
				await credentialTest.failure(page).waitFor({ timeout: 60_000 });
				const wrongKey = await eventually(
					'the 401 explanation',
					() => credentialTest.failureDetails(page),
					(text) => text.includes('HTTP 401'),
				);
				expect(wrongKey).toContain('rejected the API key');
				expect(wrongKey).not.toContain(credential.secret);
				await shots.take(page, `3-credential-${credential.kind}-wrong-key`);

				// An unreachable Webhook Address: nothing listens on that port.
				const port = await unusedPort();
				await fillCredential(page, {
					webhookUrl: `http://127.0.0.1:${port}${credential.path}`,
					value: credential.secret,
				});
				await page.getByTestId('credential-save-button').click();
				const unreachable = await eventually(
					'the unreachable-URL explanation',
					() => credentialTest.failureDetails(page),
					(text) => text.includes(`127.0.0.1:${port}`),
				);
				expect(unreachable).toContain('connection refused');
				await shots.take(page, `3-credential-${credential.kind}-unreachable`);

				// Back to the working settings for the next steps.
				await fillCredential(page, { webhookUrl: `${sink.url}${credential.path}` });
				await page.getByTestId('credential-save-button').click();
				await credentialTest.success(page).waitFor({ timeout: 60_000 });
				await closeCredentialDialog(page);

				// The trigger now uses this credential, and its setup notice names where ISPM puts the key.
				await selectCredential(page, credential.name);
				const notice = panel.getByText('Set up in ISPM');
				await eventually(
					'the setup notice',
					() => notice.innerText(),
					(text) => text.includes(`choose ${credential.where}`),
				);
			}
			await closeNdv(page);
		},
	);

	step(
		"4. listening for a test event shows ISPM's test message, flat with Simplify, and again on every send",
		async () => {
			const panel = await openNode(page, TRIGGER_NAME);
			const query = CREDENTIALS[1];
			await selectCredential(page, query.name);
			const testUrl = new URL(await webhookUrl(page, 'test'));
			expect(testUrl.pathname).toMatch(/^\/webhook-test\/[0-9a-f-]{36}\/ispm$/);
			testUrl.hostname = '127.0.0.1'; // n8n listens on 127.0.0.1 only; the panel says localhost
			testUrl.searchParams.set(query.key, query.secret);

			const listenAndSend = async (): Promise<unknown[]> => {
				await panel.getByTestId('trigger-execute-button').click();
				await panel.getByTestId('trigger-listening').waitFor({ timeout: 60_000 });
				const response = await fetch(testUrl, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify(SAMPLE_TEST_MESSAGE),
					signal: AbortSignal.timeout(60_000),
				});
				expect(response.status).toBe(200);
				expect(await response.json()).toMatchObject({
					status: 'accepted',
					issueId: SAMPLE_TEST_MESSAGE.eventData.id,
				});
				await panel.getByTestId('trigger-listening').waitFor({ state: 'hidden', timeout: 60_000 });
				return (await outputJson(page)) as unknown[];
			};

			// The envelope, exactly as ISPM sent it.
			expect(await listenAndSend()).toEqual([SAMPLE_TEST_MESSAGE]);
			await shots.take(page, '4-trigger-test-event');

			// Simplify: the flat field names of Okta's ISPM automation; the same message is shown again.
			await panel.getByTestId('collection-parameter-add').click();
			await page.getByTestId('collection-parameter-option').filter({ hasText: 'Simplify' }).click();
			const simplify = parameterInput(panel, 'simplify').locator('.el-switch');
			await simplify.click();
			await eventually(
				'Simplify to be on',
				() => simplify.getAttribute('class'),
				(c) => (c ?? '').includes('is-checked'),
			);
			const [flat] = (await listenAndSend()) as Array<Record<string, unknown>>;
			expect(flat).toMatchObject({
				eventId: SAMPLE_TEST_MESSAGE.id,
				eventType: 'issue.created',
				issueId: SAMPLE_TEST_MESSAGE.eventData.id,
				issueTitle: SAMPLE_TEST_MESSAGE.eventData.title,
				issueSeverity: SAMPLE_TEST_MESSAGE.eventData.severity,
				entityDisplayName: SAMPLE_TEST_MESSAGE.eventData.affectedEntity.displayName,
				additionalDataTypes: ['Admin'],
			});
			expect(flat).not.toHaveProperty('eventData');
			await shots.take(page, '4-trigger-test-event-simplified');

			// Simplify off, listen again, the same message a third time: a test run never consumes the issue.
			await simplify.click();
			await eventually(
				'Simplify to be off',
				() => simplify.getAttribute('class'),
				(c) => !(c ?? '').includes('is-checked'),
			);
			expect(await listenAndSend()).toEqual([SAMPLE_TEST_MESSAGE]);
			await closeNdv(page);
		},
	);

	step(
		'5. the ISPM Event Hook after the trigger delivers the issue and shows id, statusCode, attempts, no secrets',
		async () => {
			const header = CREDENTIALS[0];
			const before = sink.requests.length;
			await canvasNode(page, TRIGGER_NAME).getByTestId('canvas-handle-plus').click();
			await page.getByTestId('node-creator-search-bar').fill(eventHook.displayName);
			await creatorItem(page, eventHook.displayName).click();
			await page
				.getByTestId('node-creator')
				.getByText('Send an issue event', { exact: true })
				.click();
			const panel = ndv(page);
			await panel.waitFor({ timeout: 60_000 });
			await selectCredential(page, header.name);
			await panel.getByTestId('node-execute-button').click();
			// The JSON view starts with the delivery result (n8n renders only what is in view of a long output).
			const json = await outputJsonText(page);
			const [, id] = /^\[\{"id": "([^"]+)","statusCode": 200,"attempts": 1,/.exec(json) ?? [];
			expect({ start: json.slice(0, 120), id }).toEqual({
				start: json.slice(0, 120),
				id: expect.stringMatching(UUID),
			});
			expect(await panel.getByTestId('output-panel').innerText()).toMatch(/\b1 item\b/);
			// The table view shows every field, nested ones included: no secret anywhere.
			const table = await outputTableText(page);
			expect(table).toContain(id);
			expect(table).toContain(SAMPLE_TEST_MESSAGE.eventData.id);
			for (const secret of Object.values(SECRETS)) expect(table).not.toContain(secret);
			await shots.take(page, '5-event-hook-output');

			// The receiver got the issue in a fresh envelope (the id shown), with the key in the header.
			const delivered = requestsTo(header.path, before).filter(
				(r) => (r.body as { id?: unknown }).id === id,
			);
			expect(delivered).toHaveLength(1);
			expect(carriesKey(delivered[0])).toBe(true);
			expect(delivered[0].body).toMatchObject({
				source: 'Okta ISPM',
				type: 'issue.created',
				eventData: SAMPLE_TEST_MESSAGE.eventData,
			});

			await closeNdv(page);
			await eventually(
				'the Event Hook subtitle',
				() => canvasNodeSubtitle(page, EVENT_HOOK_NAME).innerText(),
				(t) => t === 'Send Issue Event',
			);
			await shots.take(page, '5-workflow-canvas');
		},
	);

	step('6. every example workflow opens without missing-node or parameter warnings', async () => {
		// Control: the markers this step looks for do show for a node without credential and an unknown node.
		const control = await ui!.context.request.post(`${n8n!.baseUrl}/rest/workflows`, {
			data: {
				name: 'UI test control: broken on purpose',
				active: false,
				settings: {},
				connections: {},
				nodes: [
					{
						id: 'c1',
						name: 'No credential',
						type: 'n8n-nodes-ispm.ispmIssueTrigger',
						typeVersion: 1,
						position: [0, 0],
						webhookId: 'ui-control',
						parameters: {},
					},
					{
						id: 'c2',
						name: 'Not installed',
						type: 'n8n-nodes-ispm.noSuchNode',
						typeVersion: 1,
						position: [300, 0],
						parameters: {},
					},
				],
			},
		});
		expect(control.status()).toBe(200);
		const controlId = ((await control.json()) as { data: { id: string } }).data.id;
		await page.goto(`${n8n!.baseUrl}/workflow/${controlId}`);
		await canvasNode(page, 'Not installed').waitFor({ timeout: 60_000 });
		await page.getByTestId('node-issues').first().waitFor();
		await page.getByTestId('node-not-installed').first().waitFor();

		expect(n8n!.examples.length).toBeGreaterThan(0);
		for (const example of n8n!.examples) {
			await page.goto(`${n8n!.baseUrl}/workflow/${example.id}`);
			for (const name of example.nodeNames)
				await canvasNode(page, name).waitFor({ timeout: 60_000 });
			expect(await canvasNodes(page).count()).toBe(example.nodeNames.length);
			// Let n8n finish checking the nodes (credentials, parameters) before counting warnings.
			await page.waitForLoadState('networkidle', { timeout: 30_000 }).catch(() => undefined);
			const warnings = {
				'node-issues': await page.getByTestId('node-issues').count(),
				'node-not-installed': await page.getByTestId('node-not-installed').count(),
				'canvas-node-status-warning': await page.getByTestId('canvas-node-status-warning').count(),
			};
			expect({ example: example.file, warnings }).toEqual({
				example: example.file,
				warnings: { 'node-issues': 0, 'node-not-installed': 0, 'canvas-node-status-warning': 0 },
			});
			await shots.take(page, `6-example-${example.file.replace(/\.json$/, '')}`);
		}
	});
});
