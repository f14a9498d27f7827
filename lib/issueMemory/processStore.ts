/**
 * "This n8n Instance": the issue memory of one n8n process, persisted in the trigger node's static data.
 *
 * Why it works this way (measured on n8n 2.40.7, see the README's "De-duplication" section):
 * - Deliveries of one issue can overlap. Check-and-record must be atomic, and the only atomic place a
 *   trigger has without shared infrastructure is its own process: `claimNow()` is synchronous, so two
 *   overlapping deliveries can never both see an issue as new.
 * - n8n keeps a trigger's static data per request and per execution, each a copy loaded at its start and
 *   written back whole at its end; changes made in a `webhook()` that starts an execution are dropped. So
 *   the memory lives in the process (one store per trigger node, shared by every request and execution of
 *   the process), and the trigger's `execute()` points its execution's static data at the live ring
 *   (`persistInto`): whichever execution ends last saves every issue the process has seen, whatever order
 *   executions finish in.
 * - Only confirmed issues are saved, never pending claims: a claim whose execution was never created
 *   must not outlive a crash.
 * - A process may save only once its memory holds everything saved before it (`current`): it has merged a
 *   copy of the stored memory read after the process started. A copy that an execution carries from
 *   before (n8n resumes executions left in status `new` at start-up, with the static data they were
 *   created with) is merged, but does not make the memory current: saving it would overwrite newer saves.
 *
 * The ring keeps the newest `capacity` keys: recording is O(1), lookups are O(1) through a Map, and the
 * stored size stays flat once the ring is full (oldest forgotten first).
 */
import {
	CLAIM_LEASE_MS,
	KEY_LENGTH,
	MAX_REMEMBER_ISSUES,
	type ClaimOutcome,
	type IssueStore,
} from './store';

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

export const STATIC_DATA_KEY = 'seenIssues';

/** When this process started using this module (ms since the epoch). */
let processStartedAt = Date.now();

/**
 * Whether a delivery received at `receivedAt` (ms since the epoch) reached n8n after this process started,
 * so that the copy of the stored memory its execution carries was read after that too.
 */
export function receivedByThisProcess(receivedAt: number): boolean {
	return receivedAt >= processStartedAt;
}

const isRingShape = (value: unknown): value is { capacity: number; next: number } =>
	value !== null &&
	typeof value === 'object' &&
	typeof (value as { capacity?: unknown }).capacity === 'number' &&
	typeof (value as { next?: unknown }).next === 'number';

/** The keys of a stored ring, oldest first; none when it is missing or unreadable. */
function storedKeysOldestFirst(stored: unknown): string[] {
	if (!isRingShape(stored)) return [];
	const { keys } = stored as Partial<StoredIssueRing>;
	if (typeof keys !== 'string' || keys.length % KEY_LENGTH !== 0) return [];
	const slots: string[] = [];
	for (let at = 0; at < keys.length; at += KEY_LENGTH) slots.push(keys.slice(at, at + KEY_LENGTH));
	if (slots.length < stored.capacity) return slots;
	return [...slots.slice(stored.next), ...slots.slice(0, stored.next)];
}

/**
 * A bounded set of keys that forgets the oldest first. `toJSON` gives the stored form, so whatever
 * serialises static data (n8n, when an execution ends) writes the ring as it is at that moment.
 */
export class KeyRing {
	private readonly slots: string[] = [];

	private next = 0;

	/** key → slot. */
	private readonly index = new Map<string, number>();

	constructor(readonly capacity: number) {
		if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_REMEMBER_ISSUES) {
			throw new RangeError(
				`rememberIssues must be a whole number from 1 to ${MAX_REMEMBER_ISSUES}, got ${capacity}`,
			);
		}
	}

	get size(): number {
		return this.index.size;
	}

	has(key: string): boolean {
		return this.index.has(key);
	}

	/** Adds a key; false when it was already there. */
	add(key: string): boolean {
		if (this.index.has(key)) return false;
		if (this.slots.length < this.capacity) {
			this.index.set(key, this.slots.push(key) - 1);
		} else {
			this.index.delete(this.slots[this.next]);
			this.slots[this.next] = key;
			this.index.set(key, this.next);
			this.next = (this.next + 1) % this.capacity;
		}
		return true;
	}

	/** Every key, oldest first. */
	keys(): string[] {
		return this.slots.length < this.capacity
			? this.slots.slice()
			: [...this.slots.slice(this.next), ...this.slots.slice(0, this.next)];
	}

	toJSON(): StoredIssueRing {
		return { version: 2, capacity: this.capacity, next: this.next, keys: this.slots.join('') };
	}
}

