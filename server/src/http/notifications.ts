import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import { AlertId, AppError, ContactRulesRequest, ErrorCode, PushSubscriptionRequest, parseAlertId } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { NotificationService } from '../notify/notification-service.js';
import type { NotifyQueue } from '../notify/notify-queue.js';
import { validationError } from '../wire-error.js';

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error.issues);
  return result.data;
}

/**
 * The caller's own contact rules and push devices, the record of notification attempts of an alert, and
 * the admin view of failed deliveries. Under /api, behind a bearer token.
 */
export function notificationRoutes(
  api: Router,
  requireAuth: (req: Request) => Principal,
  deps: { service: NotificationService; queue: NotifyQueue; topo: TopologyIndex },
): void {
  const { service } = deps;
  api.get('/notifications/contacts', async (req, res) => {
    const p = requireAuth(req);
    res.json(await service.contacts(p.userId));
  });
  api.put('/notifications/contacts', async (req, res) => {
    const p = requireAuth(req);
    if (p.drillOnly) throw new AppError(ErrorCode.FORBIDDEN, 'a drill token cannot change contact rules');
    const body = parse(ContactRulesRequest, req.body);
    await service.setRules(p.userId, body.steps);
    res.json(await service.contacts(p.userId));
  });
  api.get('/notifications/push', async (req, res) => {
    const p = requireAuth(req);
    res.json({ publicKey: service.vapidPublicKey, devices: await service.devices(p.userId) });
  });
  api.post('/notifications/push', async (req, res) => {
    const p = requireAuth(req);
    if (!service.vapidPublicKey) throw new AppError(ErrorCode.NOT_FOUND, 'Web Push is not configured on this deployment');
    res.json(await service.subscribe(p.userId, parse(PushSubscriptionRequest, req.body)));
  });
  api.delete('/notifications/push/:id', async (req, res) => {
    const p = requireAuth(req);
    const id = parse(z.string().regex(/^[a-f0-9]{24}$/), req.params.id);
    res.json({ removed: await service.unsubscribe(p.userId, id) });
  });
  api.get('/alerts/:alertId/notifications', async (req, res) => {
    const p = requireAuth(req);
    const alertId = parse(AlertId, req.params.alertId);
    const link = deps.topo.readableLink(p, parseAlertId(alertId)!.linkId);
    res.json({ attempts: await service.attempts(link.id, alertId) });
  });
  api.get('/notifications/report', async (req, res) => {
    const p = requireAuth(req);
    const q = parse(z.strictObject({ from: z.coerce.number().int().min(0).default(0), to: z.coerce.number().int().min(0).optional() }), req.query);
    res.json(await service.report(p, { from: q.from, to: q.to ?? Date.now() }));
  });
  api.get('/notifications/failures', async (req, res) => {
    const p = requireAuth(req);
    if (p.role !== 'admin') throw new AppError(ErrorCode.FORBIDDEN, 'admins only');
    const limit = parse(z.coerce.number().int().min(1).max(500).default(100), req.query.limit);
    res.json({ failures: await deps.queue.failures(limit), counts: await deps.queue.depth() });
  });
}

/**
 * POST /api/gateways/:gatewayId/replies: a gateway's reply, authenticated by its HMAC over the raw body,
 * so it is mounted before the API's JSON parser.
 */
export function mountGatewayReplies(app: express.Express, service: NotificationService): void {
  app.post('/api/gateways/:gatewayId/replies', express.raw({ type: () => true, limit: '16kb' }), async (req, res) => {
    const gatewayId = parse(z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/), req.params.gatewayId);
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    res.json(await service.reply(gatewayId, raw, req.headers));
  });
}
