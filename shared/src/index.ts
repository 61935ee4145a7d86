export * from './errors.js';
export * from './canonical.js';
export * from './topology.js';
export * from './protocol.js';
export * from './chain.js';
export * from './signing.js';
export * from './verify.js';
export * from './report.js';
