/// <reference types="node" />
import type { QueryFn, Runtime } from './n8n-instance.cjs';
import type { PostgresServer } from './services.cjs';

export interface ClusterProcess {
	/** `main`, `worker1`, `webhook2`, … */
	name: string;
	role: 'main' | 'worker' | 'webhook';
	env: NodeJS.ProcessEnv;
	logFile: string;
	/** N8N_PORT (webhooks are served here by main and webhook processes). */
	port: number;
	baseUrl: string;
	readonly pid: number | null;
	readonly isRunning: boolean;
	/** Boots it and waits until it is ready (main: also until its published workflows are active). */
	start(): Promise<ClusterProcess>;
	/** SIGTERM, n8n finishes what runs; SIGKILL after timeoutMs. */
	stop(options?: { timeoutMs?: number }): Promise<void>;
	/** SIGKILL to the process and its task runner, at once. */
	kill(): Promise<void>;
	tail(chars?: number): string;
}

export interface Cluster {
	query: QueryFn & { close(): Promise<void> };
	workDir: string;
	readonly processes: ClusterProcess[];
	readonly main: ClusterProcess;
	readonly workers: ClusterProcess[];
	readonly webhooks: ClusterProcess[];
	addWorker(): Promise<ClusterProcess>;
	removeProcess(process: ClusterProcess): Promise<void>;
	startAll(): Promise<void>;
	stopAll(): Promise<void>;
	restartAll(): Promise<void>;
	tails(chars?: number): string;
	stop(): Promise<void>;
}

export interface CredentialImport {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

export declare const QUEUE_RECOVERY_INTERVAL_MIN: string;
export declare function postgresQuery(
	runtime: Runtime,
	postgres: Pick<PostgresServer, 'host' | 'port' | 'database' | 'user' | 'password'>,
): QueryFn & { close(): Promise<void> };
export declare function startCluster(options: {
	runtime: Runtime;
	tarball: string;
	workDir: string;
	postgres: Pick<PostgresServer, 'host' | 'port' | 'database' | 'user' | 'password'>;
	redis: { host: string; port: number };
	workers?: number;
	webhooks?: number;
	credentials?: CredentialImport[];
	workflows?: Array<{ id: string } & Record<string, unknown>>;
	env?: Record<string, string>;
}): Promise<Cluster>;
export declare function n8nProcess(options: {
	runtime: Runtime;
	name: string;
	role?: 'main' | 'worker' | 'webhook';
	/** n8n command (default `start`). */
	command?: string;
	env: NodeJS.ProcessEnv;
	logFile: string;
	readinessUrl?: string;
	/** For a main: wait until its published workflows are active, reading n8n's database with this. */
	query?: QueryFn;
}): ClusterProcess;
