/**
 * The trace each delivery leaves for a designer to find: an accepted issue's execution carries the issue as
 * n8n execution custom data (searchable from the Executions list), and every other delivery is one line in
 * n8n's log at debug level, with its outcome and issue id. Neither ever holds a secret: custom data holds
 * message fields, and log lines hold the answer the sender got (which never echoes a credential value).
 */
import type { IspmEnvelope } from './envelope';

/**
 * n8n (2.40, `execution-metadata.js`) keeps at most 10 custom data keys per execution (more are dropped),
 * and logs an error for a value over 255 characters before cutting it: values are cut here first.
 */
export const CUSTOM_DATA_VALUE_MAX_CHARS = 255;

function clip(value: string): string {
	return value.length > CUSTOM_DATA_VALUE_MAX_CHARS
		? `${value.slice(0, CUSTOM_DATA_VALUE_MAX_CHARS - 1)}…`
		: value;
}

/**
 * Custom data of an accepted issue's execution, named like the trigger's Simplify output: `issueId`,
 * `issueTitle`, and `issueSeverity` when the issue has one. Three of n8n's ten keys.
 */
export function executionCustomData(envelope: IspmEnvelope): Record<string, string> {
	const { id, title, severity } = envelope.eventData;
	return {
		issueId: clip(id),
		issueTitle: clip(title),
		...(typeof severity === 'string' && severity !== '' ? { issueSeverity: clip(severity) } : {}),
	};
}

/** What a delivery came to, as `ReceiveOutcome` says it: its status, the answer's body, the issue if known. */
export interface TracedDelivery {
	status: number;
	body: unknown;
	/** The issue the message named, when the body was read far enough to know it. */
	issueId?: string;
}

export type DeliveryOutcomeName = 'accepted' | 'ignored' | 'duplicate' | 'rejected';

export interface LogLine {
	message: string;
	metadata: { outcome: DeliveryOutcomeName; status: number; issueId?: string };
}

function bodyField(body: unknown, field: string): string | undefined {
	const value =
		body !== null && typeof body === 'object'
			? (body as Record<string, unknown>)[field]
			: undefined;
	return typeof value === 'string' ? value : undefined;
}

/** A 400's validation problems, ` (path: message; …)`: they name fields and types, never values. */
function problemsOf(body: unknown): string {
	const problems = (body as { problems?: unknown } | null)?.problems;
	if (!Array.isArray(problems) || problems.length === 0) return '';
	const listed = problems
		.map(
			(problem: { path?: unknown; message?: unknown }) =>
				`${String(problem.path)}: ${String(problem.message)}`,
		)
		.join('; ');
	return ` (${listed})`;
}

/** The debug line for one delivery: outcome, status and issue id in the message and in its metadata. */
export function deliveryLogLine(delivery: TracedDelivery): LogLine {
	const issueId = delivery.issueId ?? bodyField(delivery.body, 'issueId');
	const ofIssue = issueId === undefined ? '' : ` of issue ${issueId}`;
	const state = bodyField(delivery.body, 'status');
	const outcome: DeliveryOutcomeName =
		delivery.status === 200 &&
		(state === 'accepted' || state === 'ignored' || state === 'duplicate')
			? state
			: 'rejected';
	const detail =
		outcome === 'ignored'
			? `: ${bodyField(delivery.body, 'reason') ?? ''}`
			: outcome === 'rejected'
				? `: ${bodyField(delivery.body, 'error') ?? bodyField(delivery.body, 'message') ?? ''}${problemsOf(delivery.body)}`
				: '';
	return {
		message: `ISPM Issue Trigger: ${outcome} delivery${ofIssue} (HTTP ${delivery.status})${detail}`,
		metadata: { outcome, status: delivery.status, ...(issueId === undefined ? {} : { issueId }) },
	};
}
