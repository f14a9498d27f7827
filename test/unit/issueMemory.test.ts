import {
	claimIssue,
	CLAIM_LEASE_MS,
	forgetAllProcessStores,
	issueKey,
	KeyRing,
	ProcessIssueStore,
	processStoreFor,
	STATIC_DATA_KEY,
	type ClaimOutcome,
	type IssueStore,
} from '../../lib/issueMemory';

const keysOf = (...ids: string[]) => ids.map(issueKey);

afterEach(() => forgetAllProcessStores());

/** A clock the test moves by hand, in ms since the epoch. */
function manualClock(start = 1_000_000) {
	let now = start;
	return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('KeyRing', () => {
	it('should add a key once', () => {
		const ring = new KeyRing(3);
		expect([ring.add('a'), ring.add('a'), ring.add('b')]).toEqual([true, false, true]);
		expect(ring.size).toBe(2);
	});

	it('should forget the oldest first when full, keeping capacity keys', () => {
		const ring = new KeyRing(3);
		for (const key of ['a', 'b', 'c', 'd', 'e']) ring.add(key);
		expect(ring.keys()).toEqual(['c', 'd', 'e']);
		expect(ring.has('a') || ring.has('b')).toBe(false);
		expect(ring.add('a')).toBe(true);
		expect(ring.keys()).toEqual(['d', 'e', 'a']);
	});

	it.each([[0], [-1], [1.5], [2_000_000]])(
		'should reject a capacity of %p, naming the option',
		(capacity) => {
			expect(() => new KeyRing(capacity)).toThrow(
				'rememberIssues must be a whole number from 1 to 1000000',
			);
		},
	);

	it('should still add, recognise and forget correctly when full at a million keys', () => {
		// Lookups are a Map's (O(1)); no timing is asserted here: machines are shared and noisy.
		const ring = new KeyRing(1_000_000);
		for (let i = 0; i < 1_000_000; i++) ring.add(issueKey(`Alert_${i}`));
		expect(ring.size).toBe(1_000_000);
		expect(ring.add(issueKey('Alert_999999'))).toBe(false);
		expect(ring.add(issueKey('Alert_1000000'))).toBe(true);
		expect(ring.has(issueKey('Alert_0'))).toBe(false);
	});
});

describe('ProcessIssueStore', () => {
	it('should answer new, then pending while the claim holds, then seen once confirmed', async () => {
		const store = new ProcessIssueStore(10);
		const first = store.claimNow(issueKey('a'));
		expect(first.state).toBe('new');
		expect(store.claimNow(issueKey('a'))).toEqual({
			state: 'pending',
			retryAfterMs: CLAIM_LEASE_MS,
		});
		await (first as Extract<ClaimOutcome, { state: 'new' }>).claim.confirm();
		expect(store.claimNow(issueKey('a'))).toEqual({ state: 'seen' });
	});

	it('should make an issue new again when its claim is released', async () => {
		const store = new ProcessIssueStore(10);
		const first = store.claimNow(issueKey('a')) as Extract<ClaimOutcome, { state: 'new' }>;
		await first.claim.release();
		expect(store.claimNow(issueKey('a')).state).toBe('new');
	});

	it('should end a claim nobody settles after the lease, and say how long it still holds before', () => {
		const clock = manualClock();
		const store = new ProcessIssueStore(10, { now: clock.now });
		store.claimNow(issueKey('a'));
		clock.advance(CLAIM_LEASE_MS - 1500);
		expect(store.claimNow(issueKey('a'))).toEqual({ state: 'pending', retryAfterMs: 1500 });
		clock.advance(1500);
		expect(store.claimNow(issueKey('a')).state).toBe('new');
	});

	it('should never save a pending claim, only confirmed issues', async () => {
		const store = new ProcessIssueStore(10, { current: true });
		const staticData: Record<string, unknown> = {};
		store.persistInto(staticData);
		store.claimNow(issueKey('pending'));
		await store.confirm(issueKey('confirmed'));
		expect(JSON.parse(JSON.stringify(staticData))).toEqual({
			[STATIC_DATA_KEY]: { version: 2, capacity: 10, next: 0, keys: issueKey('confirmed') },
		});
	});

	it('should save only once it has merged a copy read after the process started', () => {
		const store = new ProcessIssueStore(10);
		const staticData: Record<string, unknown> = {};
		store.merge({ version: 2, capacity: 10, next: 0, keys: issueKey('old') }, { current: false });
		expect(store.persistInto(staticData)).toBe(false);
		expect(staticData).toEqual({});
		store.merge({ version: 2, capacity: 10, next: 0, keys: issueKey('new') }, { current: true });
		expect(store.persistInto(staticData)).toBe(true);
		expect(store.keys()).toEqual(keysOf('old', 'new'));
	});

	it('should restore the same keys, in order, from its stored form', async () => {
		const store = new ProcessIssueStore(4);
		for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) await store.confirm(issueKey(id));
		const restored = new ProcessIssueStore(4);
		restored.merge(JSON.parse(JSON.stringify(store.ring)), { current: true });
		expect(restored.keys()).toEqual(keysOf('c', 'd', 'e', 'f'));
		expect(restored.claimNow(issueKey('c'))).toEqual({ state: 'seen' });
	});

	it('should store a fixed 16 characters per issue, however long the ids are', async () => {
		const store = new ProcessIssueStore(2);
		await store.confirm(issueKey('x'.repeat(5000)));
		await store.confirm(issueKey('Alert_V32uL3CHijlQYHq-uqTkqWOXSJ8~'));
		expect(JSON.parse(JSON.stringify(store.ring)).keys).toHaveLength(32);
	});

	it.each([
		[undefined],
		[null],
		['text'],
		[{ capacity: 2, next: 0, ids: ['a'] }],
		[{ keys: issueKey('a') }],
		[{ capacity: 2, next: 0, keys: 'not a multiple of sixteen' }],
	])('should ignore an unreadable stored value %j', (stored) => {
		const store = new ProcessIssueStore(2);
		store.merge(stored, { current: true });
		expect(store.keys()).toEqual([]);
	});
});

