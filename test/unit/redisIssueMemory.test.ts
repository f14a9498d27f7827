/* eslint-disable @n8n/community-nodes/no-restricted-globals -- test code runs in Jest, not in n8n */
/**
 * The shared issue memory against a real Redis (Debian's redis-server, started on a free loopback port by
 * scripts/services.cjs, installed when missing).
 */
import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';

import {
	CLAIM_LEASE_MS,
	closeSharedRedisClients,
	issueKey,
	IssueMemoryUnreachableError,
	KeyRing,
	redisKeys,
	RedisIssueStore,
	redisOptions,
	sharedRedisClient,
	testRedisConnection,
	type ClaimOutcome,
} from '../../lib/issueMemory';
import { issueEnvelope } from '../helpers/samples';
import { startRedis, type RedisServer } from '../../scripts/services.cjs';
import { WebhookTriggerHost } from '../helpers/webhookHost';

jest.setTimeout(60_000);

let redis: RedisServer;
const clients: Redis[] = [];
const hosts: WebhookTriggerHost[] = [];

beforeAll(async () => {
	redis = await startRedis({ name: 'redis-unit', persist: false });
});

afterEach(async () => {
	for (const host of hosts.splice(0)) await host.close();
	for (const client of clients.splice(0)) client.disconnect();
	await closeSharedRedisClients();
	if (!(await redisAnswers())) await redis.start();
	const admin = newClient();
	await admin.flushall();
	admin.disconnect();
});

afterAll(async () => {
	await redis.remove();
});

/** A client as the memory configures it (bounded waits, no retries queued), connected. */
function newClient(): Redis {
	const client = new Redis({
		...redisOptions(credential()),
		lazyConnect: false,
		enableOfflineQueue: true,
	});
	clients.push(client);
	return client;
}

async function redisAnswers(): Promise<boolean> {
	const client = new Redis({
		host: '127.0.0.1',
		port: redis.port,
		lazyConnect: true,
		retryStrategy: () => null,
	});
	client.on('error', () => undefined);
	try {
		await client.connect();
		return (await client.ping()) === 'PONG';
	} catch {
		return false;
	} finally {
		client.disconnect();
	}
}

const credential = () => ({ host: '127.0.0.1', port: redis.port });

const connected = (client: Redis) => async () => ({ client, credential: credential() });

/** A store as one n8n process would have it: its own client and its own cache. */
function processStore(scope = 'wf-1:node-1', capacity = 100) {
	return new RedisIssueStore(connected(newClient()), scope, capacity, new KeyRing(capacity));
}

const isNew = (outcome: ClaimOutcome): outcome is Extract<ClaimOutcome, { state: 'new' }> =>
	outcome.state === 'new';

