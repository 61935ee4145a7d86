import type { Request, Router } from 'express';
import { z } from 'zod';
import { AppError, Duration, ErrorCode, Id } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { TokenSigner } from '../auth/tokens.js';
import { validationError } from '../wire-error.js';

const DrillTokensRequest = z.strictObject({
  /** Users to simulate; default every operator and commander. */
  users: z.array(Id).max(10_000).optional(),
  /** Lifetime of the drill tokens. @default "2h" */
  ttl: Duration.default(2 * 3_600_000).refine((ms) => ms <= 24 * 3_600_000, 'at most 24h'),
});

/**
 * POST /api/drill/tokens: a drill officer obtains drill tokens for the operators and commanders a
 * drill simulates. Everything sent with a drill token must be marked drill, so a drill can never put
 * a real alert or message on the line.
 */
export function drillRoutes(api: Router, requireAuth: (req: Request) => Principal, topo: TopologyIndex, tokens: TokenSigner): void {
  api.post('/drill/tokens', (req, res) => {
    const principal = requireAuth(req);
    if (!principal.drillOfficer || principal.drillOnly) {
      throw new AppError(ErrorCode.FORBIDDEN, 'only a drill officer (with a full token) issues drill tokens');
    }
    const parsed = DrillTokensRequest.safeParse(req.body ?? {});
    if (!parsed.success) throw validationError(parsed.error.issues);
    const wanted = parsed.data.users ?? topo.topology.users.filter((u) => u.role === 'operator' || u.role === 'commander').map((u) => u.id);
    const out: Record<string, { token: string; role: string; post: string | null; expiresAt: number }> = {};
    for (const id of wanted) {
      const user = topo.user(id);
      if (!user) throw new AppError(ErrorCode.NOT_FOUND, `no user "${id}"`);
      if (user.role !== 'operator' && user.role !== 'commander') {
        throw new AppError(ErrorCode.FORBIDDEN, `drills simulate operators and commanders, not ${user.role}s`);
      }
      const { token, claims } = tokens.issue(user, { drill: true, ttlMs: parsed.data.ttl });
      out[id] = { token, role: user.role, post: user.post ?? null, expiresAt: claims.exp };
    }
    res.json({ tokens: out });
  });
}
