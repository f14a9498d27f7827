/**
 * The issue-queue examples: the collecting workflow turns each new ISPM issue into one `open` row of the
 * "ISPM issues" data table, and the scheduled workflow (run here as "Execute workflow" does) remediates or
 * routes every open row and marks it. The table is the one the global setup created in n8n's database the
 * way `npm start` does; the last test checks that its layout is exactly what n8n itself creates.
 */
import * as examples from '../../scripts/examples.cjs';
import { SINK_PATHS, makeIssue, redeliver, type IspmMessage } from './fixtures';
import {
	executionRuns,
	httpPost,
	ownerRest,
	query,
	readState,
	runManually,
	settledExecutions,
	sink,
	webhookUrl,
} from './harness';

const COLLECT = 'IspmExQueueColl1';
const REMEDIATE = 'IspmExQueueFix01';
const SCHEDULE_TRIGGER = 'Every night at 2:00';
const QUEUE_WEBHOOK_ID = 'ispm-example-issue-queue';
const HEADER_CREDENTIAL = 'IspmDemoCredHdr1';

interface IssueRow {
	id: number;
	issueId: string;
	title: string;
	severity: string;
	user: string;
	link: string;
	status: string;
	outcome: string;
	eventData: string;
}

function rows(): Promise<IssueRow[]> {
	const { runtime, userFolder, issueTableId } = readState();
	return examples.issueRows<IssueRow>(runtime, userFolder, issueTableId);
}

function deliver(message: IspmMessage) {
	const credential = examples
		.demoCredentials(readState().demoKeys)
		.find((c) => c.id === HEADER_CREDENTIAL);
	if (!credential) throw new Error(`demo credential ${HEADER_CREDENTIAL} is missing`);
	return httpPost(webhookUrl(QUEUE_WEBHOOK_ID), message, {
		[credential.data.key]: credential.data.value,
	});
}

function rowOf(all: IssueRow[], message: IspmMessage): IssueRow {
	const row = all.find((r) => r.issueId === message.eventData.id);
	if (!row) throw new Error(`no row for issue ${message.eventData.id}`);
	return row;
}

const ticketed = async (issueId: string) =>
	(await sink.forIssue(issueId)).filter((r) => r.path === SINK_PATHS.ticketing);

const unused = makeIssue({ title: 'Unused Admin Account', severity: 'High' });
const oldPassword = makeIssue({ title: 'Old Password - Account', severity: 'Low' });

describe('issue queue examples (data table + scheduled remediation)', () => {
	test('each new issue becomes one open row, once, with the issue as ISPM sent it', async () => {
		expect(await rows()).toEqual([]);
		for (const message of [unused, oldPassword]) {
			const answer = await deliver(message);
			expect(answer.status).toBe(200);
			expect(answer.body).toMatchObject({ status: 'accepted' });
		}
		expect((await deliver(redeliver(unused))).body).toMatchObject({ status: 'duplicate' });
		await settledExecutions(COLLECT, 2);

		// Rows are looked up by issue: n8n 1.x answers a webhook before it starts the execution, so two
		// deliveries may be inserted in either order.
		const queued = await rows();
		expect(queued.map((r) => r.issueId).sort()).toEqual(
			[unused.eventData.id, oldPassword.eventData.id].sort(),
		);
		for (const message of [unused, oldPassword]) {
			const row = rowOf(queued, message);
			expect(row).toMatchObject({
				title: message.eventData.title,
				severity: message.eventData.severity,
				user: message.eventData.affectedEntity.displayName,
				status: 'open',
				outcome: '',
			});
			expect(JSON.parse(row.eventData)).toEqual(message.eventData);
		}
	});

	test('the scheduled workflow suspends or hands over each open issue and marks its row', async () => {
		const run = await runManually(REMEDIATE, SCHEDULE_TRIGGER);
		expect(run.status).toBe('success');
		const runs = await executionRuns(run.id);
		expect(runs['Get open issues'].outputs[0]).toHaveLength(2);

		const marked = await rows();
		// "Unused …": the Okta call goes to the placeholder domain, which cannot exist, so it fails and says so.
		const suspended = rowOf(marked, unused);
		expect(suspended.status).toBe('failed');
		expect(suspended.outcome).toMatch(/your-org\.okta\.invalid/);
		// Every other title goes to the ticketing endpoint as the issue ISPM sent.
		const [ticket] = await ticketed(oldPassword.eventData.id);
		expect(ticket).toBeDefined();
		expect(ticket.body).toMatchObject({ type: 'issue.created', eventData: oldPassword.eventData });
		const handedOver = rowOf(marked, oldPassword);
		expect(handedOver.status).toBe('done');
		expect(handedOver.outcome).toBe(
			`sent to ticketing (HTTP 200, envelope ${(ticket.body as { id: string }).id})`,
		);
	});

	test('the next run finds nothing open and changes nothing', async () => {
		const before = await rows();
		const run = await runManually(REMEDIATE, SCHEDULE_TRIGGER);
		expect(run.status).toBe('success');
		const runs = await executionRuns(run.id);
		expect(runs['Get open issues'].outputs[0] ?? []).toEqual([]);
		expect(Object.keys(runs)).not.toContain('Hand over to ticketing');
		expect(await rows()).toEqual(before);
		expect(await ticketed(oldPassword.eventData.id)).toHaveLength(1);
		expect(await ticketed(unused.eventData.id)).toHaveLength(0);
	});

	test("the table npm start creates is laid out exactly as n8n's own data-table service lays one out", async () => {
		const { issueTableId } = readState();
		const { name, columns } = examples.issueTable();
		const rest = await ownerRest();
		const personal = await rest.request('GET', '/rest/projects/personal');
		const projectId = (personal.body as { data: { id: string } }).data.id;
		const created = await rest.request('POST', `/rest/projects/${projectId}/data-tables`, {
			name: `${name} (made by n8n)`,
			columns,
		});
		expect(created.status).toBe(200);
		const referenceId = (created.body as { data: { id: string } }).data.id;

		const layout = async (id: string) => {
			const [table] = await query<{ sql: string }>(
				'SELECT sql FROM sqlite_master WHERE type = ? AND name = ?',
				['table', `data_table_user_${id}`],
			);
			const columnRows = await query(
				'SELECT name, type, "index" FROM data_table_column WHERE dataTableId = ? ORDER BY "index"',
				[id],
			);
			const [owner] = await query<{ projectId: string }>(
				'SELECT projectId FROM data_table WHERE id = ?',
				[id],
			);
			return {
				sql: table.sql.replace(id, '<id>'),
				columns: columnRows,
				projectId: owner.projectId,
			};
		};
		expect(await layout(issueTableId)).toEqual(await layout(referenceId));
		await rest.request('DELETE', `/rest/projects/${projectId}/data-tables/${referenceId}`);
	});
});
