/**
 * End-to-end suite in a real n8n: `npm run test:e2e`. One n8n boot serves every file (global setup), so the
 * files run one at a time, in name order (01-…, 02-…), and the secrets check runs last.
 */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
	globalSetup: '<rootDir>/test/e2e/global-setup.ts',
	globalTeardown: '<rootDir>/test/e2e/global-teardown.ts',
	testSequencer: '<rootDir>/test/e2e/sequencer.js',
	maxWorkers: 1,
	// The first run may install n8n (minutes); each test drives real HTTP and waits for real executions.
	testTimeout: 300_000,
	slowTestThreshold: 60,
};