describe('RedisIssueStore', () => {
	it('should give one winner among 50 concurrent claims of one issue from 5 processes', async () => {
		const processes = Array.from({ length: 5 }, () => processStore());
		const outcomes = await Promise.all(
			Array.from({ length: 50 }, (_, i) => processes[i % 5].claim(issueKey('contested'))),
		);
		expect(outcomes.filter(isNew)).toHaveLength(1);
		expect(outcomes.filter((o) => o.state === 'pending')).toHaveLength(49);
	});

	it('should answer seen in every process once the winner confirms, and remember nothing before', async () => {
		const [a, b] = [processStore(), processStore()];
		const won = await a.claim(issueKey('x'));
		if (!isNew(won)) throw new Error('expected a new claim');
		const admin = newClient();
		expect(await admin.zcard(redisKeys('wf-1:node-1').seen)).toBe(0);
		await won.claim.confirm();
		expect(await b.claim(issueKey('x'))).toEqual({ state: 'seen' });
		expect(await a.claim(issueKey('x'))).toEqual({ state: 'seen' });
	});

	it('should report how long a pending claim still holds, and end it with its lease', async () => {
		const [a, b] = [processStore(), processStore()];
		await a.claim(issueKey('leased'));
		const pending = await b.claim(issueKey('leased'));
		expect(pending.state).toBe('pending');
		const { retryAfterMs } = pending as Extract<ClaimOutcome, { state: 'pending' }>;
		expect(retryAfterMs).toBeGreaterThan(0);
		expect(retryAfterMs).toBeLessThanOrEqual(CLAIM_LEASE_MS);
		// What the lease's end does, without waiting 30 s: Redis expires the claim key.
		await newClient().pexpire(redisKeys('wf-1:node-1').claim(issueKey('leased')), 1);
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect((await b.claim(issueKey('leased'))).state).toBe('new');
	});

	it('should let only the holder release a claim, so the retry is accepted', async () => {
		const [a, b] = [processStore(), processStore()];
		const held = await a.claim(issueKey('released'));
		if (!isNew(held)) throw new Error('expected a new claim');
		await held.claim.release();
		const retried = await b.claim(issueKey('released'));
		expect(retried.state).toBe('new');
		// The first holder's late release must not end the second holder's claim.
		await held.claim.release();
		expect((await a.claim(issueKey('released'))).state).toBe('pending');
	});

	it('should neither connect nor ask Redis for an issue this process knows to be seen', async () => {
		const cache = new KeyRing(10);
		const connect = jest.fn(connected(newClient()));
		await new RedisIssueStore(connect, 'wf-1:node-1', 10, cache).confirm(issueKey('known'));
		expect(connect).toHaveBeenCalledTimes(1);
		// The next delivery or execution of this process: a new store over the same cache.
		const later = new RedisIssueStore(connect, 'wf-1:node-1', 10, cache);
		expect(await later.claim(issueKey('known'))).toEqual({ state: 'seen' });
		await later.confirm(issueKey('known'));
		expect(connect).toHaveBeenCalledTimes(1);
		expect((await later.claim(issueKey('other'))).state).toBe('new');
		expect(connect).toHaveBeenCalledTimes(2);
	});

	it('should keep the newest rememberIssues confirmed issues, forgetting the oldest first', async () => {
		const store = new RedisIssueStore(connected(newClient()), 'wf-1:node-1', 3, new KeyRing(3));
		for (const id of ['a', 'b', 'c', 'd']) await store.confirm(issueKey(id));
		const admin = newClient();
		expect(await admin.zrange(redisKeys('wf-1:node-1').seen, 0, -1)).toEqual(
			['b', 'c', 'd'].map(issueKey),
		);
		const other = processStore('wf-1:node-1', 3);
		expect((await other.claim(issueKey('a'))).state).toBe('new');
		expect(await other.claim(issueKey('d'))).toEqual({ state: 'seen' });
	});

	it('should keep trigger nodes apart', async () => {
		await processStore('wf-1:node-1').confirm(issueKey('same-id'));
		expect((await processStore('wf-2:node-1').claim(issueKey('same-id'))).state).toBe('new');
	});

	it('should answer an issue this process knows to be seen without asking Redis', async () => {
		const store = processStore();
		await store.confirm(issueKey('cached'));
		await redis.stop();
		expect(await store.claim(issueKey('cached'))).toEqual({ state: 'seen' });
		await expect(store.claim(issueKey('not-cached'))).rejects.toBeInstanceOf(
			IssueMemoryUnreachableError,
		);
	});
});

describe('sharedRedisClient', () => {
	const log = () => undefined;

	it('should reuse one client per credential and replace it when the credential changes', async () => {
		const first = await sharedRedisClient('cred-1', credential(), log);
		expect(await sharedRedisClient('cred-1', credential(), log)).toBe(first);
		const changed = await sharedRedisClient('cred-1', { ...credential(), database: 1 }, log);
		expect(changed).not.toBe(first);
	});

	it('should create one client for deliveries that arrive together before any client exists', async () => {
		const all = await Promise.all(
			Array.from(
				{ length: 10 },
				async () => await sharedRedisClient('cred-burst', credential(), log),
			),
		);
		expect(new Set(all).size).toBe(1);
	});

	it('should fail plainly while Redis is down and work again after it restarts', async () => {
		const events: string[] = [];
		const client = await sharedRedisClient('cred-r', credential(), (event) => events.push(event));
		const store = new RedisIssueStore(connected(client), 'wf-1:node-1', 10, new KeyRing(10));
		await store.confirm(issueKey('before'));
		await redis.stop();
		await expect(store.claim(issueKey('during'))).rejects.toThrow(
			`Redis at 127.0.0.1:${redis.port}`,
		);
		await redis.start();
		let outcome: ClaimOutcome | undefined;
		for (let attempt = 0; attempt < 100 && !outcome; attempt++) {
			outcome = await store.claim(issueKey('after')).catch(async () => {
				await new Promise((resolve) => setTimeout(resolve, 100));
				return undefined;
			});
		}
		expect(outcome?.state).toBe('new');
		expect(events).toEqual(['down', 'up']);
	});

	it('should say plainly when nothing listens', async () => {
		await redis.stop();
		await expect(sharedRedisClient('cred-down', credential(), log)).rejects.toThrow(
			`Redis at 127.0.0.1:${redis.port} refused the connection: is it running, and are Host and Port right?`,
		);
	});
});

