/**
 * The Redis client behind the shared issue memory: `ioredis`, the client n8n itself ships and runs its
 * queue on. It is not bundled: `import('ioredis')` resolves to n8n's own copy (n8n puts its modules on
 * NODE_PATH, as for zod), and only when a trigger uses Redis.
 *
 * One client per credential per process, reused by every delivery. Bounded waits, all of them ioredis' own
 * (no timers here): connecting gives up after `REDIS_CONNECT_TIMEOUT_MS`, a command after
 * `REDIS_COMMAND_TIMEOUT_MS`, and while the connection is down commands fail at once instead of queueing
 * (ioredis reconnects in the background). So a dead Redis costs a delivery at most about 1.5 s.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Redis, RedisOptions } from 'ioredis';

import { redactSecrets } from '../redact';
import { IssueMemoryConfigError, IssueMemoryUnreachableError } from './store';

/** The fields of credential type `ispmRedisApi` ("ISPM Issue Memory (Redis)"). */
export interface RedisCredential {
	host?: string;
	port?: number;
	/** Database number (SELECT). */
	database?: number;
	/** ACL user (Redis 6+); empty for the default user. */
	user?: string;
	password?: string;
	ssl?: boolean;
}

export const REDIS_CONNECT_TIMEOUT_MS = 1_000;
export const REDIS_COMMAND_TIMEOUT_MS = 500;
/** Longest pause between ioredis' reconnection attempts while Redis is down. */
export const REDIS_MAX_RECONNECT_DELAY_MS = 1_000;
/** Test connection is a person waiting for one answer: it may wait longer than a delivery. */
export const REDIS_TEST_TIMEOUT_MS = 5_000;

export const REDIS_CLIENT_MISSING_MESSAGE =
	'This n8n does not provide the Redis client (ioredis) that the Redis issue memory needs. Choose "This n8n Instance" under Remember Issues In, or run an n8n version that ships ioredis (every n8n 1.x and 2.x release does).';

type RedisClass = new (options: RedisOptions) => Redis;

/** ioredis' client class, as this n8n provides it. Throws `IssueMemoryConfigError` when it does not. */
export async function loadRedisClass(): Promise<RedisClass> {
	let loaded: { default?: RedisClass; Redis?: RedisClass } | undefined;
	try {
		loaded = (await import('ioredis')) as unknown as typeof loaded;
	} catch {
		loaded = undefined;
	}
	const RedisClient = loaded?.Redis ?? loaded?.default;
	if (typeof RedisClient !== 'function') {
		throw new IssueMemoryConfigError(REDIS_CLIENT_MISSING_MESSAGE);
	}
	return RedisClient;
}

/** Where the credential points, for messages: `host:port/database`. Never holds a secret. */
export function redisEndpoint(credential: RedisCredential): string {
	const { host, port, database } = withDefaults(credential);
	return `${host}:${port}${database ? `/${database}` : ''}`;
}

function withDefaults(credential: RedisCredential): Required<RedisCredential> {
	return {
		host: (credential.host ?? '').trim() || 'localhost',
		port: Number(credential.port) || 6379,
		database: Number(credential.database) || 0,
		user: (credential.user ?? '').trim(),
		password: credential.password ?? '',
		ssl: credential.ssl === true,
	};
}

