/**
 * "Redis, Shared by All n8n Processes": the issue memory on a Redis server, so that every main, webhook and
 * worker process of an n8n installation (queue mode, multi-main) sees the same issues.
 *
 * Every check-and-record is one Lua script, which Redis runs atomically: two processes can never both see
 * an issue as new. Keys, per trigger node (`scope` = workflow id and node id; the braces are a Redis Cluster
 * hash tag keeping one node's keys in one slot):
 *   n8n-nodes-ispm:issues:{<scope>}:seen        sorted set of confirmed issue keys, scored by `…:seq`
 *   n8n-nodes-ispm:issues:{<scope>}:seq         counter: the order issues were confirmed in
 *   n8n-nodes-ispm:issues:{<scope>}:claim:<key> a pending claim (value: its holder's token), expiring
 *                                               after CLAIM_LEASE_MS
 * The sorted set keeps the newest `rememberIssues` keys: confirming one more removes the oldest.
 *
 * The process's own copy of what it has learnt (`KeyRing`) stays in front: an issue this process already
 * knows to be seen costs no round trip, and no client is even asked for (see the constructor).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

import { describeRedisError, type RedisCredential } from './redisClient';
import { KeyRing } from './processStore';
import {
	CLAIM_LEASE_MS,
	IssueMemoryUnreachableError,
	type ClaimOutcome,
	type IssueStore,
} from './store';

export const REDIS_KEY_PREFIX = 'n8n-nodes-ispm:issues:';

export interface RedisKeys {
	seen: string;
	sequence: string;
	claim(key: string): string;
}

export function redisKeys(scope: string): RedisKeys {
	const base = `${REDIS_KEY_PREFIX}{${scope}}`;
	return {
		seen: `${base}:seen`,
		sequence: `${base}:seq`,
		claim: (key) => `${base}:claim:${key}`,
	};
}

/** KEYS: seen, claim. ARGV: issue key, lease (ms), token. Returns {0 new | 1 seen | 2 pending, ms left}. */
const CLAIM_SCRIPT = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return {1, 0} end
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[2]) then return {0, 0} end
return {2, redis.call('PTTL', KEYS[2])}`;

/** KEYS: seen, claim, sequence. ARGV: issue key, capacity. Records the key as seen, ends its claim. */
const CONFIRM_SCRIPT = `
redis.call('DEL', KEYS[2])
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[3]), ARGV[1])
  local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
  if excess > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1) end
end
return 1`;

/** KEYS: claim. ARGV: token. Ends the claim only if this token still holds it. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface IssueScripts {
	ispmIssueClaim(
		seen: string,
		claim: string,
		key: string,
		leaseMs: number,
		token: string,
	): Promise<[number, number]>;
	ispmIssueConfirm(
		seen: string,
		claim: string,
		sequence: string,
		key: string,
		capacity: number,
	): Promise<number>;
	ispmIssueRelease(claim: string, token: string): Promise<number>;
}

/** The client with the scripts defined on it (ioredis runs them by SHA, loading them when Redis lacks them). */
function withScripts(client: Redis): Redis & IssueScripts {
	const scripted = client as Redis & Partial<IssueScripts>;
	if (!scripted.ispmIssueClaim) {
		client.defineCommand('ispmIssueClaim', { numberOfKeys: 2, lua: CLAIM_SCRIPT });
		client.defineCommand('ispmIssueConfirm', { numberOfKeys: 3, lua: CONFIRM_SCRIPT });
		client.defineCommand('ispmIssueRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
	}
	return scripted as Redis & IssueScripts;
}

/** A Redis client and the credential it was made from (the credential only for error messages). */
export interface RedisConnection {
	client: Redis;
	credential: RedisCredential;
}

export class RedisIssueStore implements IssueStore {
	private readonly keys: RedisKeys;

	private connection: Promise<{
		client: Redis & IssueScripts;
		credential: RedisCredential;
	}> | null = null;

	/**
	 * @param connect gives the client; called once, and only when a key is not in `cache` (loading n8n's
	 *   credential costs a database query and a decryption). Its errors reach the caller as they are.
	 * @param scope the trigger node: `<workflow id>:<node id>`.
	 * @param capacity `rememberIssues`.
	 * @param cache what this process knows to be seen (see `redisCacheFor`).
	 */
	constructor(
		private readonly connect: () => Promise<RedisConnection>,
		scope: string,
		private readonly capacity: number,
		private readonly cache: KeyRing,
	) {
		this.keys = redisKeys(scope);
	}

	async claim(key: string): Promise<ClaimOutcome> {
		if (this.cache.has(key)) return { state: 'seen' };
		const token = randomUUID();
		const [state, msLeft] = await this.ask(
			async (client) =>
				await client.ispmIssueClaim(
					this.keys.seen,
					this.keys.claim(key),
					key,
					CLAIM_LEASE_MS,
					token,
				),
		);
		if (state === 1) {
			this.cache.add(key);
			return { state: 'seen' };
		}
		if (state === 2) return { state: 'pending', retryAfterMs: Math.max(msLeft, 0) };
		return {
			state: 'new',
			claim: {
				confirm: async () => await this.confirm(key),
				release: async () => {
					await this.ask(
						async (client) => await client.ispmIssueRelease(this.keys.claim(key), token),
					);
				},
			},
		};
	}

	/** Known to this process as seen: Redis has recorded it already, nothing to do. */
	async confirm(key: string): Promise<void> {
		if (this.cache.has(key)) return;
		await this.ask(
			async (client) =>
				await client.ispmIssueConfirm(
					this.keys.seen,
					this.keys.claim(key),
					this.keys.sequence,
					key,
					this.capacity,
				),
		);
		this.cache.add(key);
	}

	/** Runs a command; whatever fails becomes an `IssueMemoryUnreachableError` saying why. */
	private async ask<T>(command: (client: Redis & IssueScripts) => Promise<T>): Promise<T> {
		this.connection ??= this.connect().then(({ client, credential }) => ({
			client: withScripts(client),
			credential,
		}));
		const { client, credential } = await this.connection;
		const result = await command(client).then(
			(value) => ({ ok: true as const, value }),
			(error: unknown) => ({ ok: false as const, error }),
		);
		if (!result.ok)
			throw new IssueMemoryUnreachableError(describeRedisError(result.error, credential));
		return result.value;
	}
}

const caches = new Map<string, KeyRing>();

/** What this process knows to be seen for one trigger node, kept as long as the process lives. */
export function redisCacheFor(scope: string, capacity: number): KeyRing {
	let cache = caches.get(scope);
	if (!cache || cache.capacity !== capacity) {
		cache = new KeyRing(capacity);
		caches.set(scope, cache);
	}
	return cache;
}
