/* eslint-disable @n8n/community-nodes/no-restricted-globals -- test code runs in Jest, not in n8n */
import { UNAUTHORIZED_MESSAGE } from '../../lib/receive';
import { CLAIM_LEASE_MS, issueKey, KEY_LENGTH, STATIC_DATA_KEY } from '../../lib/issueMemory';
import { issueEnvelope, sampleEnvelope } from '../helpers/samples';
import { WebhookTriggerHost, type HostDelivery } from '../helpers/webhookHost';

const SENT_VALUE = 'test-value-not-a-secret';
const headerCredential = {
	key: 'X-ISPM-Key',
	value: SENT_VALUE,
	additionalParameters: '{"X-Tenant":"acme"}',
};
const goodHeaders = { 'X-ISPM-Key': SENT_VALUE, 'X-Tenant': 'acme' };

const hosts: WebhookTriggerHost[] = [];

function host(
	parameters: Record<string, unknown> = {},
	credential: Record<string, unknown> = headerCredential,
	workflowMs = 20,
) {
	const created = new WebhookTriggerHost(
		{ authentication: 'headerAuth', issueTypes: [], options: {}, ...parameters },
		{ apiKey: credential },
		undefined,
		workflowMs,
	);
	hosts.push(created);
	return created;
}

const delivery = (body: unknown, headers: Record<string, string> = goodHeaders): HostDelivery => ({
	headers,
	body,
});

afterEach(async () => {
	// Every test starts from a fresh process: no execution left running, no memory carried over.
	for (const created of hosts.splice(0)) await created.close();
});

