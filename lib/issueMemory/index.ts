/**
 * The ISPM Issue Trigger's memory of issues that already started the workflow: the protocol and the
 * interface (`store.ts`), the n8n process's own store (`processStore.ts`, "This n8n Instance") and the
 * store shared through Redis (`redisStore.ts`, with its client in `redisClient.ts`).
 */
export * from './store';
export * from './processStore';
export * from './redisStore';
export * from './redisClient';
