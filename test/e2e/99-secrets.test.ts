/* eslint-disable @n8n/community-nodes/no-restricted-imports -- end-to-end test code: runs in Jest and drives a real n8n from outside */
/**
 * Runs last (file order, hence 99): after every scenario above, none of the run's API keys or extra parameter
 * values appears in stored execution data, anywhere in the n8n user folder (database, WAL, config,
 * event logs), or in the n8n log.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import { KEY_NAMES } from './fixtures';
import { query, readLog, readState, sink } from './harness';

function filesUnder(dir: string): string[] {
	const files: string[] = [];
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) files.push(...filesUnder(path));
		else if (entry.isFile()) files.push(path);
	}
	return files;
}

describe('no secret is stored or logged', () => {
	test('the secrets were really used in this run (the checks below are not vacuous)', async () => {
		const { secrets } = readState();
		const requests = await sink.requests();
		expect(
			requests.some((r) => r.headers[KEY_NAMES.sinkHeader.toLowerCase()] === secrets.sinkHeaderKey),
		).toBe(true);
		expect(requests.some((r) => r.query[KEY_NAMES.sinkQuery] === secrets.sinkQueryKey)).toBe(true);
	});

	test('stored execution data', async () => {
		const { secrets } = readState();
		const rows = await query<{ executionId: number; data: string; workflowData: string }>(
			'SELECT executionId, data, workflowData FROM execution_data',
		);
		expect(rows.length).toBeGreaterThan(0);
		const leaks: string[] = [];
		for (const row of rows) {
			for (const [name, value] of Object.entries(secrets)) {
				if (row.data.includes(value) || row.workflowData.includes(value))
					leaks.push(`execution ${row.executionId}: ${name}`);
			}
		}
		expect(leaks).toEqual([]);
	});

	test('every file in the n8n user folder', () => {
		const { secrets, userFolder } = readState();
		const files = filesUnder(userFolder);
		expect(files.some((f) => f.endsWith('database.sqlite'))).toBe(true);
		const leaks: string[] = [];
		for (const file of files) {
			if (statSync(file).size === 0) continue;
			const content = readFileSync(file);
			for (const [name, value] of Object.entries(secrets)) {
				if (content.includes(value)) leaks.push(`${relative(userFolder, file)}: ${name}`);
			}
		}
		expect(leaks).toEqual([]);
	});

	test('the n8n log', () => {
		const { secrets } = readState();
		const log = readLog();
		expect(log).toContain('Editor is now accessible');
		const leaks = Object.entries(secrets)
			.filter(([, value]) => log.includes(value))
			.map(([name]) => name);
		expect(leaks).toEqual([]);
	});
});
