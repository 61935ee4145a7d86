import type { Request, Router } from 'express';
import { z } from 'zod';
import { Id } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import type { CosignService } from '../service/cosign-service.js';
import { validationError } from '../wire-error.js';

const TrustedKeysQuery = z.strictObject({ side: Id });

/** GET /api/trusted-keys?side=<side>: the side's trusted-keys file (admins; `npm run export-keys`). */
export function trustedKeyRoutes(api: Router, requireAuth: (req: Request) => Principal, cosign: CosignService): void {
  api.get('/trusted-keys', async (req, res) => {
    const principal = requireAuth(req);
    const q = TrustedKeysQuery.safeParse(req.query);
    if (!q.success) throw validationError(q.error.issues);
    res.json(await cosign.trustedKeys(principal, q.data.side));
  });
}
