/**
 * Crash test in regular mode: `npm run test:crash`. One real n8n (SQLite), killed with SIGKILL mid-burst and
 * restarted. The queue-mode crash runs inside `npm run test:queue` (it needs that suite's cluster).
 */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test/crash'],
	testMatch: ['**/*.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
	// Releases whatever the run started, also when it is interrupted (scripts/cleanup.cjs).
	globalSetup: '<rootDir>/test/cluster/global-setup.ts',
	globalTeardown: '<rootDir>/test/cluster/global-teardown.ts',
	maxWorkers: 1,
	// The first run may install n8n (minutes); the scenario waits for real executions.
	testTimeout: 600_000,
	slowTestThreshold: 120,
};
