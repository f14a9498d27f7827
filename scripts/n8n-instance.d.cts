/// <reference types="node" />
import type { ChildProcess } from 'node:child_process';

export interface Runtime {
	/** Node >= 24 binary that runs n8n. */
	node: string;
	/** n8n's entry script (node_modules/n8n/bin/n8n). */
	n8nBin: string;
	/** Folder holding node_modules/n8n. */
	n8nDir: string;
	/** The n8n version installed there, e.g. 2.40.7. */
	n8nVersion: string;
}

export interface OwnerAccount {
	email: string;
	password: string;
	firstName: string;
	lastName: string;
}

export interface RestSession {
	request(
		method: string,
		path: string,
		body?: unknown,
	): Promise<{ status: number; body: unknown; text: string }>;
}

export interface Publication {
	workflowId: string;
	name: string;
	/** `completed` when the workflow's triggers are active; `failed` / `partial_success` otherwise. */
	status: string;
	errorMessage: string | null;
}

export interface RunningN8n {
	child: ChildProcess;
	pid: number;
	port: number;
	baseUrl: string;
	/** Outcome of activating each published workflow at this start (null when n8n has no publication outbox). */
	publications: Publication[] | null;
	stop(options?: { timeoutMs?: number }): Promise<void>;
}

export declare const ROOT: string;
export declare const PACKAGE_NAME: string;
export declare function provision(): Runtime;
export declare function buildPackage(options?: { root?: string; quiet?: boolean }): void;
export declare function packPackage(options?: { root?: string; destDir?: string }): string;
export declare function installPackage(options: {
	userFolder: string;
	tarball: string;
	quiet?: boolean;
}): string;
export declare function n8nEnv(options: {
	runtime: Runtime;
	userFolder: string;
	port?: number;
	brokerPort?: number;
	listenAddress?: string;
	extra?: Record<string, string>;
}): NodeJS.ProcessEnv;
export declare function n8nCli(
	runtime: Runtime,
	env: NodeJS.ProcessEnv,
	args: string[],
	options?: { quiet?: boolean },
): string;
export declare function importCredentials(
	runtime: Runtime,
	env: NodeJS.ProcessEnv,
	file: string,
	options?: { quiet?: boolean },
): string;
export declare function importWorkflows(
	runtime: Runtime,
	env: NodeJS.ProcessEnv,
	fileOrDir: string,
	options?: { quiet?: boolean },
): string;
export declare function publishWorkflow(
	runtime: Runtime,
	env: NodeJS.ProcessEnv,
	id: string,
	options?: { quiet?: boolean },
): string;
/** Runs one SQL statement against n8n's database; `?` placeholders. */
export type QueryFn = <T = Record<string, unknown>>(
	sql: string,
	params?: Array<string | number | null>,
) => Promise<T[]>;
export declare function publishWorkflows(
	runtime: Runtime,
	env: NodeJS.ProcessEnv,
	ids: string[],
	options?: { query?: QueryFn },
): Promise<void>;
export declare function n8nMajor(runtime: Runtime): number;
export declare function ownerSession(
	baseUrl: string,
	owner: OwnerAccount,
	options?: { create?: boolean },
): Promise<RestSession>;
export declare function runWorkflowManually(
	session: RestSession,
	workflowId: string,
	triggerName: string,
): Promise<string>;
export declare function getFreePort(): Promise<number>;
export declare function startN8n(options: {
	runtime: Runtime;
	env: NodeJS.ProcessEnv;
	/** The n8n command: `start` (default), `worker`, `webhook`, or an argument list. */
	command?: string | string[];
	/** Default http://127.0.0.1:<N8N_PORT>/healthz/readiness. */
	readinessUrl?: string;
	/** 'inherit' (default) or a log file path to append to. */
	output?: string;
	detached?: boolean;
	readyTimeoutMs?: number;
	/** Also wait until n8n has activated every published workflow (default true). */
	waitForWorkflows?: boolean;
	/** Called with the n8n process right after it is spawned (before it is ready). */
	onSpawn?: (child: ChildProcess) => void;
}): Promise<RunningN8n>;
export declare function waitForPublications(
	runtime: Runtime,
	userFolder: string,
	timeoutMs?: number,
): Promise<Publication[]>;
export declare function waitForPublicationsIn(
	query: QueryFn,
	options?: { timeoutMs?: number; hasExited?: () => unknown },
): Promise<Publication[]>;
export declare function sqliteQuery(runtime: Runtime, userFolder: string): QueryFn;
export declare function stopN8n(
	childOrPid: ChildProcess | number,
	options?: { timeoutMs?: number },
): Promise<void>;
export declare function isAlive(pid: number): boolean;
export declare function isN8nProcess(pid: number): boolean;
export declare function databaseFile(userFolder: string): string;
export declare function queryDb<T = Record<string, unknown>>(
	runtime: Runtime,
	userFolder: string,
	sql: string,
	params?: Array<string | number | null>,
): Promise<T[]>;
export declare function transactDb<T = Record<string, unknown>>(
	runtime: Runtime,
	userFolder: string,
	statements: Array<{ sql: string; params?: Array<string | number | null> }>,
): Promise<T[]>;
export declare function workflowFiles(dir: string): string[];
export declare function sleep(ms: number): Promise<void>;