describe('ISPM Issue Trigger webhook()', () => {
	describe('authentication', () => {
		it.each([
			['no key', { 'X-Tenant': 'acme' }],
			['a wrong key', { ...goodHeaders, 'X-ISPM-Key': 'wrong' }],
			['a missing extra parameter', { 'X-ISPM-Key': SENT_VALUE }],
			['a wrong extra parameter', { ...goodHeaders, 'X-Tenant': 'other' }],
		])('should answer 401 and start nothing for %s', async (_case, headers) => {
			const trigger = host();
			const answer = await trigger.deliver(delivery(sampleEnvelope(), headers));
			expect(answer).toEqual({
				status: 401,
				body: { error: UNAUTHORIZED_MESSAGE },
				headers: {},
				executionStarted: false,
			});
			expect(JSON.stringify(answer)).not.toContain(SENT_VALUE);
		});

		it('should answer 401 when the key comes as a query parameter to a header trigger', async () => {
			const answer = await host().deliver({ query: goodHeaders, body: sampleEnvelope() });
			expect(answer.status).toBe(401);
			expect(answer.executionStarted).toBe(false);
		});

		it('should answer 401 when the key comes as a header to a query trigger', async () => {
			const trigger = host(
				{ authentication: 'queryAuth' },
				{ key: 'clientToken', value: SENT_VALUE },
			);
			expect(
				(await trigger.deliver({ headers: { clientToken: SENT_VALUE }, body: sampleEnvelope() }))
					.status,
			).toBe(401);
			const accepted = await trigger.deliver({
				query: { clientToken: SENT_VALUE },
				body: sampleEnvelope(),
			});
			expect(accepted).toMatchObject({
				status: 200,
				body: { status: 'accepted' },
				executionStarted: true,
			});
		});

		it('should match header names in any case', async () => {
			const answer = await host().deliver(
				delivery(sampleEnvelope(), { 'x-ispm-key': SENT_VALUE, 'X-TENANT': 'acme' }),
			);
			expect(answer.body).toMatchObject({ status: 'accepted' });
		});

		it('should answer 500 without starting anything when the credential has no API key', async () => {
			const answer = await host({}, { key: 'X-ISPM-Key', value: '' }).deliver(
				delivery(sampleEnvelope(), {}),
			);
			expect(answer).toEqual({
				status: 500,
				body: {
					error:
						'The ISPM Issue Trigger is not configured: The ISPM credential has no Value (the API key)',
				},
				headers: {},
				executionStarted: false,
			});
		});

		it('should not look at the body of an unauthenticated request', async () => {
			const answer = await host().deliver(delivery('not even JSON', {}));
			expect(answer.status).toBe(401);
		});
	});

	describe('validation', () => {
		it('should answer 400 naming each invalid field, and start nothing', async () => {
			const envelope = { ...sampleEnvelope({ frameworks: 'SOX' }), timestamp: undefined };
			const answer = await host().deliver(delivery(envelope));
			expect(answer).toEqual({
				status: 400,
				body: {
					error: 'The body is not a valid ISPM event hook message',
					problems: [
						{ path: 'timestamp', message: 'is required' },
						{ path: 'eventData.frameworks', message: 'expected an array of strings, got string' },
					],
				},
				headers: {},
				executionStarted: false,
			});
		});

		it('should answer 400 for a body that is not an object', async () => {
			const answer = await host().deliver(delivery([sampleEnvelope()]));
			expect(answer.status).toBe(400);
			expect(answer.body).toMatchObject({ problems: [{ path: '(message)' }] });
		});

		it('should accept a JSON body that arrived as text', async () => {
			const answer = await host().deliver(delivery(JSON.stringify(sampleEnvelope())));
			expect(answer.body).toMatchObject({ status: 'accepted' });
		});
	});

	describe('filtering', () => {
		it('should ignore event types other than issue.created', async () => {
			const answer = await host().deliver(
				delivery({ ...sampleEnvelope(), type: 'issue.resolved' }),
			);
			expect(answer).toEqual({
				status: 200,
				body: { status: 'ignored', reason: 'event type "issue.resolved" is not issue.created' },
				headers: {},
				executionStarted: false,
			});
		});

		it('should ignore issue types that are not selected and accept the ones that are', async () => {
			const trigger = host({
				issueTypes: ['No MFA - Account'],
				options: { customIssueTypes: 'Stale Key - Service Account, Dormant Account' },
			});
			expect(await trigger.deliver(delivery(sampleEnvelope()))).toEqual({
				status: 200,
				body: { status: 'ignored', reason: 'issue type "Unused Admin Account" is not selected' },
				headers: {},
				executionStarted: false,
			});
			for (const title of ['No MFA - Account', 'stale key -  service account', 'Dormant Account']) {
				const answer = await trigger.deliver(delivery(issueEnvelope(`id-${title}`, { title })));
				expect(answer).toMatchObject({ body: { status: 'accepted' }, executionStarted: true });
			}
		});

		it('should ignore severities that are not selected, and issues without one', async () => {
			const trigger = host({ options: { severities: ['Critical', 'High'] } });
			expect(
				(await trigger.deliver(delivery(issueEnvelope('a', { severity: 'Low' })))).body,
			).toEqual({
				status: 'ignored',
				reason: 'severity "Low" is not selected',
			});
			expect(
				(await trigger.deliver(delivery(issueEnvelope('b', { severity: undefined })))).body,
			).toMatchObject({
				status: 'ignored',
			});
			expect(
				(await trigger.deliver(delivery(issueEnvelope('c', { severity: 'high' })))).body,
			).toMatchObject({
				status: 'accepted',
			});
		});

		it('should not remember an ignored issue', async () => {
			const trigger = host({ issueTypes: ['No MFA - Account'] });
			await trigger.deliver(delivery(issueEnvelope('x', { title: 'Unused Admin Account' })));
			const accepted = await trigger.deliver(
				delivery(issueEnvelope('x', { title: 'No MFA - Account' })),
			);
			expect(accepted.body).toMatchObject({ status: 'accepted' });
		});
	});

	describe('accepted issues', () => {
		it('should start one execution whose item is the envelope', async () => {
			const trigger = host();
			const envelope = sampleEnvelope();
			const answer = await trigger.deliver(delivery(envelope));
			expect(answer).toEqual({
				status: 200,
				body: { status: 'accepted', issueId: envelope.eventData.id, eventId: envelope.id },
				headers: {},
				executionStarted: true,
			});
			await trigger.idle();
			expect(trigger.executions).toEqual([[{ json: envelope, pairedItem: { item: 0 } }]]);
		});

		it('should output flat fields with Simplify', async () => {
			const trigger = host({ options: { simplify: true } });
			await trigger.deliver(delivery(sampleEnvelope()));
			await trigger.idle();
			expect(trigger.executions[0][0].json).toEqual(
				expect.objectContaining({
					eventId: 'f73a7741-6980-4d44-b0bf-13a2fa7ac556',
					issueId: 'Alert_V32uL3CHijlQYHq-uqTkqWOXSJ8~',
					issueTitle: 'Unused Admin Account',
					issueSeverity: 'High',
					entityDisplayName: 'john.smith@okta.com',
					entitySourceProductName: 'Okta',
					additionalDataLastLogin: '03/28/2024',
					additionalDataTypes: ['Admin'],
				}),
			);
		});
	});

	describe('de-duplication', () => {
		it('should answer duplicate and start nothing for an issue seen before', async () => {
			const trigger = host();
			await trigger.deliver(delivery(issueEnvelope('A-1')));
			const again = await trigger.deliver(delivery(issueEnvelope('A-1')));
			expect(again).toEqual({
				status: 200,
				body: { status: 'duplicate', issueId: 'A-1' },
				headers: {},
				executionStarted: false,
			});
			expect(trigger.executionCount).toBe(1);
		});

		it('should accept exactly one of 50 overlapping deliveries of one new issue', async () => {
			const trigger = host();
			const answers = await Promise.all(
				Array.from({ length: 50 }, () => trigger.deliver(delivery(issueEnvelope('same-issue')))),
			);
			expect(
				answers.filter((a) => (a.body as { status: string }).status === 'accepted'),
			).toHaveLength(1);
			expect(
				answers.filter((a) => (a.body as { status: string }).status === 'duplicate'),
			).toHaveLength(49);
			await trigger.idle();
			expect(trigger.executions).toHaveLength(1);
		});

		it('should accept 50 distinct issues delivered at once, then none of them again, also after a restart', async () => {
			// Workflows that run longer than the deliveries take to arrive: executions overlap and end in
			// another order than they started.
			const trigger = host({}, headerCredential, 150);
			const ids = Array.from({ length: 50 }, (_, i) => `issue-${i}`);
			// Spread out, so that executions start, record and save while other deliveries still arrive.
			const deliverAll = () =>
				Promise.all(
					ids.map(async (id) => {
						await new Promise((resolve) => setTimeout(resolve, Math.random() * 60));
						return trigger.deliver(delivery(issueEnvelope(id)));
					}),
				);
			const statuses = async () =>
				(await deliverAll()).map((a) => (a.body as { status: string }).status);

			expect(new Set(await statuses())).toEqual(new Set(['accepted']));
			expect(new Set(await statuses())).toEqual(new Set(['duplicate']));
			await trigger.idle();
			expect(trigger.executions).toHaveLength(50);

			// Executions ended in random order, each saving its own copy of static data: nothing was lost.
			await trigger.restart();
			expect(new Set(await statuses())).toEqual(new Set(['duplicate']));
			expect(trigger.executionCount).toBe(50);
			const newOne = await trigger.deliver(delivery(issueEnvelope('issue-after-restart')));
			expect(newOne.body).toMatchObject({ status: 'accepted' });
		});

		it('should keep every record when an execution that started first ends last', async () => {
			const trigger = host();
			trigger.workflowDurations.push(300, 0);
			await trigger.deliver(delivery(issueEnvelope('slow-A')));
			await new Promise((resolve) => setTimeout(resolve, 50)); // A's trigger step has run; A is still going
			await trigger.deliver(delivery(issueEnvelope('fast-B')));
			await trigger.idle(); // B saved first, A last
			await trigger.restart();
			expect((await trigger.deliver(delivery(issueEnvelope('fast-B')))).body).toMatchObject({
				status: 'duplicate',
			});
			expect((await trigger.deliver(delivery(issueEnvelope('slow-A')))).body).toMatchObject({
				status: 'duplicate',
			});
		});

		it('should forget the oldest issues beyond Remember Issues and keep the stored size flat', async () => {
			const capacity = 20;
			const trigger = host({ options: { rememberIssues: capacity } });
			const sizes: number[] = [];
			for (let i = 0; i < capacity + 15; i++) {
				await trigger.deliver(delivery(issueEnvelope(`bounded-${String(i).padStart(3, '0')}`)));
				await trigger.idle();
				if (i >= capacity - 1) sizes.push(trigger.database.length);
			}
			// Only the ring's `next` counter may change length (one digit to two).
			expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
			const stored = trigger.storedStaticData()['node:ISPM Issue Trigger'] as {
				seenIssues: { keys: string };
			};
			expect(stored.seenIssues.keys).toHaveLength(capacity * KEY_LENGTH);
			await trigger.restart();
			const oldest = await trigger.deliver(delivery(issueEnvelope('bounded-014')));
			expect(oldest.body).toMatchObject({ status: 'accepted' });
			const kept = await trigger.deliver(delivery(issueEnvelope('bounded-016')));
			expect(kept.body).toMatchObject({ status: 'duplicate' });
		});
	});

	describe('"accepted" only once the execution exists', () => {
		it("should let n8n answer an accepted issue, with the trigger's body, after creating the execution", async () => {
			const trigger = host();
			const envelope = issueEnvelope('answered-by-n8n');
			const answer = await trigger.deliver(delivery(envelope));
			// The model answers only after it has created the execution, and sends "firstEntryJson" unless the
			// node's webhook description makes n8n send webhookResponse.
			expect(answer).toEqual({
				status: 200,
				body: { status: 'accepted', issueId: 'answered-by-n8n', eventId: envelope.id },
				headers: {},
				executionStarted: true,
			});
		});

		it('should accept the retry when n8n could not create the execution, and start it once', async () => {
			const trigger = host();
			trigger.failExecutionCreation();
			const failed = await trigger.deliver(delivery(issueEnvelope('db-down')));
			expect(failed).toMatchObject({ status: 500, executionStarted: false });
			const retry = await trigger.deliver(delivery(issueEnvelope('db-down')));
			expect(retry.body).toMatchObject({ status: 'accepted' });
			expect((await trigger.deliver(delivery(issueEnvelope('db-down')))).body).toMatchObject({
				status: 'duplicate',
			});
			await trigger.idle();
			expect(trigger.executions).toHaveLength(1);
		});

		it('should remember an issue whose sender hung up before n8n answered, once its execution runs', async () => {
			const trigger = host();
			await trigger.deliver(delivery(issueEnvelope('hung-up')), 'webhook', { hangUp: true });
			await trigger.idle();
			expect((await trigger.deliver(delivery(issueEnvelope('hung-up')))).body).toMatchObject({
				status: 'duplicate',
			});
			expect(trigger.executions).toHaveLength(1);
		});

		it('should answer a copy that arrives while n8n still creates the execution once that is settled', async () => {
			const trigger = host();
			trigger.creationMs = 400;
			const [first, copy] = await Promise.all([
				trigger.deliver(delivery(issueEnvelope('slow-create'))),
				trigger.deliver(delivery(issueEnvelope('slow-create'))),
			]);
			expect([first.body, copy.body]).toEqual(
				expect.arrayContaining([
					expect.objectContaining({ status: 'accepted' }),
					{ status: 'duplicate', issueId: 'slow-create' },
				]),
			);
		});

		it('should answer 409 with Retry-After to a copy while the other delivery stays unsettled too long', async () => {
			const trigger = host();
			trigger.creationMs = 4500; // longer than a copy waits (PENDING_WAIT_MS)
			const first = trigger.deliver(delivery(issueEnvelope('very-slow-create')));
			await new Promise((resolve) => setTimeout(resolve, 100));
			const copy = await trigger.deliver(delivery(issueEnvelope('very-slow-create')));
			expect(copy).toMatchObject({
				status: 409,
				body: { status: 'in_progress', issueId: 'very-slow-create' },
				executionStarted: false,
			});
			const retryAfter = Number(copy.headers['retry-after']);
			expect(retryAfter).toBeGreaterThanOrEqual(1);
			expect(retryAfter).toBeLessThanOrEqual(CLAIM_LEASE_MS / 1000);
			expect((await first).body).toMatchObject({ status: 'accepted' });
			expect(
				(await trigger.deliver(delivery(issueEnvelope('very-slow-create')))).body,
			).toMatchObject({
				status: 'duplicate',
			});
			await trigger.idle();
			expect(trigger.executions).toHaveLength(1);
		});
	});

	describe('crashes (SIGKILL) and n8n resuming executions at start-up', () => {
		it('should not let a resumed execution overwrite the memory with the older copy it carries', async () => {
			// 0.1.0 measured: after a crash, n8n resumed an execution created long before with its old static
			// data; the trigger rebuilt its memory from it and saved 1 to 3 issues over the 72 to 79 saved.
			const trigger = host({}, headerCredential, 5);
			const early = issueEnvelope('created-before-the-others');
			// Its execution is created (status new) with the static data of that moment, and not started before
			// the crash. Meanwhile other issues run to the end, and each end saves the memory.
			await trigger.deliver(delivery(early), 'webhook', { hangUp: true, holdExecution: true });
			const ids = Array.from({ length: 30 }, (_, i) => `ran-before-the-crash-${i}`);
			for (const id of ids) await trigger.deliver(delivery(issueEnvelope(id)));
			await trigger.idle();
			await trigger.crashAndRestart();
			for (const id of ids) {
				expect((await trigger.deliver(delivery(issueEnvelope(id)))).body).toMatchObject({
					status: 'duplicate',
				});
			}
			await trigger.idle();
			// And once a delivery has merged the current memory, what the resumed execution ran is saved too.
			await trigger.deliver(delivery(issueEnvelope('after-the-restart')));
			await trigger.restart();
			expect((await trigger.deliver(delivery(early))).body).toMatchObject({ status: 'duplicate' });
			for (const id of [...ids, 'after-the-restart']) {
				expect((await trigger.deliver(delivery(issueEnvelope(id)))).body).toMatchObject({
					status: 'duplicate',
				});
			}
		});

		it('should accept again, after a crash, an issue whose execution was never created', async () => {
			const trigger = host();
			trigger.creationMs = 300;
			const lost = trigger.deliver(delivery(issueEnvelope('never-created')));
			await new Promise((resolve) => setTimeout(resolve, 50));
			await trigger.crashAndRestart();
			expect(await lost).toMatchObject({ status: 0, executionStarted: false });
			// The claim lived in the dead process only.
			expect((await trigger.deliver(delivery(issueEnvelope('never-created')))).body).toMatchObject({
				status: 'accepted',
			});
		});
	});

	describe('test runs in the editor', () => {
		it('should accept the same message every time and leave production memory untouched', async () => {
			const trigger = host();
			for (let i = 0; i < 3; i++) {
				const answer = await trigger.deliver(delivery(sampleEnvelope()), 'manual');
				expect(answer).toMatchObject({ body: { status: 'accepted' }, executionStarted: true });
			}
			await trigger.idle();
			expect(trigger.storedStaticData()).toEqual({});
			const production = await trigger.deliver(delivery(sampleEnvelope()));
			expect(production.body).toMatchObject({ status: 'accepted' });
		});

		it('should still accept an issue in a test run that production has already seen', async () => {
			const trigger = host();
			await trigger.deliver(delivery(sampleEnvelope()));
			await trigger.idle();
			const stored = trigger.database;
			expect((await trigger.deliver(delivery(sampleEnvelope()), 'manual')).body).toMatchObject({
				status: 'accepted',
			});
			await trigger.idle();
			expect(trigger.database).toBe(stored);
			expect((await trigger.deliver(delivery(sampleEnvelope()))).body).toMatchObject({
				status: 'duplicate',
			});
		});
	});

	it('should store what it remembers under the node in static data', async () => {
		const trigger = host();
		await trigger.deliver(delivery(issueEnvelope('stored-1')));
		await trigger.idle();
		expect(trigger.storedStaticData()).toEqual({
			'node:ISPM Issue Trigger': {
				[STATIC_DATA_KEY]: { version: 2, capacity: 10000, next: 0, keys: issueKey('stored-1') },
			},
		});
	});
});