/** An IPv4 or IPv6 address rather than a host name. */
const isAddress = (host: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');

/** ioredis options for a credential: `test` for Test connection (one attempt, longer waits). */
export function redisOptions(credential: RedisCredential, { test = false } = {}): RedisOptions {
	const { host, port, database, user, password, ssl } = withDefaults(credential);
	if (!Number.isInteger(port) || port < 1 || port > 65535) {
		throw new IssueMemoryConfigError(`Port must be a whole number from 1 to 65535, got ${port}`);
	}
	if (!Number.isInteger(database) || database < 0) {
		throw new IssueMemoryConfigError(`Database must be a whole number from 0, got ${database}`);
	}
	return {
		host,
		port,
		db: database,
		username: user || undefined,
		password: password || undefined,
		// SNI takes a host name, never an address.
		tls: ssl ? (isAddress(host) ? {} : { servername: host }) : undefined,
		connectionName: 'n8n-nodes-ispm',
		lazyConnect: true,
		enableOfflineQueue: false,
		connectTimeout: test ? REDIS_TEST_TIMEOUT_MS : REDIS_CONNECT_TIMEOUT_MS,
		commandTimeout: test ? REDIS_TEST_TIMEOUT_MS : REDIS_COMMAND_TIMEOUT_MS,
		maxRetriesPerRequest: 0,
		retryStrategy: test
			? () => null
			: (attempt: number) => Math.min(attempt * 100, REDIS_MAX_RECONNECT_DELAY_MS),
	};
}

/**
 * What went wrong, in words a user can act on. `error` is what ioredis threw or emitted; the credential's
 * password never appears in the result.
 */
export function describeRedisError(error: unknown, credential: RedisCredential): string {
	const where = redisEndpoint(credential);
	const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
	const text = typeof message === 'string' ? message : String(error);
	const reason = ((): string => {
		if (code === 'ECONNREFUSED')
			return `Redis at ${where} refused the connection: is it running, and are Host and Port right?`;
		if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
			return `The Redis host "${withDefaults(credential).host}" was not found: check Host`;
		if (code === 'ETIMEDOUT' || /connect ETIMEDOUT/.test(text))
			return credential.ssl === true
				? `Redis at ${where} did not complete a TLS connection in time: check that the server expects TLS (SSL), and Host, Port and firewalls`
				: `Redis at ${where} did not accept a connection in time: check Host, Port and firewalls`;
		if (/Command timed out/i.test(text)) return `Redis at ${where} did not answer in time`;
		if (/WRONGPASS|invalid username-password|invalid password/i.test(text))
			return `Redis at ${where} refused the user or password: check User and Password`;
		if (/NOAUTH/.test(text))
			return `Redis at ${where} requires a password: set Password (and User for an ACL user)`;
		if (/NOPERM/.test(text))
			return `The Redis user may not run what the issue memory needs (EVAL/EVALSHA on its keys): ${text}`;
		if (/READONLY/.test(text))
			return `Redis at ${where} is a read-only replica: point the credential at the primary`;
		if (/DB index is out of range/i.test(text))
			return `Redis at ${where} has no database ${withDefaults(credential).database}: check Database`;
		if (
			(typeof code === 'string' &&
				/^(ERR_SSL|ERR_TLS|EPROTO|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED)/.test(code)) ||
			/SSL|TLS|certificate/i.test(text)
		)
			return `TLS with Redis at ${where} failed (${text}): check that SSL matches the server, and its certificate`;
		if (code === 'ECONNRESET' || /Connection is closed/i.test(text))
			return `Redis at ${where} closed the connection: if the server expects TLS, turn on SSL (and off if not)`;
		if (/Stream isn't writeable/i.test(text))
			return `Not connected to Redis at ${where} (reconnecting)`;
		return `Redis at ${where}: ${text}`;
	})();
	const { password } = withDefaults(credential);
	return password ? redactSecrets(reason, [password]) : reason;
}

interface SharedClient {
	fingerprint: string;
	client: Redis;
	/** The reason of the last connection error, for messages while the connection is down. */
	lastError?: unknown;
	connecting?: Promise<void>;
}

const sharedClients = new Map<string, SharedClient>();

/** Reports connection trouble once per outage and recovery once: what goes to n8n's log. */
export type RedisConnectionLog = (event: 'down' | 'up', message: string) => void;

/**
 * The process's client for one credential (`credentialId`), connected. A changed credential replaces its
 * client. Throws `IssueMemoryUnreachableError` when Redis cannot be reached (in at most
 * `REDIS_CONNECT_TIMEOUT_MS`), `IssueMemoryConfigError` when the credential or this n8n cannot work.
 */
export async function sharedRedisClient(
	credentialId: string,
	credential: RedisCredential,
	log: RedisConnectionLog,
): Promise<Redis> {
	const options = redisOptions(credential);
	// Loaded before the map is looked at: from here to `set`, nothing awaits, so concurrent first
	// deliveries cannot each create (and leak) a client.
	const RedisClient = await loadRedisClass();
	const fingerprint = createHash('sha256')
		.update(JSON.stringify(withDefaults(credential)))
		.digest('hex');
	let shared = sharedClients.get(credentialId);
	if (shared && shared.fingerprint !== fingerprint) {
		retire(shared.client);
		shared = undefined;
	}
	if (!shared) {
		const created: SharedClient = { fingerprint, client: new RedisClient(options) };
		// Logged once when the connection is lost (or never made) and once when it is back.
		let down = false;
		const wentDown = (message: string) => {
			if (!down) log('down', message);
			down = true;
		};
		created.client.on('error', (error: unknown) => {
			created.lastError = error;
			wentDown(describeRedisError(error, credential));
		});
		created.client.on('close', () =>
			wentDown(`Lost the connection to Redis at ${redisEndpoint(credential)}; reconnecting`),
		);
		created.client.on('ready', () => {
			if (down) log('up', `Connected to Redis at ${redisEndpoint(credential)} again`);
			down = false;
		});
		shared = created;
		sharedClients.set(credentialId, shared);
	}
	const { client } = shared;
	if (client.status === 'ready') return client;
	if (client.status === 'wait' || client.status === 'end') {
		const connecting = shared;
		// ioredis reports a failed SELECT only as an event and goes on in database 0: select explicitly.
		const { db } = options;
		connecting.connecting ??= client
			.connect()
			.then(async () => {
				if (db) await client.select(db);
			})
			.finally(() => {
				connecting.connecting = undefined;
			});
	}
	let failure: unknown = shared.connecting
		? undefined
		: (shared.lastError ?? `Redis is ${client.status}`);
	if (shared.connecting) {
		try {
			await shared.connecting;
		} catch (error) {
			failure = shared.lastError ?? error;
		}
	}
	if (failure !== undefined) {
		throw new IssueMemoryUnreachableError(describeRedisError(failure, credential));
	}
	return client;
}

/** Disconnects a client that is no longer used, without reporting it as an outage. */
function retire(client: Redis): void {
	client.removeAllListeners();
	client.on('error', () => undefined);
	client.disconnect();
}

/** Closes every shared client: for tests, and what a process exit does. */
export async function closeSharedRedisClients(): Promise<void> {
	const all = [...sharedClients.values()];
	sharedClients.clear();
	for (const { client } of all) retire(client);
}

export interface RedisConnectionTestResult {
	status: 'OK' | 'Error';
	message: string;
}

const TEST_KEY_PREFIX = 'n8n-nodes-ispm:connection-test:';

/**
 * Test connection for `ispmRedisApi`: connects with the credential (one attempt), checks that the server
 * takes writes and scripts on this database (a replica or an ACL without EVAL would fail every delivery),
 * removes what it wrote, and says in plain words what is wrong otherwise.
 */
export async function testRedisConnection(
	credential: RedisCredential,
): Promise<RedisConnectionTestResult> {
	let client: Redis | undefined;
	let lastError: unknown;
	try {
		const RedisClient = await loadRedisClass();
		client = new RedisClient(redisOptions(credential, { test: true }));
		client.on('error', (error: unknown) => {
			lastError ??= error;
		});
		await client.connect();
		// ioredis reports a failed SELECT only as an event and goes on in database 0: select explicitly.
		const { database } = withDefaults(credential);
		if (database) await client.select(database);
		const key = `${TEST_KEY_PREFIX}${randomUUID()}`;
		await client.set(key, '1', 'PX', 10_000);
		await client.eval("return redis.call('DEL', KEYS[1])", 1, key);
		const info = await client.info('server');
		const version = /redis_version:([^\r\n]+)/.exec(info)?.[1];
		return {
			status: 'OK',
			message: `Connected to Redis${version ? ` ${version}` : ''} at ${redisEndpoint(credential)}: the issue memory can read and write there`,
		};
	} catch (error) {
		if (error instanceof IssueMemoryConfigError) return { status: 'Error', message: error.message };
		const closedOnly = error instanceof Error && /Connection is closed/i.test(error.message);
		return {
			status: 'Error',
			message: describeRedisError(closedOnly && lastError ? lastError : error, credential),
		};
	} finally {
		client?.disconnect();
	}
}
