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
 * The ring keeps the newest `capacity` keys: recording is O(1), lookups are O(1) through a Map, and the
 * stored size stays flat once the ring is full (oldest forgotten first).
 */

import { createHash } from 'node:crypto';

/**
 * What is remembered of an issue id: the first 96 bits of its SHA-256, base64url (16 characters). Fixed
 * width keeps the stored ring small and its size independent of how long ISPM's ids are; at a million
 * remembered issues the chance that any two ids share a key is below 1 in 10^16.
 */
export const KEY_LENGTH = 16;

export function issueKey(issueId: string): string {
	return createHash('sha256').update(issueId, 'utf8').digest('base64url').slice(0, KEY_LENGTH);
}

/**
 * The stored form, kept in the trigger node's static data under `STATIC_DATA_KEY`: the ring's keys
 * concatenated into one string. n8n loads a workflow's static data on every webhook request, so one flat
 * string (parsed in one step, nothing for n8n to walk) keeps that cost small even at 100,000 issues.
 */
export interface StoredIssueRing {
	version: 2;
	capacity: number;
	/** Slot the next new key goes to once the ring is full. */
	next: number;
	keys: string;
}

/** The first stored form (plain ids); still read, so that memories saved by 0.1.0 pre-releases load. */
interface StoredIssueRingV1 {
	version: 1;
	capacity: number;
	next: number;
	ids: string[];
}

export const STATIC_DATA_KEY = 'seenIssues';
export const DEFAULT_REMEMBER_ISSUES = 10_000;
export const MAX_REMEMBER_ISSUES = 1_000_000;

const isRingShape = (value: unknown): value is { capacity: number; next: number } =>
	value !== null &&
	typeof value === 'object' &&
	typeof (value as { capacity?: unknown }).capacity === 'number' &&
	typeof (value as { next?: unknown }).next === 'number';

/** The keys of a stored ring, oldest first; none when it is missing or unreadable. */
function storedKeysOldestFirst(stored: unknown): string[] {
	if (!isRingShape(stored)) return [];
	let slots: string[];
	const { keys } = stored as Partial<StoredIssueRing>;
	const { ids } = stored as Partial<StoredIssueRingV1>;
	if (typeof keys === 'string' && keys.length % KEY_LENGTH === 0) {
		slots = [];
		for (let at = 0; at < keys.length; at += KEY_LENGTH)
			slots.push(keys.slice(at, at + KEY_LENGTH));
	} else if (Array.isArray(ids) && ids.every((id) => typeof id === 'string')) {
		slots = ids.map(issueKey);
	} else {
		return [];
	}
	if (slots.length < stored.capacity) return slots;
	return [...slots.slice(stored.next), ...slots.slice(0, stored.next)];
}

/**
 * The ring itself. `toJSON` gives the stored form, so whatever serialises static data (n8n, when an
 * execution ends) writes the ring as it is at that moment.
 */
class IssueRing {
	readonly slots: string[] = [];

	next = 0;

	constructor(readonly capacity: number) {}

	toJSON(): StoredIssueRing {
		return { version: 2, capacity: this.capacity, next: this.next, keys: this.slots.join('') };
	}
}

export class IssueMemory {
	readonly ring: IssueRing;

	/** key → slot in the ring. */
	private readonly index = new Map<string, number>();

	constructor(capacity: number = DEFAULT_REMEMBER_ISSUES) {
		if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_REMEMBER_ISSUES) {
			throw new RangeError(
				`rememberIssues must be a whole number from 1 to ${MAX_REMEMBER_ISSUES}, got ${capacity}`,
			);
		}
		this.ring = new IssueRing(capacity);
	}

	get capacity(): number {
		return this.ring.capacity;
	}

	get size(): number {
		return this.index.size;
	}

	has(issueId: string): boolean {
		return this.index.has(issueKey(issueId));
	}

	/**
	 * Records `issueId` and returns true when it was not seen before; returns false, changing nothing,
	 * when it was. Synchronous on purpose: nothing can interleave between the check and the record.
	 */
	claim(issueId: string): boolean {
		return this.claimKey(issueKey(issueId));
	}

	/**
	 * Adds the keys of a stored ring that this memory does not know yet, oldest first. A missing or
	 * unreadable stored value adds nothing.
	 */
	hydrate(stored: unknown): void {
		if (stored === this.ring) return;
		for (const key of storedKeysOldestFirst(stored)) this.claimKey(key);
	}

	/** Every remembered key, oldest first. */
	keys(): string[] {
		const { slots, next, capacity } = this.ring;
		return slots.length < capacity
			? slots.slice()
			: [...slots.slice(next), ...slots.slice(0, next)];
	}

	/** Points a static-data object at the live ring, so that n8n saves the ring as it is when it saves. */
	persistInto(staticData: Record<string, unknown>): void {
		staticData[STATIC_DATA_KEY] = this.ring;
	}

	private claimKey(key: string): boolean {
		if (this.index.has(key)) return false;
		const { ring } = this;
		if (ring.slots.length < ring.capacity) {
			this.index.set(key, ring.slots.push(key) - 1);
		} else {
			this.index.delete(ring.slots[ring.next]);
			ring.slots[ring.next] = key;
			this.index.set(key, ring.next);
			ring.next = (ring.next + 1) % ring.capacity;
		}
		return true;
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
		resized.hydrate({ capacity: memory.capacity, next: 0, keys: memory.keys().join('') });
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