describe('the trigger with issueMemory: redis', () => {
	const SENT_VALUE = 'test-value-not-a-secret';
	const apiKey = { key: 'X-ISPM-Key', value: SENT_VALUE };
	const deliveryOf = (id: string) => ({
		headers: { 'X-ISPM-Key': SENT_VALUE },
		body: issueEnvelope(id),
	});

	function trigger(options: Record<string, unknown> = {}, workflowDatabase?: WebhookTriggerHost) {
		const created = new WebhookTriggerHost(
			{ authentication: 'headerAuth', issueTypes: [], issueMemory: 'redis', options },
			{ apiKey, redis: credential() },
		);
		if (workflowDatabase) created.database = workflowDatabase.database;
		hosts.push(created);
		return created;
	}

	it('should start one execution across two n8n processes receiving copies at the same moment', async () => {
		const [one, two] = [trigger(), trigger()];
		const answers = await Promise.all(
			Array.from({ length: 8 }, (_, i) => (i % 2 ? one : two).deliver(deliveryOf('shared-issue'))),
		);
		const statuses = answers.map((a) => (a.body as { status: string }).status);
		expect(statuses.filter((s) => s === 'accepted')).toHaveLength(1);
		expect(statuses.filter((s) => s === 'duplicate')).toHaveLength(7);
		await Promise.all([one.idle(), two.idle()]);
		expect(one.executions.length + two.executions.length).toBe(1);
	});

	it('should answer a duplicate this process confirmed without loading the Redis credential', async () => {
		const host = trigger();
		await host.deliver(deliveryOf('known'));
		await host.idle();
		// This host's own loads only: hosts of earlier tests may still be finishing their executions.
		const loads = jest.spyOn(
			host as unknown as { credential(type: string): unknown },
			'credential',
		);
		expect((await host.deliver(deliveryOf('known'))).body).toMatchObject({ status: 'duplicate' });
		expect(loads.mock.calls.filter(([type]) => type === 'ispmRedisApi')).toEqual([]);
		loads.mockRestore();
	});

	it('should remember across a restart of every process', async () => {
		const before = trigger();
		await before.deliver(deliveryOf('kept'));
		await before.restart();
		expect((await before.deliver(deliveryOf('kept'))).body).toMatchObject({ status: 'duplicate' });
		expect((await trigger().deliver(deliveryOf('kept'))).body).toMatchObject({
			status: 'duplicate',
		});
	});

	it('should accept without checking while Redis is down when the policy is accept (the default)', async () => {
		const host = trigger();
		await redis.stop();
		const answer = await host.deliver(deliveryOf('while-down'));
		expect(answer).toMatchObject({
			status: 200,
			body: { status: 'accepted' },
			executionStarted: true,
		});
		expect(host.logs).toContainEqual({
			level: 'warn',
			message: expect.stringContaining(
				`accepted issue while-down without checking for duplicates (If Redis Is Unreachable: accept): Redis at 127.0.0.1:${redis.port}`,
			),
		});
		await host.idle();
		expect(host.executions).toHaveLength(1);
	});

	it('should answer 503 and remember nothing while Redis is down when the policy is reject', async () => {
		const host = trigger({ whenMemoryUnreachable: 'reject' });
		await redis.stop();
		const answer = await host.deliver(deliveryOf('rejected-while-down'));
		expect(answer).toMatchObject({
			status: 503,
			headers: { 'retry-after': '5' },
			executionStarted: false,
		});
		expect(JSON.stringify(answer.body)).not.toContain('127.0.0.1');
		await redis.start();
		let retry = await host.deliver(deliveryOf('rejected-while-down'));
		for (let i = 0; i < 50 && retry.status === 503; i++) {
			await new Promise((resolve) => setTimeout(resolve, 100));
			retry = await host.deliver(deliveryOf('rejected-while-down'));
		}
		expect(retry.body).toMatchObject({ status: 'accepted' });
		expect((await host.deliver(deliveryOf('rejected-while-down'))).body).toMatchObject({
			status: 'duplicate',
		});
		await host.idle();
		expect(host.executions).toHaveLength(1);
	});
});

