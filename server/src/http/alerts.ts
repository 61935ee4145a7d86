import type { Request, Router } from 'express';
import { z } from 'zod';
import { AlertId, AlertQuery } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import { validationError } from '../wire-error.js';
import type { AlertService } from '../service/alert-service.js';
import type { EscalationService } from '../service/escalation-service.js';

const InboxQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error.issues);
  return result.data;
}

/** GET /api/alerts, GET /api/alerts/:alertId, GET /api/inbox. */
export function alertRoutes(api: Router, requireAuth: (req: Request) => Principal, alerts: AlertService, escalations: EscalationService): void {
  api.get('/alerts', async (req, res) => {
    const principal = requireAuth(req);
    res.json({ alerts: await alerts.list(principal, parse(AlertQuery, req.query)) });
  });
  api.get('/alerts/:alertId', async (req, res) => {
    const principal = requireAuth(req);
    res.json({ alert: await alerts.get(principal, parse(AlertId, req.params.alertId)) });
  });
  api.get('/inbox', async (req, res) => {
    const principal = requireAuth(req);
    const q = parse(InboxQuery, req.query);
    res.json(await escalations.inbox(principal, q.after, q.limit));
  });
}
