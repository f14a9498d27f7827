/**
 * What the node sends as `eventData`, per item: the JSON parameter as given, or the "fields" mode's
 * parameters assembled into an ISPM issue. Validation against the shared schema happens afterwards,
 * in `buildEnvelope`, so both modes fail with the same field-path messages.
 */
import { randomBytes } from 'node:crypto';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { EnvelopeValidationError } from '../../lib/envelope';

/** The "fields" mode's parameter values, as `getNodeParameter` returns them. */
export interface IssueFieldValues {
	id?: string;
	title?: string;
	severity?: string;
	category?: string;
	detectedAt?: string;
	shortDescription?: string;
	fullDescription?: string;
	suggestedRemediation?: string;
	riskAndImpact?: string;
	frameworks?: string;
	link?: string;
	affectedEntity?: IDataObject;
}

const TEXT_FIELDS = [
	'title',
	'severity',
	'category',
	'shortDescription',
	'fullDescription',
	'suggestedRemediation',
	'riskAndImpact',
	'link',
] as const;

/**
 * An issue ID shaped like ISPM's (`Alert_` + 27 base64url characters + `~`, e.g.
 * `Alert_V32uL3CHijlQYHq-uqTkqWOXSJ8~`), so receivers that pattern-match ISPM IDs accept it.
 */
export function generateIssueId(): string {
	return `Alert_${randomBytes(20).toString('base64url')}~`;
}

/** `YYYY-MM-DD`; a date-time is cut to its date; empty means today (UTC). */
export function normalizeDetectedAt(value: string | undefined, today: Date): string {
	const text = (value ?? '').trim();
	if (!text) return today.toISOString().slice(0, 10);
	const match = /^(\d{4}-\d{2}-\d{2})(?:$|[T ])/.exec(text);
	if (!match) {
		throw new EnvelopeValidationError([
			{ path: 'eventData.detectedAt', message: 'expected a date YYYY-MM-DD' },
		]);
	}
	return match[1];
}

function parseJsonText(text: string, path: string): unknown {
	let parsed: { value: unknown } | undefined;
	try {
		parsed = { value: JSON.parse(text) as unknown };
	} catch {
		parsed = undefined;
	}
	if (!parsed) {
		throw new EnvelopeValidationError([
			{ path, message: 'expected a JSON object: the text is not valid JSON' },
		]);
	}
	return parsed.value;
}

function parseJsonObject(value: unknown, path: string): IDataObject | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const parsed = typeof value === 'string' ? parseJsonText(value, path) : value;
	if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
		throw new EnvelopeValidationError([{ path, message: 'expected a JSON object' }]);
	}
	return parsed as IDataObject;
}

/** Empty strings are left out: ISPM fills only what matters for an issue. */
function nonEmpty(entries: Array<[string, unknown]>): IDataObject {
	return Object.fromEntries(
		entries.filter(([, value]) => value !== undefined && value !== null && value !== ''),
	) as IDataObject;
}

/** Assembles an ISPM issue from the "fields" mode's values. */
export function eventDataFromFields(
	values: IssueFieldValues,
	today: Date = new Date(),
): IDataObject {
	const entity = values.affectedEntity ?? {};
	const additionalData = parseJsonObject(
		entity.additionalData,
		'eventData.affectedEntity.additionalData',
	);
	const affectedEntity = nonEmpty([
		...Object.entries(entity).filter(([name]) => name !== 'additionalData'),
		['additionalData', additionalData],
	]);
	const frameworks = (values.frameworks ?? '')
		.split(',')
		.map((framework) => framework.trim())
		.filter(Boolean);
	return nonEmpty([
		['id', (values.id ?? '').trim() || generateIssueId()],
		...TEXT_FIELDS.map((name): [string, unknown] => [name, values[name]]),
		['detectedAt', normalizeDetectedAt(values.detectedAt, today)],
		['frameworks', frameworks.length ? frameworks : undefined],
		['affectedEntity', Object.keys(affectedEntity).length ? affectedEntity : undefined],
	]);
}

/** A whole ISPM message (what the trigger outputs) where only its issue belongs. */
function isWholeMessage(value: unknown): boolean {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
	const inner = (value as IDataObject).eventData;
	return (
		!('title' in value) && inner !== null && typeof inner === 'object' && !Array.isArray(inner)
	);
}

/** The item's eventData as the user gave it: an object, or JSON text parsed. */
export function eventDataFromJson(value: unknown): unknown {
	const parsed =
		typeof value === 'string' && value.trim() !== '' ? parseJsonText(value, 'eventData') : value;
	if (parsed === '') return undefined;
	if (isWholeMessage(parsed)) {
		throw new EnvelopeValidationError([
			{
				path: 'eventData',
				message:
					'got a whole ISPM message (it has its own eventData): pass only the issue, e.g. {{ $json.eventData }}',
			},
		]);
	}
	return parsed;
}

/** Reads the item's eventData from the node's parameters, in the mode the user chose. */
export function readEventData(context: IExecuteFunctions, itemIndex: number): unknown {
	const source = context.getNodeParameter('eventDataSource', itemIndex, 'json') as string;
	if (source === 'json') return eventDataFromJson(context.getNodeParameter('eventData', itemIndex));
	const text = (name: string) => context.getNodeParameter(name, itemIndex, '') as string;
	return eventDataFromFields({
		id: text('id'),
		title: context.getNodeParameter('title', itemIndex, '', { extractValue: true }) as string,
		severity: text('severity'),
		category: text('category'),
		detectedAt: text('detectedAt'),
		shortDescription: text('shortDescription'),
		fullDescription: text('fullDescription'),
		suggestedRemediation: text('suggestedRemediation'),
		riskAndImpact: text('riskAndImpact'),
		frameworks: text('frameworks'),
		link: text('link'),
		affectedEntity: context.getNodeParameter('affectedEntity', itemIndex, {}) as IDataObject,
	});
}
