/**
 * Browser tests of the n8n editor (issue 7): `npm run test:ui`. One n8n and one headless Chromium serve the
 * one test file (test/ui/editor.test.ts), whose steps build on each other.
 */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test/ui'],
	testMatch: ['**/*.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
	maxWorkers: 1,
	// Each step drives the real editor on a 2-core machine; beforeAll may install Chromium and boots n8n.
	testTimeout: 300_000,
	slowTestThreshold: 120,
};
