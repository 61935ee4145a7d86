import { z } from 'zod';

// The scalars of the topology file, apart so that sections in their own modules (notifications) can use them.

export const Id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 characters of a-z, 0-9 and "-", starting with a letter or digit');

// The unit may be left out for milliseconds: an environment variable is a string even when it is a number.
const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** A duration: a number of milliseconds (also as a string: "250"), or a string such as "250ms", "1.5s", "10m", "12h". */
const DURATION_HINT = 'must be a duration such as "250ms", "1.5s", "10m" or "12h" (or a number of milliseconds)';
export const Duration = z.union(
  [
  z.number().nonnegative().finite(),
  z
    .string()
    .regex(DURATION_RE, DURATION_HINT)
    .transform((s) => {
      const m = DURATION_RE.exec(s)!;
      return Math.round(Number(m[1]) * UNIT_MS[(m[2] ?? 'ms') as keyof typeof UNIT_MS]);
    }),
  ],
  { error: DURATION_HINT },
);

export const Role = z.enum(['operator', 'commander', 'monitor', 'admin']);
export type Role = z.infer<typeof Role>;

