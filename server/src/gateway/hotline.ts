import { HotlineAckRequest, HotlineReceiptRequest, HotlineSendRequest, LineCheckAnswerRequest, SyncRequest } from '@hotline/shared';
import type { HotlineService } from '../service/hotline-service.js';
import type { LineCheckService } from '../service/linecheck-service.js';
import type { PrecedenceService } from '../service/precedence-service.js';
import { route, type Route } from './handle.js';

/** hotline:send, hotline:delivered, hotline:read, sync, and the discipline events hotline:ack and linecheck:answer. */
export function hotlineRoutes(service: HotlineService, discipline: { precedence: PrecedenceService; lineChecks: LineCheckService }): [string, Route][] {
  return [
    ['hotline:send', route(HotlineSendRequest, (req, { principal }) => service.send(principal, req))],
    ['hotline:delivered', route(HotlineReceiptRequest, (req, { principal }) => service.receipt(principal, 'delivered', req))],
    ['hotline:read', route(HotlineReceiptRequest, (req, { principal }) => service.receipt(principal, 'read', req))],
    ['sync', route(SyncRequest, (req, { principal }) => service.sync(principal, req))],
    ['hotline:ack', route(HotlineAckRequest, (req, { principal }) => discipline.precedence.ack(principal, req))],
    ['linecheck:answer', route(LineCheckAnswerRequest, (req, { principal }) => discipline.lineChecks.answer(principal, req))],
  ];
}
