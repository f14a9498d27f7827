import {
	buildEnvelope,
	buildTestMessage,
	EnvelopeValidationError,
	formatProblems,
	isoTimestamp,
	TEST_MESSAGE_EVENT_DATA,
	validateEnvelope,
	validateEventData,
} from '../../lib/envelope';
import { sampleEnvelope } from '../helpers/samples';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISPM_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function problemsOf(input: unknown) {
	const result = validateEnvelope(input);
	if (result.ok) throw new Error('expected the envelope to be rejected');
	return result.problems;
}

describe('validateEnvelope', () => {
	it('should accept ISPM\'s sample test message', () => {
		expect(validateEnvelope(sampleEnvelope())).toEqual({ ok: true, value: sampleEnvelope() });
	});

	it.each([
		[
			'Account',
			{
				id: 'Account_1',
				type: 'Account',
				displayName: 'svc-backup',
				identifierInService: '00u1',
				sourceProductName: 'AAD',
				sourceProductTenant: 'contoso.onmicrosoft.com',
				additionalData: {
					username: 'svc-backup@contoso.com',
					types: ['Admin', { type: 'Service', reasons: ['no interactive login'] }],
					lastLogin: '03/28/2024',
					unrotatedTokens: [
						{
							type: 'API Token',
							methodName: 'SSWS',
							createdAt: '2023-01-01',
							lastUsed: '2024-01-01',
							lastRotated: null,
							nextRotation: null,
							expires: '2025-01-01',
						},
					],
				},
			},
		],
		[
			'User',
			{
				id: 'User_1',
				type: 'User',
				displayName: 'Jane Roe',
				additionalData: {
					activeAccounts: [
						{ sourceProductName: 'Okta', identifierInService: '00u2' },
						{ sourceProductName: 'Salesforce.com', identifierInService: '005x' },
					],
				},
			},
		],
		[
			'OAuth grant',
			{
				id: 'Grant_1',
				type: 'OAuth Grant',
				displayName: 'Calendar sync',
				idInService: 'grant-7',
				sourceProductName: 'Google Workspace',
				additionalData: { clientApp: { name: 'Sync' }, resourceApp: { name: 'Calendar' } },
			},
		],
	])('should accept an affectedEntity of the %s shape', (_shape, affectedEntity) => {
		const envelope = sampleEnvelope({ affectedEntity });
		expect(validateEnvelope(envelope)).toEqual({ ok: true, value: envelope });
	});

	it('should keep unknown fields at every level through a round trip', () => {
		const envelope = {
			...sampleEnvelope(),
			deliveryAttempt: 2,
			eventData: {
				...sampleEnvelope().eventData,
				riskScore: 87,
				affectedEntity: {
					...sampleEnvelope().eventData.affectedEntity,
					department: 'IT',
					additionalData: { types: ['Admin'], mfaFactors: ['push'] },
				},
			},
		};
		const result = validateEnvelope(JSON.parse(JSON.stringify(envelope)));
		expect(result).toEqual({ ok: true, value: envelope });
	});

	it.each([
		['id', (e: Record<string, unknown>) => delete e.id, 'id: is required'],
		['timestamp', (e: Record<string, unknown>) => delete e.timestamp, 'timestamp: is required'],
		['type', (e: Record<string, unknown>) => delete e.type, 'type: is required'],
		['eventData', (e: Record<string, unknown>) => delete e.eventData, 'eventData: is required'],
		[
			'eventData.id',
			(e: { eventData: Record<string, unknown> }) => delete e.eventData.id,
			'eventData.id: is required',
		],
		[
			'eventData.title',
			(e: { eventData: Record<string, unknown> }) => delete e.eventData.title,
			'eventData.title: is required',
		],
	])('should name %s when it is missing', (_field, mutate, line) => {
		const envelope = sampleEnvelope();
		mutate(envelope as never);
		expect(formatProblems(problemsOf(envelope))).toBe(line);
	});

	it.each([
		['id', { id: 42 }, 'id: expected a string, got number'],
		['id', { id: '' }, 'id: must not be empty'],
		['timestamp', { timestamp: 'yesterday' }, 'timestamp: expected an ISO-8601 date-time'],
		['timestamp', { timestamp: 1717944618 }, 'timestamp: expected a string, got number'],
		['type', { type: ['issue.created'] }, 'type: expected a string, got array'],
		['eventData', { eventData: 'Unused Admin Account' }, 'eventData: expected an object, got string'],
	])('should name the top-level field %s when it is ill-typed', (_field, patch, line) => {
		expect(formatProblems(problemsOf({ ...sampleEnvelope(), ...patch }))).toBe(line);
	});

	it.each([
		[{ id: null }, 'eventData.id: expected a string, got null'],
		[{ title: '' }, 'eventData.title: must not be empty'],
		[{ title: 7 }, 'eventData.title: expected a string, got number'],
		[{ frameworks: 'SOX' }, 'eventData.frameworks: expected an array of strings, got string'],
		[{ frameworks: ['SOX', 7] }, 'eventData.frameworks[1]: expected a string, got number'],
		[{ severity: 3 }, 'eventData.severity: expected a string, got number'],
		[{ affectedEntity: 'john' }, 'eventData.affectedEntity: expected an object, got string'],
		[
			{ affectedEntity: { type: 'Account', additionalData: [] } },
			'eventData.affectedEntity.additionalData: expected an object, got array',
		],
	])('should reject eventData %j with a message naming the path', (patch, line) => {
		expect(formatProblems(problemsOf(sampleEnvelope(patch)))).toBe(line);
	});

	it('should list every problem, one line each', () => {
		const lines = formatProblems(problemsOf({ id: 1, eventData: { title: 2 } })).split('\n');
		expect(lines).toEqual([
			'id: expected a string, got number',
			'timestamp: is required',
			'type: is required',
			'eventData.id: is required',
			'eventData.title: expected a string, got number',
		]);
	});

	it('should say what the whole message should be when it is not an object', () => {
		expect(problemsOf([1, 2])).toEqual([
			{ path: '(message)', message: 'expected a JSON object (the ISPM message), got array' },
		]);
	});
});

