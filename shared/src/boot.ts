import { z } from 'zod';
import { PreferencesResponse } from './preferences.js';
import type { SessionUser } from './requests.js';
import { Role } from './topology.js';
import type { VisibleTopology } from './topology.js';

/**
 * What a console needs before it can connect, in one answer instead of four (on a satellite link each
 * round trip costs most of a second): who the token belongs to and until when, whether it only allows
 * exercise traffic, the user's preferences, the server's checkpoint key, and the visible topology.
 * GET /api/boot answers it for a stored token (a warm start); POST /api/auth/login with `boot: true`
 * carries it beside the new token (a cold start).
 */

export const SessionUserSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  role: Role,
  side: z.string().nullable(),
  post: z.string().nullable(),
  supervisor: z.boolean(),
  sectors: z.array(z.string()),
  joint: z.boolean(),
  drillOfficer: z.boolean(),
}) satisfies z.ZodType<SessionUser>;

/** The key the server signs checkpoints with (also GET /api/server-key). */
export const ServerKeySchema = z.strictObject({
  keyId: z.string().min(1),
  alg: z.literal('ES256'),
  /** base64url SPKI */
  publicKey: z.string().min(1),
});
export type ServerKeyInfo = z.infer<typeof ServerKeySchema>;

/** The topology as GET /api/topology answers it; its parts are checked where the topology file is read. */
const VisibleTopologySchema = z.custom<VisibleTopology>(
  (v) => typeof v === 'object' && v !== null && Array.isArray((v as { links?: unknown }).links) && Array.isArray((v as { posts?: unknown }).posts),
  'a visible topology',
);

export const BootResponse = z.strictObject({
  user: SessionUserSchema,
  /** ms since the epoch */
  expiresAt: z.number().int(),
  /** The token only allows exercise traffic. */
  drill: z.boolean(),
  preferences: PreferencesResponse,
  serverKey: ServerKeySchema,
  topology: VisibleTopologySchema,
});
export type BootResponse = z.infer<typeof BootResponse>;

/** POST /api/auth/login with `boot: true`: the login and the boot answer together. */
export const LoginBootResponse = z.strictObject({
  token: z.string().min(1),
  expiresAt: z.number().int(),
  user: SessionUserSchema,
  boot: BootResponse,
});
export type LoginBootResponse = z.infer<typeof LoginBootResponse>;
