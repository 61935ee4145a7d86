// Everything in @hotline/shared: the zod-free core (also importable alone as @hotline/shared/core) and
// the wire schemas built on zod.
export * from './core.js';
export * from './topology.js';
export * from './scalars.js';
export * from './entries.js';
export * from './projections.js';
export * from './requests.js';
export * from './events.js';
export * from './notifications.js';
export * from './sms-text.js';
export * from './admin.js';
export * from './preferences.js';
export * from './duty.js';
export * from './boot.js';