export class ProcessIssueStore implements IssueStore {
	/** Confirmed issues: their executions exist. */
	readonly ring: KeyRing;

	/** Claims waiting for confirmation: key → when the lease ends (ms since the epoch). */
	private readonly pending = new Map<string, number>();

	private isCurrent: boolean;

	private readonly now: () => number;

	/**
	 * @param current whether the memory starts out holding everything ever saved.
	 * @param now the clock, in ms since the epoch (tests pass their own).
	 */
	constructor(
		capacity: number,
		{ current = false, now = Date.now }: { current?: boolean; now?: () => number } = {},
	) {
		this.ring = new KeyRing(capacity);
		this.isCurrent = current;
		this.now = now;
	}

	get capacity(): number {
		return this.ring.capacity;
	}

	/** Whether this memory holds everything saved before it, so that saving it loses nothing. */
	get current(): boolean {
		return this.isCurrent;
	}

	/** The synchronous check-and-record: nothing can interleave with it in this process. */
	claimNow(key: string): ClaimOutcome {
		if (this.ring.has(key)) return { state: 'seen' };
		const now = this.now();
		const leaseEnd = this.pending.get(key);
		if (leaseEnd !== undefined && leaseEnd > now) {
			return { state: 'pending', retryAfterMs: leaseEnd - now };
		}
		if (this.pending.size > 1000) this.forgetExpiredClaims(now);
		this.pending.set(key, now + CLAIM_LEASE_MS);
		return {
			state: 'new',
			claim: {
				confirm: async () => await this.confirm(key),
				release: async () => {
					this.pending.delete(key);
				},
			},
		};
	}

	async claim(key: string): Promise<ClaimOutcome> {
		return this.claimNow(key);
	}

	async confirm(key: string): Promise<void> {
		this.record(key);
	}

	/** Records a key as seen (confirmed), ending any claim on it. */
	record(key: string): void {
		this.pending.delete(key);
		this.ring.add(key);
	}

	/**
	 * Adds the keys of a stored ring that this memory does not know yet, oldest first (a missing or
	 * unreadable value adds nothing). `current`: the copy was read from the database after this process
	 * started, so the memory now holds everything saved before it.
	 */
	merge(stored: unknown, { current }: { current: boolean }): void {
		if (stored !== this.ring) for (const key of storedKeysOldestFirst(stored)) this.record(key);
		if (current) this.isCurrent = true;
	}

	/**
	 * Points a static-data object at the live ring, so that n8n saves the ring as it is when it saves; does
	 * nothing (and returns false) while the memory is not `current`.
	 */
	persistInto(staticData: Record<string, unknown>): boolean {
		if (!this.isCurrent) return false;
		staticData[STATIC_DATA_KEY] = this.ring;
		return true;
	}

	/** Every confirmed key, oldest first. */
	keys(): string[] {
		return this.ring.keys();
	}

	private forgetExpiredClaims(now: number): void {
		for (const [key, leaseEnd] of this.pending) if (leaseEnd <= now) this.pending.delete(key);
	}
}

/**
 * One store per trigger node per process. Node classes are loaded once per n8n process, so this map is
 * shared by every request and execution of the process, and starts empty after a restart.
 */
const stores = new Map<string, ProcessIssueStore>();

/**
 * The process store of one trigger node (`scope`: workflow id and node id), created on first use. A changed
 * `capacity` keeps the newest confirmed keys that fit.
 */
export function processStoreFor(scope: string, capacity: number): ProcessIssueStore {
	let store = stores.get(scope);
	if (store && store.capacity !== capacity) {
		const resized = new ProcessIssueStore(capacity);
		resized.merge(store.ring.toJSON(), { current: store.current });
		store = resized;
		stores.set(scope, store);
	}
	if (!store) {
		store = new ProcessIssueStore(capacity);
		stores.set(scope, store);
	}
	return store;
}

/** Forgets every process store and starts the process's clock anew: what a restart does. For tests. */
export function forgetAllProcessStores(): void {
	stores.clear();
	processStartedAt = Date.now();
}