describe('ISPM Issue Trigger: a credential a header cannot carry (issue 11)', () => {
	const NON_ASCII_KEY = 'clé-ключ-7f3a9c';

	it.each([
		['as sent in UTF-8', NON_ASCII_KEY],
		['percent-encoded', encodeURIComponent(NON_ASCII_KEY)],
		['as Latin-1 bytes would read', Buffer.from(NON_ASCII_KEY, 'utf8').toString('latin1')],
	])(
		'should answer "not configured" (500), not 401, to a delivery with the key %s',
		async (_case, sent) => {
			const trigger = host({}, { key: 'X-ISPM-Key', value: NON_ASCII_KEY });
			const answer = await trigger.deliver(delivery(sampleEnvelope(), { 'X-ISPM-Key': sent }));
			expect(answer).toEqual({
				status: 500,
				body: {
					error: expect.stringMatching(
						/^The ISPM Issue Trigger is not configured: The ISPM credential's Value cannot be sent in an HTTP header: it contains a non-ASCII character/,
					),
				},
				headers: {},
				executionStarted: false,
			});
			expect(JSON.stringify(answer)).not.toContain(NON_ASCII_KEY);
		},
	);

	it('should name an extra parameter whose value ends with a space', async () => {
		const trigger = host({}, { ...headerCredential, additionalParameters: '{"X-Tenant":"acme "}' });
		const answer = await trigger.deliver(delivery(sampleEnvelope()));
		expect(answer.status).toBe(500);
		expect((answer.body as { error: string }).error).toMatch(
			/Additional Parameters: the value of "X-Tenant" cannot be sent in an HTTP header: it starts or ends with a space or tab/,
		);
	});

	it('should still accept that key from a query credential', async () => {
		const trigger = host(
			{ authentication: 'queryAuth' },
			{ key: 'clientToken', value: NON_ASCII_KEY },
		);
		const answer = await trigger.deliver({
			query: { clientToken: NON_ASCII_KEY },
			body: sampleEnvelope(),
		});
		expect(answer).toMatchObject({ status: 200, body: { status: 'accepted' } });
	});
});

