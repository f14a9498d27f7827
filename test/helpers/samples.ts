/**
 * ISPM's sample test message (shared/ispm/sample-test-message.json), as the repository keeps it for
 * `npm start`'s ready-to-paste curl: tests never read outside the repository.
 */
import SAMPLE_TEST_MESSAGE from '../../examples/sample-issue.json';

export { SAMPLE_TEST_MESSAGE };

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
