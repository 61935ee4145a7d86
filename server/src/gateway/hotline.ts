import { HotlineAckRequest, HotlineReceiptRequest, HotlineSendRequest, LineCheckAnswerRequest, SyncRequest } from '@hotline/shared';
import type { HotlineService } from '../service/hotline-service.js';
import type { LineCheckService } from '../service/linecheck-service.js';
import type { PrecedenceService } from '../service/precedence-service.js';
import { handle, type GatewayContext } from './handle.js';
import type { HotlineSocket } from './types.js';

/** hotline:send, hotline:delivered, hotline:read, sync, and the discipline events hotline:ack and linecheck:answer. */
export function registerHotlineEvents(
  socket: HotlineSocket,
  ctx: GatewayContext,
  service: HotlineService,
  discipline: { precedence: PrecedenceService; lineChecks: LineCheckService },
): void {
  handle(socket, ctx, 'hotline:send', HotlineSendRequest, (req, { principal }) => service.send(principal, req));
  handle(socket, ctx, 'hotline:delivered', HotlineReceiptRequest, (req, { principal }) => service.receipt(principal, 'delivered', req));
  handle(socket, ctx, 'hotline:read', HotlineReceiptRequest, (req, { principal }) => service.receipt(principal, 'read', req));
  handle(socket, ctx, 'sync', SyncRequest, (req, { principal }) => service.sync(principal, req));
  handle(socket, ctx, 'hotline:ack', HotlineAckRequest, (req, { principal }) => discipline.precedence.ack(principal, req));
  handle(socket, ctx, 'linecheck:answer', LineCheckAnswerRequest, (req, { principal }) => discipline.lineChecks.answer(principal, req));
}
