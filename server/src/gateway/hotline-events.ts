import type { HotlineService } from '../service/hotline-service.js';
import type { LineCheckService } from '../service/linecheck-service.js';
import type { PrecedenceService } from '../service/precedence-service.js';
import type { Routes } from './handle.js';

/** hotline:send, hotline:delivered, hotline:read, sync, and the discipline events hotline:ack and linecheck:answer. */
export function hotlineEvents(
  service: HotlineService,
  discipline: { precedence: PrecedenceService; lineChecks: LineCheckService },
): Routes<'hotline:send' | 'hotline:delivered' | 'hotline:read' | 'sync' | 'hotline:ack' | 'linecheck:answer'> {
  return {
    'hotline:send': (req, { principal, socket }) => service.send(principal, req, socket.id),
    'hotline:delivered': (req, { principal }) => service.receipt(principal, 'delivered', req),
    'hotline:read': (req, { principal }) => service.receipt(principal, 'read', req),
    sync: (req, { principal }) => service.sync(principal, req),
    'hotline:ack': (req, { principal }) => discipline.precedence.ack(principal, req),
    'linecheck:answer': (req, { principal }) => discipline.lineChecks.answer(principal, req),
  };
}
