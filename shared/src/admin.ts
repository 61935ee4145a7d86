import { z } from 'zod';
import { Sig, Timestamp } from './scalars.js';
import { Id, TopologySchema } from './topology.js';

/**
 * The administration API's wire shapes (docs/admin.md): live configuration changes, sessions, login
 * failures. The configuration itself is the topology file's shape (TopologySchema), validated by it.
 */


/** A password as set by an admin or changed by its user. Never stored, logged or shown. */
export const Password = z.string().min(10, 'must be at least 10 characters').max(200);

/** Sections of the configuration: list sections hold items with ids; the others are one value each. */
export type ConfigSectionKind = 'list' | 'value';

/** Every top-level key of the configuration and its kind, derived from the schema itself. */
export function configSections(): Record<string, ConfigSectionKind> {
  const out: Record<string, ConfigSectionKind> = {};
  for (const [name, schema] of Object.entries(TopologySchema.def.shape)) {
    let inner: z.core.$ZodType = schema as z.core.$ZodType;
    // Unwrap defaults and optionals to see whether the section is a list.
    while (inner._zod.def.type === 'default' || inner._zod.def.type === 'optional') inner = (inner._zod.def as unknown as { innerType: z.core.$ZodType }).innerType;
    out[name] = inner._zod.def.type === 'array' ? 'list' : 'value';
  }
  return out;
}

/** Body of PUT/DELETE /api/admin/config/...: the version the change was made against, and its signature. */
export const ConfigChangeRequest = z.strictObject({
  /** The configuration version the admin saw; another version in Redis is CONFLICT. */
  version: z.number().int().min(1),
  /** The new item or value (PUT); absent for a removal. Users take `password` instead of `passwordHash`. */
  value: z.unknown().optional(),
  /** The admin's signature of the change (act "config:change"). */
  sig: Sig.optional(),
});
export type ConfigChangeRequest = z.infer<typeof ConfigChangeRequest>;

/** POST /api/admin/users/:id/password and POST /api/auth/password. */
export const SetPasswordRequest = z.strictObject({ version: z.number().int().min(1), password: Password });
export const ChangePasswordRequest = z.strictObject({ current: z.string().min(1).max(200), password: Password });

/** POST /api/auth/logout. */
export const LogoutRequest = z.strictObject({ everywhere: z.boolean().default(false) });

/** One session (a device's login), as listed per user. */
export const SessionInfo = z.object({
  sid: z.string(),
  userId: Id,
  /** The device as its browser or client named itself (User-Agent, trimmed). */
  device: z.string(),
  address: z.string(),
  firstSeen: Timestamp,
  lastSeen: Timestamp,
  expiresAt: Timestamp,
  revokedAt: Timestamp.nullable(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

