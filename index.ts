/**
 * Programmatic entry point. n8n loads the node and credential classes through package.json's `n8n`
 * field; this module exports them and the envelope API for code and tests that use the package directly.
 */
export * from './lib/envelope';
export * from './lib/issueTypes';
export { IspmHeaderAuthApi } from './credentials/IspmHeaderAuthApi.credentials';
export { IspmQueryAuthApi } from './credentials/IspmQueryAuthApi.credentials';
export { IspmEventHook } from './nodes/IspmEventHook/IspmEventHook.node';
export { IspmIssueTrigger } from './nodes/IspmIssueTrigger/IspmIssueTrigger.node';
