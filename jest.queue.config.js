/**
 * Queue-mode suite: `npm run test:queue`. Postgres, two Redis servers and an n8n cluster (main, workers,
 * webhook processes) started by the test file itself, so it can stop, kill and restart single processes.
 */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test/queue'],
	testMatch: ['**/*.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
	// Releases whatever the run started, also when it is interrupted (scripts/cleanup.cjs).
	globalSetup: '<rootDir>/test/cluster/global-setup.ts',
	globalTeardown: '<rootDir>/test/cluster/global-teardown.ts',
	maxWorkers: 1,
	testTimeout: 600_000,
	slowTestThreshold: 120,
};
