import { HotlineAckRequest, HotlineReceiptRequest, HotlineSendRequest, LineCheckAnswerRequest, SyncRequest } from '@hotline/shared';
import type { Logger } from '../log.js';
import type { HotlineService } from '../service/hotline-service.js';
import type { LineCheckService } from '../service/linecheck-service.js';
import type { PrecedenceService } from '../service/precedence-service.js';
import { handle, type EventObserver } from './handle.js';
import type { HotlineSocket } from './types.js';

/** hotline:send, hotline:delivered, hotline:read, sync, and the discipline events hotline:ack and linecheck:answer. */
export function registerHotlineEvents(
  socket: HotlineSocket,
  log: Logger,
  service: HotlineService,
  discipline: { precedence: PrecedenceService; lineChecks: LineCheckService },
  observe?: EventObserver,
): void {
  handle(socket, log, 'hotline:send', HotlineSendRequest, (req, { principal }) => service.send(principal, req), observe);
  handle(socket, log, 'hotline:delivered', HotlineReceiptRequest, (req, { principal }) => service.receipt(principal, 'delivered', req), observe);
  handle(socket, log, 'hotline:read', HotlineReceiptRequest, (req, { principal }) => service.receipt(principal, 'read', req), observe);
  handle(socket, log, 'sync', SyncRequest, (req, { principal }) => service.sync(principal, req), observe);
  handle(socket, log, 'hotline:ack', HotlineAckRequest, (req, { principal }) => discipline.precedence.ack(principal, req), observe);
  handle(socket, log, 'linecheck:answer', LineCheckAnswerRequest, (req, { principal }) => discipline.lineChecks.answer(principal, req), observe);
}
