/**
 * Which ISPM messages start the workflow: the event type, and the issue titles and severities the user
 * selected. Titles and severities compare without regard to case or repeated spaces, so a custom title
 * typed as "old password - account" still matches ISPM's "Old Password - Account".
 */
import type { IspmEnvelope } from './envelope';
import { ISSUE_CREATED } from './issueTypes';

export interface IssueFilterSettings {
	/** Titles picked from the known list; empty means every title. */
	issueTypes?: string[];
	/** Comma-separated titles not in the known list. */
	customIssueTypes?: string;
	/** Empty means every severity. */
	severities?: string[];
}

export interface IssueFilter {
	/** `undefined`: every title passes. */
	titles?: Set<string>;
	severities?: Set<string>;
}

export type FilterDecision = { pass: true } | { pass: false; reason: string };

const normalise = (value: string) => value.trim().replace(/\s+/g, ' ').toLowerCase();

export function splitCustomIssueTypes(text: string | undefined): string[] {
	return (text ?? '')
		.split(',')
		.map((title) => title.trim())
		.filter((title) => title.length > 0);
}

export function createIssueFilter(settings: IssueFilterSettings): IssueFilter {
	const titles = [
		...(settings.issueTypes ?? []),
		...splitCustomIssueTypes(settings.customIssueTypes),
	];
	const severities = settings.severities ?? [];
	return {
		titles: titles.length ? new Set(titles.map(normalise)) : undefined,
		severities: severities.length ? new Set(severities.map(normalise)) : undefined,
	};
}

export function decide(filter: IssueFilter, envelope: IspmEnvelope): FilterDecision {
	if (envelope.type !== ISSUE_CREATED) {
		return { pass: false, reason: `event type "${envelope.type}" is not ${ISSUE_CREATED}` };
	}
	const { title, severity } = envelope.eventData;
	if (filter.titles && !filter.titles.has(normalise(title))) {
		return { pass: false, reason: `issue type "${title}" is not selected` };
	}
	if (filter.severities && !(severity && filter.severities.has(normalise(severity)))) {
		return {
			pass: false,
			reason: severity
				? `severity "${severity}" is not selected`
				: 'the issue has no severity and only some severities are selected',
		};
	}
	return { pass: true };
}
