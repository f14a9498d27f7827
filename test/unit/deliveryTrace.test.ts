import {
	CUSTOM_DATA_VALUE_MAX_CHARS,
	deliveryLogLine,
	executionCustomData,
} from '../../lib/deliveryTrace';
import type { IspmEnvelope } from '../../lib/envelope';
import { sampleEnvelope } from '../helpers/samples';

const envelope = (patch: Record<string, unknown>) =>
	sampleEnvelope(patch) as unknown as IspmEnvelope;

describe('executionCustomData', () => {
	it('should name the issue like the Simplify output', () => {
		expect(
			executionCustomData(
				envelope({ id: 'Alert_1~', title: 'Unused Admin Account', severity: 'High' }),
			),
		).toEqual({
			issueId: 'Alert_1~',
			issueTitle: 'Unused Admin Account',
			issueSeverity: 'High',
		});
	});

	it('should leave out a severity the issue does not have', () => {
		expect(executionCustomData(envelope({ severity: undefined }))).not.toHaveProperty(
			'issueSeverity',
		);
	});

	it("should cut values to n8n's 255 characters itself, marking the cut", () => {
		const data = executionCustomData(envelope({ title: 'T'.repeat(1000), id: 'x'.repeat(255) }));
		expect(CUSTOM_DATA_VALUE_MAX_CHARS).toBe(255);
		expect(data.issueTitle).toHaveLength(255);
		expect(data.issueTitle.endsWith('…')).toBe(true);
		expect(data.issueId).toBe('x'.repeat(255));
	});

	it('should use keys n8n accepts (letters, digits, underscores; at most 50)', () => {
		for (const key of Object.keys(executionCustomData(envelope({}))))
			expect(key).toMatch(/^\w{1,50}$/);
	});
});

describe('deliveryLogLine', () => {
	it.each([
		[
			{ status: 200, body: { status: 'ignored', reason: 'title not selected' }, issueId: 'A1' },
			'ISPM Issue Trigger: ignored delivery of issue A1 (HTTP 200): title not selected',
			{ outcome: 'ignored', status: 200, issueId: 'A1' },
		],
		[
			{ status: 200, body: { status: 'duplicate', issueId: 'A2' } },
			'ISPM Issue Trigger: duplicate delivery of issue A2 (HTTP 200)',
			{ outcome: 'duplicate', status: 200, issueId: 'A2' },
		],
		[
			{
				status: 400,
				body: {
					error: 'Not valid',
					problems: [{ path: 'eventData.title', message: 'must not be empty' }],
				},
				issueId: 'A4',
			},
			'ISPM Issue Trigger: rejected delivery of issue A4 (HTTP 400): Not valid (eventData.title: must not be empty)',
			{ outcome: 'rejected', status: 400, issueId: 'A4' },
		],
		[
			{ status: 415, body: { error: 'A text/xml body is not read' } },
			'ISPM Issue Trigger: rejected delivery (HTTP 415): A text/xml body is not read',
			{ outcome: 'rejected', status: 415 },
		],
		[
			{ status: 409, body: { status: 'in_progress', issueId: 'A3', message: 'retry in 2 s' } },
			'ISPM Issue Trigger: rejected delivery of issue A3 (HTTP 409): retry in 2 s',
			{ outcome: 'rejected', status: 409, issueId: 'A3' },
		],
	])('should describe %j', (delivery, message, metadata) => {
		expect(deliveryLogLine(delivery)).toEqual({ message, metadata });
	});
});