describe('ISPM Issue Trigger: the body as it is on the wire (issue 11)', () => {
	const TEXT = JSON.stringify(sampleEnvelope());

	it.each([
		['no Content-Type (n8n parsed nothing)', {}, undefined],
		[
			'application/x-www-form-urlencoded (n8n made a form of it)',
			{ 'content-type': 'application/x-www-form-urlencoded' },
			{ [TEXT]: '' },
		],
		['application/vnd.okta+json', { 'content-type': 'application/vnd.okta+json' }, undefined],
		['text/plain with a byte-order mark', { 'content-type': 'text/plain' }, `\uFEFF${TEXT}`],
	])('should accept the message sent with %s', async (_case, contentType, parsed) => {
		const trigger = host();
		const raw = Buffer.from(typeof parsed === 'string' ? parsed : TEXT, 'utf8');
		const answer = await trigger.deliver({
			headers: { ...goodHeaders, ...contentType },
			body: parsed,
			raw,
		});
		expect(answer).toMatchObject({
			status: 200,
			body: { status: 'accepted' },
			executionStarted: true,
		});
		await trigger.idle();
		expect(trigger.executions[0][0].json).toEqual(sampleEnvelope());
	});

	it('should answer 415 naming both content types to a real form, and start nothing', async () => {
		const answer = await host().deliver({
			headers: { ...goodHeaders, 'content-type': 'application/x-www-form-urlencoded' },
			body: { id: '1' },
			raw: Buffer.from('id=1'),
		});
		expect(answer).toEqual({
			status: 415,
			body: {
				error: expect.stringContaining(
					'(Content-Type received: "application/x-www-form-urlencoded"; expected: application/json, UTF-8)',
				),
				contentType: 'application/x-www-form-urlencoded',
				expected: 'application/json',
			},
			headers: {},
			executionStarted: false,
		});
	});

	it('should answer 400 to an empty body', async () => {
		const answer = await host().deliver({
			headers: goodHeaders,
			body: undefined,
			raw: Buffer.alloc(0),
		});
		expect(answer).toMatchObject({
			status: 400,
			body: { error: expect.stringMatching(/^The body is empty/), contentType: null },
		});
	});

	it('should not read the body of an unauthenticated or misconfigured request', async () => {
		const trigger = host();
		expect(
			(await trigger.deliver({ headers: {}, body: undefined, raw: Buffer.from(TEXT) })).status,
		).toBe(401);
		const unconfigured = host({}, { key: 'X-ISPM-Key', value: '' });
		expect(
			(
				await unconfigured.deliver({
					headers: goodHeaders,
					body: undefined,
					raw: Buffer.from(TEXT),
				})
			).status,
		).toBe(500);
		expect(trigger.bodiesRead + unconfigured.bodiesRead).toBe(0);
		expect(
			(await trigger.deliver({ headers: goodHeaders, body: undefined, raw: Buffer.from(TEXT) }))
				.status,
		).toBe(200);
		expect(trigger.bodiesRead).toBe(1);
	});
});

