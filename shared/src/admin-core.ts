/**
 * The zod-free part of the administration API (core.ts): the administration log's id and the
 * redaction of password material, shared by the server and the console.
 */

/** The administration log is a log like a link's, under this id (no link may take it). */
export const ADMIN_LOG_ID = 'admin-log';

/** Drops password material from a configuration value before it is logged or shown. */
export function redactConfigValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactConfigValue);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== 'password' && k !== 'passwordHash') out[k] = redactConfigValue(v);
    return out;
  }
  return value;
}
