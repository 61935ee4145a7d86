import { AlertActionRequest, AlertCommentRequest, AlertRaiseRequest, AlertResolveRequest, InboxReadRequest } from '@hotline/shared';
import type { AlertService } from '../service/alert-service.js';
import type { EscalationService } from '../service/escalation-service.js';
import { handle, type GatewayContext } from './handle.js';
import type { HotlineSocket } from './types.js';

/** alert:raise, alert:ack, alert:comment, alert:resolve, alert:cancel and inbox:read. */
export function registerAlertEvents(
  socket: HotlineSocket,
  ctx: GatewayContext,
  alerts: AlertService,
  escalations: EscalationService,
): void {
  handle(socket, ctx, 'alert:raise', AlertRaiseRequest, (req, { principal }) => alerts.raise(principal, req));
  handle(socket, ctx, 'alert:ack', AlertActionRequest, (req, { principal }) => alerts.transition(principal, 'ack', req));
  handle(socket, ctx, 'alert:resolve', AlertResolveRequest, (req, { principal }) => alerts.transition(principal, 'resolve', req));
  handle(socket, ctx, 'alert:cancel', AlertActionRequest, (req, { principal }) => alerts.transition(principal, 'cancel', req));
  handle(socket, ctx, 'alert:comment', AlertCommentRequest, (req, { principal }) => alerts.comment(principal, req));
  handle(socket, ctx, 'inbox:read', InboxReadRequest, (req, { principal }) => escalations.markInboxRead(principal, req.uptoPosition));
}
