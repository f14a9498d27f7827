/**
 * ISPM issue titles known from Okta's public ISPM automation templates. The list is not complete:
 * ISPM adds titles over time, so every place that offers these also accepts free text.
 */
export const KNOWN_ISSUE_TITLES = [
	'Unused Admin Account',
	'Unused Global Admin Account',
	'Unused Global Admin Service Account',
	'No MFA - Admin Account',
	'No MFA - Account',
	'No MFA - Global Admin Account',
	'No MFA Enforced - Global Admin Account',
	'Pending MFA - Global Admin Account',
	'Pending MFA - Admin Account',
	'Pending MFA - Account',
	'Old Password - Global Admin Account',
	'Old Password - Global Admin Service Account',
	'Old Password - Admin Account',
	'Old Password - Admin Service Account',
	'Old Password - Account',
	'Old Password - Service Account',
	'Compromised Okta Account',
] as const;

/** `High` and `Low` are seen in ISPM messages; the four-step scale is likely but unconfirmed. */
export const SEVERITIES = ['Critical', 'High', 'Medium', 'Low'] as const;

/** The only documented ISPM event type. */
export const ISSUE_CREATED = 'issue.created';

export const DEFAULT_SOURCE = 'Okta ISPM';
