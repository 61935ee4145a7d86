import { AlertActionRequest, AlertCommentRequest, AlertRaiseRequest, AlertResolveRequest, InboxReadRequest } from '@hotline/shared';
import type { Logger } from '../log.js';
import type { AlertService } from '../service/alert-service.js';
import type { EscalationService } from '../service/escalation-service.js';
import { route, serve, type EventObserver, type Routes } from './handle.js';
import type { HotlineSocket } from './types.js';

/** alert:raise, alert:ack, alert:comment, alert:resolve, alert:cancel and inbox:read: one table per service. */
export function alertEventRoutes(alerts: AlertService, escalations: EscalationService): Routes {
  return new Map([
    ['alert:raise', route(AlertRaiseRequest, (req, { principal }) => alerts.raise(principal, req))],
    ['alert:ack', route(AlertActionRequest, (req, { principal }) => alerts.transition(principal, 'ack', req))],
    ['alert:resolve', route(AlertResolveRequest, (req, { principal }) => alerts.transition(principal, 'resolve', req))],
    ['alert:cancel', route(AlertActionRequest, (req, { principal }) => alerts.transition(principal, 'cancel', req))],
    ['alert:comment', route(AlertCommentRequest, (req, { principal }) => alerts.comment(principal, req))],
    ['inbox:read', route(InboxReadRequest, (req, { principal }) => escalations.markInboxRead(principal, req.uptoPosition))],
  ]);
}

const tables = new WeakMap<AlertService, WeakMap<EscalationService, Routes>>();

/** alert:raise, alert:ack, alert:comment, alert:resolve, alert:cancel and inbox:read on a socket. */
export function registerAlertEvents(
  socket: HotlineSocket,
  log: Logger,
  alerts: AlertService,
  escalations: EscalationService,
  observe?: EventObserver,
): void {
  let byEscalations = tables.get(alerts);
  if (!byEscalations) tables.set(alerts, (byEscalations = new WeakMap()));
  let routes = byEscalations.get(escalations);
  if (!routes) byEscalations.set(escalations, (routes = alertEventRoutes(alerts, escalations)));
  serve(socket, log, routes, observe);
}
