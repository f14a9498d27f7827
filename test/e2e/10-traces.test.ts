/**
 * Each delivery leaves a trace a designer can find (issue 11), at trigger typeVersion 1 and 1.1: an accepted
 * issue's execution carries the issue as n8n execution custom data (table `execution_metadata`, what the
 * Executions list filters on), and ignored, duplicate and rejected deliveries are lines in n8n's log at
 * debug level with their outcome and issue id. No secret is in either (and 99-secrets checks the whole log).
 */
import { KEY_NAMES, TRIGGER_VERSIONS, makeIssue, redeliver } from './fixtures';
import {
	executions,
	headerTriggerAuth,
	httpPost,
	postRaw,
	query,
	readLog,
	readState,
	settledExecutions,
	waitFor,
	webhookUrl,
} from './harness';

async function customData(executionId: number): Promise<Record<string, string>> {
	const rows = await query<{ key: string; value: string }>(
		'SELECT key, value FROM execution_metadata WHERE executionId = ?',
		[executionId],
	);
	return Object.fromEntries(rows.map((row) => [row.key, row.value]));
}

/** Log lines written since `from` (a length of the log) that contain every one of `parts`. */
async function logLines(from: number, ...parts: string[]): Promise<string[]> {
	let lines: string[] = [];
	await waitFor(`a log line with ${parts.join(' … ')}`, async () => {
		lines = readLog()
			.slice(from)
			.split('\n')
			.filter((line) => parts.every((part) => line.includes(part)));
		return lines.length > 0;
	});
	return lines;
}

test('n8n runs at debug level in this suite (ISPM_E2E_LOG_LEVEL, default debug)', () => {
	expect(readState().envExtra.N8N_LOG_LEVEL).toBe('debug');
});

describe.each(TRIGGER_VERSIONS)('trigger typeVersion $typeVersion', ({ workflow }) => {
	const url = () => webhookUrl(workflow.webhookId);

	test('an accepted issue: its id, title and severity are the execution custom data', async () => {
		const before = (await executions(workflow.id)).length;
		const long = `A title longer than n8n keeps in custom data ${'x'.repeat(300)}`;
		const message = makeIssue({ title: long, severity: 'Critical' });
		expect((await httpPost(url(), message, headerTriggerAuth())).body).toMatchObject({
			status: 'accepted',
		});
		const runs = await settledExecutions(workflow.id, before + 1);
		expect(await customData(runs[runs.length - 1].id)).toEqual({
			issueId: message.eventData.id,
			issueTitle: `${long.slice(0, 254)}…`,
			issueSeverity: 'Critical',
		});
		// n8n logs an error of its own when a value is over 255 characters: the trigger cut it first.
		expect(readLog()).not.toContain('Custom data value over');
	});

	test('a duplicate: logged with its outcome and issue id', async () => {
		const message = makeIssue();
		expect((await httpPost(url(), message, headerTriggerAuth())).body).toMatchObject({
			status: 'accepted',
		});
		const from = readLog().length;
		expect((await httpPost(url(), redeliver(message), headerTriggerAuth())).body).toMatchObject({
			status: 'duplicate',
		});
		const [line] = await logLines(from, `duplicate delivery of issue ${message.eventData.id}`);
		expect(line).toMatch(/debug/);
		expect(line).toMatch(/"outcome":\s*"duplicate"/);
	});

	test('an ignored issue: logged with its outcome, issue id and reason', async () => {
		const message = makeIssue({}, { type: 'issue.resolved' });
		const from = readLog().length;
		expect((await httpPost(url(), message, headerTriggerAuth())).body).toMatchObject({
			status: 'ignored',
		});
		const [line] = await logLines(from, `ignored delivery of issue ${message.eventData.id}`);
		expect(line).toMatch(/"outcome":\s*"ignored"/);
		expect(line).toContain('issue.resolved');
	});

	test('rejected deliveries: an invalid message with its issue id, a wrong key and an unreadable body', async () => {
		const invalid = makeIssue({ title: '' });
		let from = readLog().length;
		expect((await httpPost(url(), invalid, headerTriggerAuth())).status).toBe(400);
		const [line] = await logLines(
			from,
			`rejected delivery of issue ${invalid.eventData.id} (HTTP 400)`,
		);
		expect(line).toContain('eventData.title');

		from = readLog().length;
		const wrongKey = { ...headerTriggerAuth(), [KEY_NAMES.triggerHeader]: 'e2e-wrong-key-4b1d' };
		expect((await httpPost(url(), makeIssue(), wrongKey)).status).toBe(401);
		const [unauthorized] = await logLines(from, 'rejected delivery (HTTP 401)');
		expect(unauthorized).toMatch(/"outcome":\s*"rejected"/);
		expect(unauthorized).not.toContain('e2e-wrong-key-4b1d');

		from = readLog().length;
		const form = await postRaw(url(), Buffer.from('id=1&type=issue.created'), {
			...headerTriggerAuth(),
			'content-type': 'application/x-www-form-urlencoded',
		});
		expect(form.status).toBe(415);
		await logLines(from, 'rejected delivery (HTTP 415)', 'application/x-www-form-urlencoded');
	});
});