describe('ISPM Issue Trigger: the trace each delivery leaves (issue 11)', () => {
	it('should put the accepted issue in the execution custom data', async () => {
		const trigger = host();
		await trigger.deliver(
			delivery(issueEnvelope('traced-1', { title: 'Unused Admin Account', severity: 'High' })),
		);
		await trigger.idle();
		expect(trigger.customData).toEqual([
			{ issueId: 'traced-1', issueTitle: 'Unused Admin Account', issueSeverity: 'High' },
		]);
		expect(trigger.logs).toEqual([]);
	});

	it('should log ignored, duplicate and rejected deliveries at debug level with outcome and issue id, never a secret', async () => {
		const trigger = host({ options: { severities: ['Critical'] } });
		await trigger.deliver(delivery(issueEnvelope('low-1', { severity: 'Low' })));
		await trigger.deliver(delivery(issueEnvelope('dup-1', { severity: 'Critical' })));
		await trigger.deliver(delivery(issueEnvelope('dup-1', { severity: 'Critical' })));
		await trigger.deliver(delivery(issueEnvelope('bad-1', { title: '' })));
		await trigger.deliver(
			delivery(issueEnvelope('x'), { 'X-ISPM-Key': 'wrong-key-value', 'X-Tenant': 'acme' }),
		);
		await trigger.idle();
		expect(trigger.logs.map(({ level, metadata }) => ({ level, metadata }))).toEqual([
			{ level: 'debug', metadata: { outcome: 'ignored', status: 200, issueId: 'low-1' } },
			{ level: 'debug', metadata: { outcome: 'duplicate', status: 200, issueId: 'dup-1' } },
			{ level: 'debug', metadata: { outcome: 'rejected', status: 400, issueId: 'bad-1' } },
			{ level: 'debug', metadata: { outcome: 'rejected', status: 401 } },
		]);
		expect(trigger.logs.map((line) => line.message)).toEqual([
			expect.stringMatching(/^ISPM Issue Trigger: ignored delivery of issue low-1 \(HTTP 200\): /),
			'ISPM Issue Trigger: duplicate delivery of issue dup-1 (HTTP 200)',
			expect.stringMatching(
				/^ISPM Issue Trigger: rejected delivery of issue bad-1 \(HTTP 400\): The body is not a valid ISPM event hook message/,
			),
			`ISPM Issue Trigger: rejected delivery (HTTP 401): ${UNAUTHORIZED_MESSAGE}`,
		]);
		const logged = JSON.stringify(trigger.logs);
		for (const secret of [SENT_VALUE, 'wrong-key-value', 'acme'])
			expect(logged).not.toContain(secret);
	});
});
