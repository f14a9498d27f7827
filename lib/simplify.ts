/**
 * The "Simplify" output of the trigger: one flat object with the field names Okta's own ISPM automation
 * (delegated flows) uses, so that workflows built for those read the same names here.
 */
import type { IspmEnvelope } from './envelope';

export type SimplifiedIssue = Record<string, unknown>;

export function simplify(envelope: IspmEnvelope): SimplifiedIssue {
	const issue = envelope.eventData;
	const entity = issue.affectedEntity ?? {};
	const additionalData = entity.additionalData ?? {};
	return {
		eventId: envelope.id,
		eventSource: envelope.source,
		eventTimestamp: envelope.timestamp,
		eventType: envelope.type,
		issueId: issue.id,
		issueTitle: issue.title,
		issueCategory: issue.category,
		issueSeverity: issue.severity,
		issueDetectedAt: issue.detectedAt,
		issueLink: issue.link,
		issueFullDescription: issue.fullDescription,
		issueShortDescription: issue.shortDescription,
		issueSuggestedRemediation: issue.suggestedRemediation,
		issueRiskAndImpact: issue.riskAndImpact,
		issueFrameworks: issue.frameworks,
		entityId: entity.id,
		entityType: entity.type,
		entityDisplayName: entity.displayName,
		// The field reference says identifierInService; Okta's Workflows templates read idInService.
		entityIdInService: entity.identifierInService ?? entity.idInService,
		entitySourceProductName: entity.sourceProductName,
		entitySourceProductTenant: entity.sourceProductTenant,
		additionalDataLastLogin: additionalData.lastLogin,
		additionalDataTypes: additionalData.types?.map((type) =>
			typeof type === 'string' ? type : type.type,
		),
		additionalDataUsername: additionalData.username,
	};
}
