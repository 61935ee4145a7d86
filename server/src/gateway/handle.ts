import { AppError, ErrorCode, formatIssues, isAppError, type Ack, type WireError } from '@hotline/shared';
import type { z } from 'zod';
import type { Principal } from '../domain/principal.js';
import type { Logger } from '../log.js';
import type { HotlineSocket } from './types.js';

/** Turns anything thrown into a wire error; unknown errors become INTERNAL and are logged with their cause. */
export function toWireError(err: unknown, log: Logger, context: Record<string, unknown>): WireError {
  if (isAppError(err)) return err.toWire();
  log.error({ err, ...context }, 'unexpected error in handler');
  return { code: ErrorCode.INTERNAL, message: 'internal error; nothing was written unless an entry was acked', retryable: true };
}

export function validationError(issues: readonly { path: readonly PropertyKey[]; message: string }[]): AppError {
  const lines = formatIssues(issues).slice(0, 10);
  return new AppError(ErrorCode.VALIDATION_FAILED, lines.join('; '), { details: { issues: lines } });
}

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

/** One client event: the schema of its payload and what to do with a valid one. */
export interface Route {
  schema: z.ZodType;
  handler: (payload: unknown, ctx: HandlerContext) => Promise<object>;
}

/** Event name → route. Built once per node and shared by every socket. */
export type Routes = ReadonlyMap<string, Route>;

/** A typed route: the handler gets the schema's output type. */
export function route<S extends z.ZodType, R extends object>(schema: S, handler: (payload: z.output<S>, ctx: HandlerContext) => Promise<R>): Route {
  return { schema, handler: handler as Route['handler'] };
}

/**
 * Serves `routes` on a socket with one listener, whatever the number of events (a listener and its
 * closures per event and socket cost about 250 bytes for every idle console). Each event: checks the
 * token is still valid, admits it (rate limits, shutdown), validates the payload with its shared schema,
 * runs the handler and acks `{ ok: true, ...result }` or `{ ok: false, error }`. Never throws, never
 * disconnects on bad input. Events sent without an ack callback are logged and dropped: there is no
 * way to answer them. Events with no route are left to the socket's other listeners (setUpSocket).
 */
export function serve(socket: HotlineSocket, ctx: GatewayContext, routes: Routes): void {
  socket.onAny((event: string, ...args: unknown[]) => {
    const r = routes.get(event);
    if (r) run(socket, ctx, event, r, args);
  });
}

function run(socket: HotlineSocket, ctx: GatewayContext, event: string, r: Route, args: unknown[]): void {
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
    reply({ ok: false, error: { code: ErrorCode.UNAVAILABLE, message: 'this node is shutting down; retry', retryable: true } });
    return;
  }
  const principal = socket.data.principal;
  if (principal.expiresAt <= Date.now()) {
    reply({ ok: false, error: { code: ErrorCode.UNAUTHENTICATED, message: 'token expired; log in again' } });
    socket.disconnect(true);
    return;
  }
  (hooks.admit ? hooks.admit(principal, event) : Promise.resolve())
    .then(async () => {
      if (args.length !== 1) {
        throw validationError([{ path: [], message: `expected one payload object, got ${args.length} arguments` }]);
      }
      const parsed = r.schema.safeParse(args[0]);
      if (!parsed.success) throw validationError(parsed.error.issues);
      return r.handler(parsed.data, { principal, socket, log });
    })
    .then(
      (result) => reply({ ok: true, ...result }),
      (err: unknown) => reply({ ok: false, error: toWireError(err, log, { event, userId: principal.userId }) }),
    );
}
