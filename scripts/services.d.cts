/// <reference types="node" />

export interface RedisServer {
	name: string;
	host: string;
	port: number;
	/** Temporary folder: append-only file and redis.log. */
	dir: string;
	logFile: string;
	isRunning(): boolean;
	/** One inline command; resolves with the first line of the reply (e.g. `+PONG`). */
	command(command: string): Promise<string>;
	/** Starts it again on the same port and folder (after stop()). */
	start(): Promise<void>;
	/** SHUTDOWN by SIGTERM (what was written survives); resolves once it is gone. */
	stop(): Promise<void>;
	/** stop(), then deletes its folder. */
	remove(): Promise<void>;
}

export interface PostgresServer {
	name: string;
	host: string;
	port: number;
	/** Database and password user created for n8n. */
	database: string;
	user: string;
	password: string;
	dir: string;
	logFile: string;
	/** Runs SQL with psql as the cluster's owner (database `postgres` unless given); returns its output. */
	psql(sql: string, database?: string): string;
	stop(): Promise<void>;
	remove(): Promise<void>;
}

export declare function ensureServerPackages(packages?: Array<'redis-server' | 'postgresql'>): {
	redisServer: string | null;
	postgresBin: string | null;
};
export declare function postgresBinDir(): string | null;
export declare function startRedis(options?: {
	name?: string;
	persist?: boolean;
	/** More redis-server options, e.g. ['--requirepass', p]. */
	extraArgs?: string[];
	/** TLS only on the port, with a self-signed certificate. */
	tls?: boolean;
}): Promise<RedisServer>;
export declare function startPostgres(options?: { name?: string }): Promise<PostgresServer>;
export declare function redisCommand(
	port: number,
	command: string,
	timeoutMs?: number,
	useTls?: boolean,
): Promise<string>;
export declare function tailOf(file: string, chars?: number): string;
