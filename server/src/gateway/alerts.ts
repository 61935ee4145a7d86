import { AlertActionRequest, AlertCommentRequest, AlertRaiseRequest, AlertResolveRequest, InboxReadRequest } from '@hotline/shared';
import type { Logger } from '../log.js';
import type { AlertService } from '../service/alert-service.js';
import type { EscalationService } from '../service/escalation-service.js';
import { handle, type EventObserver } from './handle.js';
import type { HotlineSocket } from './types.js';

/** alert:raise, alert:ack, alert:comment, alert:resolve, alert:cancel and inbox:read. */
export function registerAlertEvents(
  socket: HotlineSocket,
  log: Logger,
  alerts: AlertService,
  escalations: EscalationService,
  observe?: EventObserver,
): void {
  handle(socket, log, 'alert:raise', AlertRaiseRequest, (req, { principal }) => alerts.raise(principal, req), observe);
  handle(socket, log, 'alert:ack', AlertActionRequest, (req, { principal }) => alerts.transition(principal, 'ack', req), observe);
  handle(socket, log, 'alert:resolve', AlertResolveRequest, (req, { principal }) => alerts.transition(principal, 'resolve', req), observe);
  handle(socket, log, 'alert:cancel', AlertActionRequest, (req, { principal }) => alerts.transition(principal, 'cancel', req), observe);
  handle(socket, log, 'alert:comment', AlertCommentRequest, (req, { principal }) => alerts.comment(principal, req), observe);
  handle(socket, log, 'inbox:read', InboxReadRequest, (req, { principal }) => escalations.markInboxRead(principal, req.uptoPosition), observe);
}
