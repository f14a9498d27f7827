/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- real-infrastructure test code: runs in Jest, writes its measurements to a file */
/**
 * Measurements the real-infrastructure suites report (numbers they print without asserting them, and the
 * numbers behind their assertions): printed, and written as Markdown to `<report dir>/<name>.md` so they can
 * be quoted. Report dir: ISPM_REPORT_DIR, default test-results/ in the repository (not committed).
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT } from '../../scripts/n8n-instance.cjs';

export function reportFile(name: string): string {
	const dir = process.env.ISPM_REPORT_DIR || join(ROOT, 'test-results');
	mkdirSync(dir, { recursive: true });
	return join(dir, `${name}.md`);
}

/** Starts a report file with a title and what was run (overwrites an older one). */
export function startReport(name: string, title: string, context: string[]): string {
	const file = reportFile(name);
	const lines = [`# ${title}`, '', ...context.map((c) => `- ${c}`), ''];
	writeFileSync(file, `${lines.join('\n')}\n`);
	return file;
}

/** Appends a section (heading + Markdown) to a report and prints it. */
export function reportSection(name: string, heading: string, markdown: string): void {
	const text = `## ${heading}\n\n${markdown.trim()}\n\n`;
	appendFileSync(reportFile(name), text);
	process.stderr.write(`\n[report ${name}] ${text}`);
}

/** A Markdown table. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
	const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
	return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
