/**
 * ISPM's sample test message, as shared/ispm/sample-test-message.json gives it, copied here so tests
 * never read outside the repository.
 */
export const SAMPLE_TEST_MESSAGE = {
	id: 'f73a7741-6980-4d44-b0bf-13a2fa7ac556',
	timestamp: '2024-06-09T14:56:58Z',
	source: 'Okta ISPM',
	type: 'issue.created',
	eventData: {
		id: 'Alert_V32uL3CHijlQYHq-uqTkqWOXSJ8~',
		category: 'Least Privilege',
		severity: 'High',
		title: 'Unused Admin Account',
		fullDescription: 'Admin Accounts not logged in interactively for 91 days.',
		shortDescription: 'Admin Accounts not logged in interactively for 91 days.',
		detectedAt: '2024-06-18',
		suggestedRemediation: 'Assess the essentiality of listed accounts; disable or suspend as necessary.',
		riskAndImpact:
			'Unused, unmonitored accounts attract threat actors for gaining initial access or elevated permissions.',
		frameworks: ['SOX', 'PCI-DSS v4.0'],
		link: 'https://{your-ISPM-url}/issues/Alert_V32uL3CHijlQYHq-uqTkqWOXSJ8~',
		affectedEntity: {
			id: 'Account_Q1SMRm3vfzomaZwevHIoL9kVhWU~',
			type: 'Account',
			displayName: 'john.smith@okta.com',
			sourceProductName: 'Okta',
			sourceProductTenant: 'example.okta.com',
			additionalData: { types: ['Admin'], lastLogin: '03/28/2024' },
		},
	},
};

type Sample = typeof SAMPLE_TEST_MESSAGE;

/** A fresh deep copy of the sample, with `eventData` fields replaced by `patch`. */
export function sampleEnvelope(patch: Record<string, unknown> = {}): Sample & Record<string, unknown> {
	const copy = JSON.parse(JSON.stringify(SAMPLE_TEST_MESSAGE)) as Sample;
	return { ...copy, eventData: { ...copy.eventData, ...patch } as Sample['eventData'] };
}

/** A valid envelope for a distinct issue, e.g. for de-duplication tests. */
export function issueEnvelope(issueId: string, patch: Record<string, unknown> = {}) {
	return { ...sampleEnvelope({ id: issueId, ...patch }), id: `delivery-${issueId}-${Math.random()}` };
}
