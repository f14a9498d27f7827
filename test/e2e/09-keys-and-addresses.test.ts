/**
 * What is on the wire decides (issue 11), for keys and addresses, in a real n8n:
 * - a header credential whose Value no header can carry is refused where it is read: Test connection says
 *   so, the trigger answers "not configured" (500) instead of blaming the sender with 401, and the Event
 *   Hook fails with a configuration error before anything is sent;
 * - an Okta Workflows invoke address pasted whole (with its own clientToken) gets the credential's key once,
 *   the rest of the address kept, from the Event Hook and from Test connection alike.
 */
import {
	CREDENTIAL_IDS,
	KEY_NAMES,
	SINK_PATHS,
	WIRE_WORKFLOWS,
	e2eCredentials,
	makeIssue,
} from './fixtures';
import {
	executionError,
	executionOutputs,
	executions,
	headerTriggerAuth,
	httpPost,
	ownerRest,
	readState,
	settledExecutions,
	sink,
	sinkRequestsFor,
	waitFor,
	webhookUrl,
	type SinkRequest,
} from './harness';

const VALUE_REFUSED =
	/^The ISPM credential's Value cannot be sent in an HTTP header: it contains a non-ASCII character/;

function credential(id: string) {
	const { secrets, sinkUrl } = readState();
	const found = e2eCredentials(secrets, sinkUrl).find((c) => c.id === id);
	if (!found) throw new Error(`no credential ${id}`);
	return found;
}

/** Test connection as the editor runs it when a credential is saved (POST /rest/credentials/test). */
async function testConnection(id: string): Promise<{ status: string; message: string }> {
	const rest = await ownerRest();
	const { name, type, data } = credential(id);
	const result = await rest.request('POST', '/rest/credentials/test', {
		credentials: { id, name, type, data },
	});
	expect({ status: result.status, text: result.text.slice(0, 300) }).toMatchObject({ status: 200 });
	return (result.body as { data: { status: string; message: string } }).data;
}

const requestsTo = async (path: string): Promise<SinkRequest[]> =>
	(await sink.requests()).filter((r) => r.path === path);

function expectNoSecretIn(text: string): void {
	for (const secret of Object.values(readState().secrets)) expect(text).not.toContain(secret);
}

describe('a header credential whose Value a header cannot carry', () => {
	const url = () => webhookUrl(WIRE_WORKFLOWS.nonAsciiTrigger.webhookId);

	test('Test connection names the Value and sends nothing', async () => {
		const before = (await requestsTo(SINK_PATHS.nonAscii)).length;
		for (const id of [CREDENTIAL_IDS.nonAsciiSink, CREDENTIAL_IDS.nonAsciiTrigger]) {
			const result = await testConnection(id);
			expect(result).toEqual({ status: 'Error', message: expect.stringMatching(VALUE_REFUSED) });
			expectNoSecretIn(result.message);
		}
		expect(await requestsTo(SINK_PATHS.nonAscii)).toHaveLength(before);
	});

	test.each([
		[
			'its UTF-8 bytes',
			() => Buffer.from(readState().secrets.nonAsciiKey, 'utf8').toString('latin1'),
		],
		['percent-encoded', () => encodeURIComponent(readState().secrets.nonAsciiKey)],
		['nothing', undefined],
	])(
		'the trigger answers "not configured" (500), not 401, to a key sent as %s',
		async (_case, sent) => {
			const before = (await executions(WIRE_WORKFLOWS.nonAsciiTrigger.id)).length;
			const headers: Record<string, string> = sent ? { [KEY_NAMES.triggerHeader]: sent() } : {};
			const result = await httpPost(url(), makeIssue(), headers);
			expect(result.status).toBe(500);
			expect(result.body).toEqual({
				error: expect.stringMatching(
					/^The ISPM Issue Trigger is not configured: The ISPM credential's Value cannot be sent in an HTTP header: it contains a non-ASCII character/,
				),
			});
			expectNoSecretIn(result.text);
			expect(await executions(WIRE_WORKFLOWS.nonAsciiTrigger.id)).toHaveLength(before);
		},
	);

	test('the Event Hook fails with a configuration error naming the Value, and sends nothing', async () => {
		const workflow = WIRE_WORKFLOWS.nonAsciiForward;
		const before = (await executions(workflow.id)).length;
		const sinkBefore = (await requestsTo(SINK_PATHS.nonAscii)).length;
		const message = makeIssue();
		const result = await httpPost(webhookUrl(workflow.webhookId), message, headerTriggerAuth());
		expect(result.body).toMatchObject({ status: 'accepted' });

		const runs = await settledExecutions(workflow.id, before + 1);
		expect(runs).toHaveLength(before + 1);
		const run = runs[runs.length - 1];
		expect(run.status).toBe('error');
		const error = await executionError(run.id);
		expect(error).toMatchObject({
			node: 'ISPM Event Hook',
			message: expect.stringMatching(VALUE_REFUSED),
		});
		expectNoSecretIn(`${error.message}\n${error.description}`);
		expect(await requestsTo(SINK_PATHS.nonAscii)).toHaveLength(sinkBefore);
	});
});

describe('an Okta Workflows invoke address pasted whole, with its own clientToken', () => {
	function expectKeyOnce(request: SinkRequest): void {
		const { secrets } = readState();
		expect(request.path).toBe(SINK_PATHS.okta);
		const query = new URL(request.url, 'http://sink').searchParams;
		expect(query.getAll('clientToken')).toEqual([secrets.oktaKey]);
		// Everything else in the address is kept as written; the fragment never goes over HTTP.
		expect(request.url).toContain('keep=a%20b');
		expect(query.getAll('flag')).toEqual(['']);
		expect(request.url).not.toContain(secrets.oktaAddressToken);
		expect(request.url).not.toContain('#');
	}

	test('the Event Hook sends the credential key once and keeps the rest of the address', async () => {
		const workflow = WIRE_WORKFLOWS.oktaForward;
		const before = (await executions(workflow.id)).length;
		const message = makeIssue();
		const result = await httpPost(webhookUrl(workflow.webhookId), message, headerTriggerAuth());
		expect(result.body).toMatchObject({ status: 'accepted' });

		const [request, ...more] = await sinkRequestsFor(message.eventData.id, 1);
		expect(more).toEqual([]);
		expectKeyOnce(request);

		const runs = await settledExecutions(workflow.id, before + 1);
		const run = runs[runs.length - 1];
		expect(run.status).toBe('success');
		const outputs = await executionOutputs(run.id);
		expect(outputs['ISPM Event Hook']).toEqual([
			expect.objectContaining({ statusCode: 200, attempts: 1 }),
		]);
		expectNoSecretIn(JSON.stringify(outputs));
	});

	test('Test connection posts the test message there the same way', async () => {
		const before = (await requestsTo(SINK_PATHS.okta)).length;
		const result = await testConnection(CREDENTIAL_IDS.oktaSink);
		expect(result).toEqual({
			status: 'OK',
			message: "The receiver accepted ISPM's test message (HTTP 200)",
		});
		await waitFor(
			'the test message at the sink',
			async () => (await requestsTo(SINK_PATHS.okta)).length > before,
		);
		const requests = (await requestsTo(SINK_PATHS.okta)).slice(before);
		expect(requests).toHaveLength(1);
		expectKeyOnce(requests[0]);
	});
});
