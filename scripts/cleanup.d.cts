export interface TrackedResource {
	/** A process to end. */
	pid?: number;
	/** It leads its own process group (started detached): the whole group is signalled. */
	group?: boolean;
	/** Default SIGKILL. */
	signal?: NodeJS.Signals;
	/** A string its command line contains; a reused pid of an unrelated process is never signalled. */
	match?: string;
	/** A folder to remove (after the process). */
	dir?: string;
}

export declare const REGISTRY_ENV: string;
export declare function track(key: string, resource: TrackedResource): void;
export declare function untrack(key: string): void;
export declare function releaseAllSync(): void;
export declare function installCleanup(): void;
export declare function finishCleanup(): void;
