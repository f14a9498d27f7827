/**
 * De-duplication: which ISPM issues a trigger has already seen.
 *
 * Why it works this way (measured on n8n 2.40.7, see the README's "De-duplication" section):
 * - Deliveries of one issue can overlap. Check-and-record must be atomic, and the only atomic place a
 *   trigger has is its own process: `claim()` is synchronous, so two overlapping `webhook()` calls for
 *   one issue can never both see it as new.
 * - n8n keeps a trigger's static data per request and per execution, each a copy loaded at its start and
 *   written back whole at its end; changes made in a `webhook()` that starts an execution are dropped.
 *   So the memory lives in the process (one `IssueMemory` per trigger node, shared by every request and
 *   execution of that process) and is persisted from the trigger's `execute()`, which runs in the
 *   execution phase, by pointing the execution's static data at the live ring (`persistInto`). Whenever
 *   any execution ends, n8n serialises the ring as it is then: every save holds every issue this process
 *   has seen so far, so overlapping executions cannot erase each other's records, whatever order they
 *   finish in.
 * - After a restart the first request (or execution) loads the saved ring back (`hydrate`).
 *
 * The ring keeps the newest `capacity` ids: recording is O(1), lookups are O(1) through a Map, and the
 * stored size stays flat once the ring is full (oldest forgotten first).
 */

/** The stored form, kept in the trigger node's static data under `STATIC_DATA_KEY`. */
export interface StoredIssueRing {
	version: 1;
	capacity: number;
	/** Slot the next new id goes to once `ids` is full. */
	next: number;
	ids: string[];
}

export const STATIC_DATA_KEY = 'seenIssues';
export const DEFAULT_REMEMBER_ISSUES = 10_000;
export const MAX_REMEMBER_ISSUES = 1_000_000;

function isStoredRing(value: unknown): value is StoredIssueRing {
	if (value === null || typeof value !== 'object') return false;
	const ring = value as Partial<StoredIssueRing>;
	return (
		typeof ring.capacity === 'number' &&
		typeof ring.next === 'number' &&
		Array.isArray(ring.ids) &&
		ring.ids.every((id) => typeof id === 'string')
	);
}

/** The ids of a stored ring, oldest first. */
function oldestFirst(ring: StoredIssueRing): string[] {
	if (ring.ids.length < ring.capacity) return ring.ids.slice();
	return [...ring.ids.slice(ring.next), ...ring.ids.slice(0, ring.next)];
}

export class IssueMemory {
	readonly ring: StoredIssueRing;

	private readonly slots = new Map<string, number>();

	constructor(capacity: number = DEFAULT_REMEMBER_ISSUES) {
		if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_REMEMBER_ISSUES) {
			throw new RangeError(
				`rememberIssues must be a whole number from 1 to ${MAX_REMEMBER_ISSUES}, got ${capacity}`,
			);
		}
		this.ring = { version: 1, capacity, next: 0, ids: [] };
	}

	get capacity(): number {
		return this.ring.capacity;
	}

	get size(): number {
		return this.slots.size;
	}

	has(issueId: string): boolean {
		return this.slots.has(issueId);
	}

	/**
	 * Records `issueId` and returns true when it was not seen before; returns false, changing nothing,
	 * when it was. Synchronous on purpose: nothing can interleave between the check and the record.
	 */
	claim(issueId: string): boolean {
		if (this.slots.has(issueId)) return false;
		const { ring } = this;
		if (ring.ids.length < ring.capacity) {
			this.slots.set(issueId, ring.ids.push(issueId) - 1);
		} else {
			this.slots.delete(ring.ids[ring.next]);
			ring.ids[ring.next] = issueId;
			this.slots.set(issueId, ring.next);
			ring.next = (ring.next + 1) % ring.capacity;
		}
		return true;
	}

	/**
	 * Adds the ids of a stored ring that this memory does not know yet, oldest first. A missing or
	 * unreadable stored value adds nothing.
	 */
	hydrate(stored: unknown): void {
		if (!isStoredRing(stored) || stored === this.ring) return;
		for (const issueId of oldestFirst(stored)) this.claim(issueId);
	}

	/** Every remembered id, oldest first. */
	ids(): string[] {
		return oldestFirst(this.ring);
	}

	/** Points a static-data object at the live ring, so that n8n saves the ring as it is when it saves. */
	persistInto(staticData: Record<string, unknown>): void {
		staticData[STATIC_DATA_KEY] = this.ring;
	}
}

/**
 * One memory per trigger node per process. Node classes are loaded once per n8n process, so this map is
 * shared by every request and execution of the process, and starts empty after a restart.
 */
const memories = new Map<string, IssueMemory>();

/**
 * The memory of one trigger node (`scope`: workflow id and node id), created and filled from the stored
 * ring on first use in this process. A changed `capacity` keeps the newest ids that fit.
 */
export function memoryFor(scope: string, capacity: number, stored: unknown): IssueMemory {
	let memory = memories.get(scope);
	if (memory && memory.capacity !== capacity) {
		const resized = new IssueMemory(capacity);
		for (const issueId of memory.ids()) resized.claim(issueId);
		memory = resized;
		memories.set(scope, memory);
	}
	if (!memory) {
		memory = new IssueMemory(capacity);
		memory.hydrate(stored);
		memories.set(scope, memory);
	}
	return memory;
}

/** Forgets every memory of this process: what a restart does. For tests. */
export function forgetAllMemories(): void {
	memories.clear();
}
