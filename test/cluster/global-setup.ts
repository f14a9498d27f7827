/**
 * Jest globalSetup of the real-infrastructure suites (test:queue, test:crash): whatever the tests start is
 * tracked in a file this (real) process releases on exit, Ctrl-C or SIGTERM (see scripts/cleanup.cjs).
 */
import { installCleanup } from '../../scripts/cleanup.cjs';

export default function globalSetup(): void {
	installCleanup();
}
