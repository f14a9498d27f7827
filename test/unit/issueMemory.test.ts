import { forgetAllMemories, issueKey, IssueMemory, memoryFor } from '../../lib/issueMemory';

const keysOf = (...ids: string[]) => ids.map(issueKey);

afterEach(() => forgetAllMemories());

describe('IssueMemory', () => {
	it('should claim a new id once', () => {
		const memory = new IssueMemory(3);
		expect([memory.claim('a'), memory.claim('a'), memory.claim('b')]).toEqual([true, false, true]);
		expect(memory.size).toBe(2);
	});

	it('should forget the oldest first when full, keeping capacity ids', () => {
		const memory = new IssueMemory(3);
		for (const id of ['a', 'b', 'c', 'd', 'e']) memory.claim(id);
		expect(memory.keys()).toEqual(keysOf('c', 'd', 'e'));
		expect(memory.has('a') || memory.has('b')).toBe(false);
		expect(memory.ring.slots).toHaveLength(3);
		expect(memory.claim('a')).toBe(true);
		expect(memory.keys()).toEqual(keysOf('d', 'e', 'a'));
	});

	it('should restore the same ids, in order, from its stored form', () => {
		const memory = new IssueMemory(4);
		for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) memory.claim(id);
		const restored = new IssueMemory(4);
		restored.hydrate(JSON.parse(JSON.stringify(memory.ring)));
		expect(restored.keys()).toEqual(keysOf('c', 'd', 'e', 'f'));
		expect(restored.claim('c')).toBe(false);
	});

	it('should read the first stored form (plain ids) too', () => {
		const memory = new IssueMemory(3);
		memory.hydrate({ version: 1, capacity: 3, next: 1, ids: ['d', 'b', 'c'] });
		expect(memory.keys()).toEqual(keysOf('b', 'c', 'd'));
	});

	it('should store a fixed 16 characters per issue, however long the ids are', () => {
		const memory = new IssueMemory(2);
		memory.claim('x'.repeat(5000));
		memory.claim('Alert_V32uL3CHijlQYHq-uqTkqWOXSJ8~');
		expect(JSON.parse(JSON.stringify(memory.ring)).keys).toHaveLength(32);
	});

	it.each([
		[undefined],
		[null],
		['text'],
		[{ capacity: 2, next: 0, ids: [1, 2] }],
		[{ ids: ['a'] }],
		[{ capacity: 2, next: 0, keys: 'not a multiple of sixteen' }],
	])(
		'should ignore an unreadable stored value %j',
		(stored) => {
			const memory = new IssueMemory(2);
			memory.hydrate(stored);
			expect(memory.size).toBe(0);
		},
	);

	it.each([[0], [-1], [1.5], [2_000_000]])('should reject a capacity of %p, naming the option', (capacity) => {
		expect(() => new IssueMemory(capacity)).toThrow('rememberIssues must be a whole number from 1 to 1000000');
	});

	it('should make the static data it persists into show the live ring', () => {
		const memory = new IssueMemory(5);
		const staticData: Record<string, unknown> = {};
		memory.persistInto(staticData);
		memory.claim('later');
		expect(JSON.parse(JSON.stringify(staticData))).toEqual({
			seenIssues: { version: 2, capacity: 5, next: 0, keys: issueKey('later') },
		});
	});

	it('should still claim, recognise and forget correctly when full at a million ids', () => {
		// Lookups are a Map's (O(1)); no timing is asserted here: machines are shared and noisy.
		const memory = new IssueMemory(1_000_000);
		for (let i = 0; i < 1_000_000; i++) memory.claim(`Alert_${i}`);
		expect(memory.size).toBe(1_000_000);
		expect(memory.claim('Alert_999999')).toBe(false);
		expect(memory.claim('Alert_1000000')).toBe(true);
		expect(memory.has('Alert_0')).toBe(false);
	});
});

describe('memoryFor', () => {
	it('should give one shared memory per scope, filled from the stored ring on first use only', () => {
		const stored = { version: 2, capacity: 10, next: 0, keys: issueKey('x') };
		const first = memoryFor('wf:node', 10, stored);
		expect(memoryFor('wf:node', 10, { ...stored, keys: issueKey('y') })).toBe(first);
		expect(first.keys()).toEqual(keysOf('x'));
		expect(memoryFor('other:node', 10, undefined).size).toBe(0);
	});

	it('should keep the newest ids when the capacity changes', () => {
		const memory = memoryFor('wf:node', 5, undefined);
		for (const id of ['a', 'b', 'c', 'd']) memory.claim(id);
		expect(memoryFor('wf:node', 2, undefined).keys()).toEqual(keysOf('c', 'd'));
	});
});
