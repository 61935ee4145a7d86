/**
 * The part of @hotline/shared that needs no zod, importable alone as `@hotline/shared/core`: ids,
 * limits and text rules, error codes, the canonical encoding and hash chain, signing inputs, the alert
 * fold, the export format and its verifier, incident reports. The browser console imports this, so its
 * bundle never carries the schema library; nothing here may import a module that builds a schema
 * (a unit test holds it to that).
 */
export * from './errors.js';
export * from './text.js';
export * from './ids.js';
export * from './canonical.js';
export * from './chain.js';
export * from './signing.js';
export * from './verify.js';
export * from './report.js';
export * from './alert-fold.js';
export * from './export-format.js';
export * from './cosign.js';
export * from './verify-revocation.js';
export * from './admin-core.js';
export * from './languages.js';
