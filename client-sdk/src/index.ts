export { HotlineClient, apiFetch } from './client.js';
export type { ClientEvents, ConnectionStatus, HotlineClientOptions, OutboxEvent, OutboxItem, RequestOf, ResultOf } from './client.js';
export { HotlineError } from './errors.js';
export { newClientId } from './ids.js';
export { LinkTracker } from './link-tracker.js';
export { MemoryStorage, browserStorage, type ClientStorage } from './storage.js';
