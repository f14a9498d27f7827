/**
 * Browser tests of the n8n editor (issue 7): `npm run test:ui`. One n8n and one headless Chromium serve the
 * one test file (test/ui/editor.test.ts), whose steps build on each other.
 */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test/ui'],
	testMatch: ['**/*.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
	// Installs n8n (first run only) and Debian's chromium (when missing) before any timeout runs.
	globalSetup: '<rootDir>/test/ui/global-setup.ts',
	maxWorkers: 1,
	// Each step drives the real editor on a 2-core machine; beforeAll builds the package and boots n8n.
	testTimeout: 300_000,
	slowTestThreshold: 120,
};
