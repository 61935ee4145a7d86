import { HotlineReceiptRequest, HotlineSendRequest, SyncRequest } from '@hotline/shared';
import type { Logger } from '../log.js';
import type { HotlineService } from '../service/hotline-service.js';
import { route, serve, type EventObserver, type Routes } from './handle.js';
import type { HotlineSocket } from './types.js';

/** hotline:send, hotline:delivered, hotline:read and sync: one table per service, shared by every socket. */
export function hotlineEventRoutes(service: HotlineService): Routes {
  return new Map([
    ['hotline:send', route(HotlineSendRequest, (req, { principal }) => service.send(principal, req))],
    ['hotline:delivered', route(HotlineReceiptRequest, (req, { principal }) => service.receipt(principal, 'delivered', req))],
    ['hotline:read', route(HotlineReceiptRequest, (req, { principal }) => service.receipt(principal, 'read', req))],
    ['sync', route(SyncRequest, (req, { principal }) => service.sync(principal, req))],
  ]);
}

const tables = new WeakMap<HotlineService, Routes>();

/** hotline:send, hotline:delivered, hotline:read and sync on a socket. */
export function registerHotlineEvents(socket: HotlineSocket, log: Logger, service: HotlineService, observe?: EventObserver): void {
  let routes = tables.get(service);
  if (!routes) tables.set(service, (routes = hotlineEventRoutes(service)));
  serve(socket, log, routes, observe);
}