describe('buildEnvelope', () => {
	it('should wrap eventData in an envelope that passes the schema', () => {
		const envelope = buildEnvelope(TEST_MESSAGE_EVENT_DATA);
		expect(validateEnvelope(envelope).ok).toBe(true);
		expect(envelope.id).toMatch(UUID_V4);
		expect(envelope.timestamp).toMatch(ISPM_TIMESTAMP);
		expect(envelope).toMatchObject({ source: 'Okta ISPM', type: 'issue.created' });
		expect(envelope.eventData).toEqual(TEST_MESSAGE_EVENT_DATA);
	});

	it('should give every envelope a different id', () => {
		expect(buildEnvelope(TEST_MESSAGE_EVENT_DATA).id).not.toBe(buildEnvelope(TEST_MESSAGE_EVENT_DATA).id);
	});

	it('should take source, type and clock from the options', () => {
		const envelope = buildEnvelope(
			{ id: 'Alert_1', title: 'No MFA - Account', custom: true },
			{ source: 'SOAR relay', type: 'issue.updated', now: new Date('2024-06-09T14:56:58.123Z') },
		);
		expect(envelope).toMatchObject({
			timestamp: '2024-06-09T14:56:58Z',
			source: 'SOAR relay',
			type: 'issue.updated',
			eventData: { id: 'Alert_1', title: 'No MFA - Account', custom: true },
		});
	});

	it('should throw an error naming each invalid field of eventData', () => {
		let thrown: unknown;
		try {
			buildEnvelope({ title: 'No MFA - Account', frameworks: 'SOX' });
		} catch (error) {
			thrown = error;
		}
		expect(thrown).toBeInstanceOf(EnvelopeValidationError);
		expect((thrown as Error).message).toBe(
			'Invalid ISPM message:\neventData.id: is required\neventData.frameworks: expected an array of strings, got string',
		);
	});

	it('should reject eventData that is not an object', () => {
		expect(() => buildEnvelope('{"id":"x"}')).toThrow('eventData: expected an object, got string');
	});
});

describe('buildTestMessage', () => {
	it('should be ISPM\'s sample message with a fresh id and timestamp', () => {
		const { id, timestamp, ...rest } = buildTestMessage(new Date('2030-01-02T03:04:05Z'));
		const { id: sampleId, ...sampleRest } = sampleEnvelope();
		expect({ ...rest, timestamp: sampleRest.timestamp }).toEqual(sampleRest);
		expect(id).toMatch(UUID_V4);
		expect(id).not.toBe(sampleId);
		expect(timestamp).toBe('2030-01-02T03:04:05Z');
	});

	it('should not share state between messages', () => {
		const first = buildTestMessage();
		(first.eventData.frameworks as string[]).push('changed');
		expect(buildTestMessage().eventData.frameworks).toEqual(['SOX', 'PCI-DSS v4.0']);
	});
});

describe('isoTimestamp', () => {
	it('should drop milliseconds and keep Z', () => {
		expect(isoTimestamp(new Date('2024-06-09T14:56:58.999Z'))).toBe('2024-06-09T14:56:58Z');
	});
});

describe('validateEventData', () => {
	it('should prefix paths with eventData', () => {
		const result = validateEventData({ id: 'x' });
		expect(result.ok ? [] : result.problems).toEqual([{ path: 'eventData.title', message: 'is required' }]);
	});
});
