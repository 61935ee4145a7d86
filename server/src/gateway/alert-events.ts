import type { AlertService } from '../service/alert-service.js';
import type { EscalationService } from '../service/escalation-service.js';
import type { Routes } from './handle.js';

/** alert:raise, alert:ack, alert:comment, alert:resolve, alert:cancel and inbox:read. */
export function alertEvents(
  alerts: AlertService,
  escalations: EscalationService,
): Routes<'alert:raise' | 'alert:ack' | 'alert:resolve' | 'alert:cancel' | 'alert:comment' | 'inbox:read'> {
  return {
    'alert:raise': (req, { principal }) => alerts.raise(principal, req),
    'alert:ack': (req, { principal }) => alerts.transition(principal, 'ack', req),
    'alert:resolve': (req, { principal }) => alerts.transition(principal, 'resolve', req),
    'alert:cancel': (req, { principal }) => alerts.transition(principal, 'cancel', req),
    'alert:comment': (req, { principal }) => alerts.comment(principal, req),
    'inbox:read': (req, { principal }) => escalations.markInboxRead(principal, req.uptoPosition),
  };
}
