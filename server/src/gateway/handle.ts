import { AppError, CLIENT_EVENT_SCHEMAS, ErrorCode, type Ack, type ClientEvent, type ClientEventPayload, type ClientEventResult } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import type { Logger } from '../log.js';
import { toWireError, validationError } from '../wire-error.js';
import type { HotlineSocket } from './types.js';

export interface HandlerContext {
  principal: Principal;
  socket: HotlineSocket;
  log: Logger;
}

/** What every event passes through besides its handler: admission (rate limits, shutdown) and metrics. */
export interface EventHooks {
  /** Throws RATE_LIMITED or UNAVAILABLE to refuse the event before it is parsed. */
  admit?(principal: Principal, event: string): Promise<void>;
  /** Called once per answered event. */
  observe?(event: string, outcome: 'ok' | ErrorCode, ms: number): void;
  /** Tracks events in flight, so a graceful shutdown can wait for them. Returns a release function,
   * or null when the node no longer takes events. */
  enter?(): (() => void) | null;
}

export interface GatewayContext {
  log: Logger;
  hooks: EventHooks;
}

/** The handler of one client event: gets the payload as its shared schema parsed it, returns the ack's result. */
export type EventHandler<E extends ClientEvent> = (payload: ClientEventPayload<E>, ctx: HandlerContext) => Promise<ClientEventResult<E>>;

/**
 * Every client event of the contract (ClientToServerEvents) and its handler. Typed against the event
 * map, so the compiler refuses a table that misses an event, names one the contract does not have, or
 * answers with another result than the SDK expects. Each payload is parsed with its schema from the
 * shared CLIENT_EVENT_SCHEMAS before the handler sees it. Built once per node and shared by every socket.
 */
export type RouteTable = { readonly [E in ClientEvent]: EventHandler<E> };

/** The handlers of one group of events (one file per group), put together into the RouteTable. */
export type Routes<E extends ClientEvent> = Pick<RouteTable, E>;

function isClientEvent(event: unknown): event is ClientEvent {
  return typeof event === 'string' && Object.hasOwn(CLIENT_EVENT_SCHEMAS, event);
}

/** The metrics label of events the contract does not have (a label per made-up name would grow without end). */
const UNKNOWN_EVENT = '(unknown)';

/**
 * Serves the route table on a socket with one listener, whatever the number of events (a listener and
 * its closures per event and socket cost about 250 bytes for every idle console). Each event: checks the
 * token is still valid, admits it (rate limits, shutdown), validates the payload with its shared schema,
 * runs the handler and acks `{ ok: true, ...result }` or `{ ok: false, error }`. An event the contract
 * does not have is answered VALIDATION_FAILED. Never throws, never disconnects on bad input. Events sent
 * without an ack callback are logged and dropped: there is no way to answer them.
 */
export function serve(socket: HotlineSocket, ctx: GatewayContext, routes: RouteTable): void {
  socket.onAny((event: unknown, ...args: unknown[]) => {
    if (isClientEvent(event)) run(socket, ctx, event, routes[event] as EventHandler<ClientEvent>, args);
    else unknownEvent(ctx, event, args);
  });
}

function unknownEvent(ctx: GatewayContext, event: unknown, args: unknown[]): void {
  ctx.hooks.observe?.(UNKNOWN_EVENT, ErrorCode.VALIDATION_FAILED, 0);
  const ack = args[args.length - 1];
  if (typeof ack !== 'function') return;
  try {
    (ack as (a: Ack<object>) => void)({ ok: false, error: new AppError(ErrorCode.VALIDATION_FAILED, `unknown event "${String(event).slice(0, 64)}"`).toWire() });
  } catch (err) {
    ctx.log.warn({ err }, 'ack failed');
  }
}

function run<E extends ClientEvent>(socket: HotlineSocket, ctx: GatewayContext, event: E, handler: EventHandler<E>, args: unknown[]): void {
  const { log, hooks } = ctx;
  const started = performance.now();
  const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (a: Ack<object>) => void) : null;
  if (!ack) {
    log.debug({ event }, 'event without ack callback dropped');
    hooks.observe?.(event, ErrorCode.VALIDATION_FAILED, 0);
    return;
  }
  const release = hooks.enter ? hooks.enter() : () => undefined;
  const reply = (a: Ack<object>) => {
    release?.();
    hooks.observe?.(event, a.ok ? 'ok' : a.error.code, performance.now() - started);
    try {
      ack(a);
    } catch (err) {
      log.warn({ err, event }, 'ack failed');
    }
  };
  if (release === null) {
    reply({ ok: false, error: new AppError(ErrorCode.UNAVAILABLE, 'this node is shutting down; retry').toWire() });
    return;
  }
  const principal = socket.data.principal;
  if (principal.expiresAt <= Date.now()) {
    reply({ ok: false, error: new AppError(ErrorCode.UNAUTHENTICATED, 'token expired; log in again').toWire() });
    socket.disconnect(true);
    return;
  }
  (hooks.admit ? hooks.admit(principal, event) : Promise.resolve())
    .then(async () => {
      if (args.length !== 1) {
        throw validationError([{ path: [], message: `expected one payload object, got ${args.length} arguments` }]);
      }
      const parsed = CLIENT_EVENT_SCHEMAS[event].safeParse(args[0]);
      if (!parsed.success) throw validationError(parsed.error.issues);
      return handler(parsed.data as ClientEventPayload<E>, { principal, socket, log });
    })
    .then(
      (result) => reply({ ok: true, ...result }),
      (err: unknown) => reply({ ok: false, error: toWireError(err, log, { event, userId: principal.userId }) }),
    );
}
