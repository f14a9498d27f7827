/// <reference types="node" />
import type { Runtime } from './n8n-instance.cjs';

export interface ExampleNode {
	id?: string;
	name: string;
	type: string;
	typeVersion?: number;
	webhookId?: string;
	onError?: string;
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
}

export interface ExampleWorkflow {
	id: string;
	name: string;
	nodes: ExampleNode[];
	connections: Record<string, unknown>;
	[key: string]: unknown;
}

export interface DemoCredential {
	id: string;
	name: string;
	type: string;
	data: Record<string, string>;
}

export interface ExampleTrigger {
	workflowId: string;
	workflowName: string;
	webhookId: string;
	location: 'header' | 'query';
	key: string | undefined;
	value: string | undefined;
}

export declare const EXAMPLES_DIR: string;
export declare const TRIGGER_TYPE: string;
export declare const TRIGGER_WEBHOOK_PATH: string;
export declare const NOT_PUBLISHED_BY_START: Record<string, string>;
export declare function exampleWorkflows(): Array<{ file: string; workflow: ExampleWorkflow }>;
export declare function isActivatable(workflow: ExampleWorkflow): boolean;
export declare function demoKeys(userFolder: string): Record<string, string>;
export declare function demoCredentials(
	keys: Record<string, string>,
	overrides?: Record<string, Record<string, string>>,
): DemoCredential[];
export declare function exampleTriggers(credentials: DemoCredential[]): ExampleTrigger[];
export declare function issueTable(): {
	name: string;
	columns: Array<{ name: string; type: string }>;
};
export declare function ensureIssueTable(
	runtime: Runtime,
	userFolder: string,
): Promise<{ id: string; created: boolean }>;
export declare function forN8nLine(
	workflow: ExampleWorkflow,
	n8nMajor: number,
	issueTableId: string,
): ExampleWorkflow;
export declare function runsOn(workflow: ExampleWorkflow, n8nMajor: number): boolean;
export declare function issueRows<T = Record<string, unknown>>(
	runtime: Runtime,
	userFolder: string,
	tableId: string,
): Promise<T[]>;
export declare function ownerExists(runtime: Runtime, userFolder: string): Promise<boolean>;
