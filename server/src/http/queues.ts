import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Express, NextFunction, Request, Response } from 'express';
import { AppError, ErrorCode } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';

const COOKIE = 'hotline_admin';
const BASE = '/admin/queues';

/**
 * The BullMQ dashboard for admins at /admin/queues. A browser opens it once with ?token=<admin token>;
 * the token then travels in an HttpOnly cookie limited to this path.
 */
export function mountQueueDashboard(app: Express, requireAuth: (req: Request) => Principal, queues: Queue[]): void {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(BASE);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter });
  const guard = (req: Request, res: Response, next: NextFunction) => {
    const fromQuery = typeof req.query.token === 'string' ? req.query.token : undefined;
    const fromCookie = /(?:^|;\s*)hotline_admin=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const token = fromQuery ?? (fromCookie ? decodeURIComponent(fromCookie) : undefined);
    if (token && !req.headers.authorization) req.headers.authorization = `Bearer ${token}`;
    const principal = requireAuth(req);
    if (principal.role !== 'admin') throw new AppError(ErrorCode.FORBIDDEN, 'the queue dashboard is for admins');
    if (fromQuery) {
      res.setHeader('Set-Cookie', `${COOKIE}=${encodeURIComponent(fromQuery)}; Path=${BASE}; HttpOnly; SameSite=Strict; Max-Age=3600`);
      res.redirect(BASE);
      return;
    }
    // The dashboard's own page uses inline scripts: relax the policy on its path only.
    res.setHeader('Content-Security-Policy', "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline' https:; img-src 'self' data:; font-src 'self' data:");
    next();
  };
  app.use(BASE, guard, adapter.getRouter());
}