describe('Test connection (ispmRedisApi)', () => {
	it('should connect, write and say so', async () => {
		const result = await testRedisConnection(credential());
		expect(result.status).toBe('OK');
		expect(result.message).toMatch(
			new RegExp(
				`^Connected to Redis [0-9.]+ at 127.0.0.1:${redis.port}: the issue memory can read and write there$`,
			),
		);
	});

	it('should say the connection was refused', async () => {
		await redis.stop();
		expect(await testRedisConnection(credential())).toEqual({
			status: 'Error',
			message: `Redis at 127.0.0.1:${redis.port} refused the connection: is it running, and are Host and Port right?`,
		});
	});

	it('should say the host was not found', async () => {
		expect(await testRedisConnection({ host: 'no-such-host.invalid', port: 6379 })).toEqual({
			status: 'Error',
			message: 'The Redis host "no-such-host.invalid" was not found: check Host',
		});
	});

	it('should name a database Redis does not have', async () => {
		expect(await testRedisConnection({ ...credential(), database: 99 })).toEqual({
			status: 'Error',
			message: `Redis at 127.0.0.1:${redis.port}/99 has no database 99: check Database`,
		});
	});

	it('should point at SSL when a TLS connection to a plain server never completes', async () => {
		expect(await testRedisConnection({ ...credential(), ssl: true })).toEqual({
			status: 'Error',
			message: `Redis at 127.0.0.1:${redis.port} did not complete a TLS connection in time: check that the server expects TLS (SSL), and Host, Port and firewalls`,
		});
	});

	describe('against a server that speaks TLS', () => {
		let secure: RedisServer;

		beforeAll(async () => {
			secure = await startRedis({ name: 'redis-tls', persist: false, tls: true });
		});

		afterAll(async () => {
			await secure.remove();
		});

		it('should say TLS failed, and why, when the certificate is not trusted', async () => {
			const result = await testRedisConnection({ host: '127.0.0.1', port: secure.port, ssl: true });
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(
				new RegExp(
					`^TLS with Redis at 127\\.0\\.0\\.1:${secure.port} failed \\(self[- ]signed certificate`,
				),
			);
		});

		it('should point at SSL when a plain connection reaches a TLS server', async () => {
			expect(await testRedisConnection({ host: '127.0.0.1', port: secure.port })).toEqual({
				status: 'Error',
				message: `Redis at 127.0.0.1:${secure.port} closed the connection: if the server expects TLS, turn on SSL (and off if not)`,
			});
		});
	});

	describe('against a server with a password and a replica', () => {
		const serverPassword = randomBytes(12).toString('hex');
		let secured: RedisServer;
		let replica: RedisServer;

		beforeAll(async () => {
			secured = await startRedis({
				name: 'redis-password',
				persist: false,
				extraArgs: ['--requirepass', serverPassword],
			});
			replica = await startRedis({
				name: 'redis-replica',
				persist: false,
				extraArgs: ['--replicaof', '127.0.0.1', String(redis.port)],
			});
		});

		afterAll(async () => {
			await secured.remove();
			await replica.remove();
		});

		it('should say the password is wrong, without showing it', async () => {
			const result = await testRedisConnection({
				host: '127.0.0.1',
				port: secured.port,
				password: randomBytes(12).toString('hex'),
			});
			expect(result).toEqual({
				status: 'Error',
				message: `Redis at 127.0.0.1:${secured.port} refused the user or password: check User and Password`,
			});
		});

		it('should say a password is required', async () => {
			expect((await testRedisConnection({ host: '127.0.0.1', port: secured.port })).message).toBe(
				`Redis at 127.0.0.1:${secured.port} requires a password: set Password (and User for an ACL user)`,
			);
		});

		it('should accept the right password', async () => {
			expect(
				(
					await testRedisConnection({
						host: '127.0.0.1',
						port: secured.port,
						password: serverPassword,
					})
				).status,
			).toBe('OK');
		});

		it('should say a read-only replica cannot hold the memory', async () => {
			expect(await testRedisConnection({ host: '127.0.0.1', port: replica.port })).toEqual({
				status: 'Error',
				message: `Redis at 127.0.0.1:${replica.port} is a read-only replica: point the credential at the primary`,
			});
		});
	});
});