describe('processStoreFor', () => {
	it('should give one shared store per scope', () => {
		const first = processStoreFor('wf:node', 10);
		expect(processStoreFor('wf:node', 10)).toBe(first);
		expect(processStoreFor('other:node', 10)).not.toBe(first);
	});

	it('should keep the newest confirmed keys, and whether it is current, when the capacity changes', async () => {
		const store = processStoreFor('wf:node', 5);
		store.merge(undefined, { current: true });
		for (const id of ['a', 'b', 'c', 'd']) await store.confirm(issueKey(id));
		const resized = processStoreFor('wf:node', 2);
		expect(resized.keys()).toEqual(keysOf('c', 'd'));
		expect(resized.current).toBe(true);
	});
});

describe('claimIssue', () => {
	/** A store that answers from a script, recording how it was asked. */
	function scripted(answers: ClaimOutcome[]): IssueStore & { asked: number } {
		return {
			asked: 0,
			async claim() {
				this.asked += 1;
				return answers.shift() ?? { state: 'seen' };
			},
			async confirm() {},
		};
	}

	it('should ask again while another delivery holds the claim, until it is settled', async () => {
		const store = scripted([
			{ state: 'pending', retryAfterMs: 900 },
			{ state: 'pending', retryAfterMs: 800 },
			{ state: 'seen' },
		]);
		const slept: number[] = [];
		const outcome = await claimIssue(store, 'x', async (ms) => {
			slept.push(ms);
		});
		expect(outcome).toEqual({ state: 'seen' });
		expect(slept).toEqual([100, 100]);
	});

	it('should give up after waitMs and report the claim as still pending', async () => {
		const store = scripted(
			Array.from({ length: 50 }, () => ({ state: 'pending', retryAfterMs: 20_000 }) as const),
		);
		const outcome = await claimIssue(store, 'x', async () => {}, { waitMs: 300, pollMs: 100 });
		expect(outcome).toEqual({ state: 'pending', retryAfterMs: 20_000 });
		expect(store.asked).toBe(4);
	});
});
