import { AlertActionRequest, AlertCommentRequest, AlertRaiseRequest, AlertResolveRequest, InboxReadRequest } from '@hotline/shared';
import type { AlertService } from '../service/alert-service.js';
import type { EscalationService } from '../service/escalation-service.js';
import { route, type Route } from './handle.js';

/** alert:raise, alert:ack, alert:comment, alert:resolve, alert:cancel and inbox:read. */
export function alertRoutes(alerts: AlertService, escalations: EscalationService): [string, Route][] {
  return [
    ['alert:raise', route(AlertRaiseRequest, (req, { principal }) => alerts.raise(principal, req))],
    ['alert:ack', route(AlertActionRequest, (req, { principal }) => alerts.transition(principal, 'ack', req))],
    ['alert:resolve', route(AlertResolveRequest, (req, { principal }) => alerts.transition(principal, 'resolve', req))],
    ['alert:cancel', route(AlertActionRequest, (req, { principal }) => alerts.transition(principal, 'cancel', req))],
    ['alert:comment', route(AlertCommentRequest, (req, { principal }) => alerts.comment(principal, req))],
    ['inbox:read', route(InboxReadRequest, (req, { principal }) => escalations.markInboxRead(principal, req.uptoPosition))],
  ];
}
