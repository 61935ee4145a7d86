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

/** Called with every handled event (for metrics). */
export type EventObserver = (event: string, outcome: 'ok' | ErrorCode, ms: number) => void;

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

interface Served {
  tables: Routes[];
  log: Logger;
  observe: EventObserver | undefined;
}
const served = new WeakMap<HotlineSocket, Served>();

/**
 * Serves `routes` on a socket, with one listener per socket whatever the number of events and route
 * tables: a listener and its closures per event and socket cost about 250 bytes for every idle console.
 * Each event: checks the token is still valid, validates the payload with its shared schema, runs the
 * handler and acks `{ ok: true, ...result }` or `{ ok: false, error }`. Never throws, never disconnects
 * on bad input. Events sent without an ack callback are logged and dropped: there is no way to answer
 * them. Events with no route are left to the socket's other listeners (unknown events: setUpSocket).
 */
export function serve(socket: HotlineSocket, log: Logger, routes: Routes, observe?: EventObserver): void {
  const state = served.get(socket);
  if (state) {
    state.tables.push(routes);
    return;
  }
  const fresh: Served = { tables: [routes], log, observe };
  served.set(socket, fresh);
  socket.onAny((event: string, ...args: unknown[]) => {
    for (const table of fresh.tables) {
      const r = table.get(event);
      if (r) return run(socket, fresh.log, event, r, args, fresh.observe);
    }
  });
}

function run(socket: HotlineSocket, log: Logger, event: string, r: Route, args: unknown[], observe: EventObserver | undefined): void {
  const started = performance.now();
  const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (a: Ack<object>) => void) : null;
  if (!ack) {
    log.debug({ event }, 'event without ack callback dropped');
    observe?.(event, ErrorCode.VALIDATION_FAILED, 0);
    return;
  }
  const reply = (a: Ack<object>) => {
    observe?.(event, a.ok ? 'ok' : a.error.code, performance.now() - started);
    try {
      ack(a);
    } catch (err) {
      log.warn({ err, event }, 'ack failed');
    }
  };
  const principal = socket.data.principal;
  if (principal.expiresAt <= Date.now()) {
    reply({ ok: false, error: { code: ErrorCode.UNAUTHENTICATED, message: 'token expired; log in again' } });
    socket.disconnect(true);
    return;
  }
  if (args.length !== 1) {
    reply({ ok: false, error: validationError([{ path: [], message: `expected one payload object, got ${args.length} arguments` }]).toWire() });
    return;
  }
  const parsed = r.schema.safeParse(args[0]);
  if (!parsed.success) {
    reply({ ok: false, error: validationError(parsed.error.issues).toWire() });
    return;
  }
  r.handler(parsed.data, { principal, socket, log }).then(
    (result) => reply({ ok: true, ...result }),
    (err: unknown) => reply({ ok: false, error: toWireError(err, log, { event, userId: principal.userId }) }),
  );
}

/** Registers one client event on a socket (see serve(); prefer a Routes table built once per node). */
export function handle<S extends z.ZodType, R extends object>(
  socket: HotlineSocket,
  log: Logger,
  event: string,
  schema: S,
  handler: (payload: z.output<S>, ctx: HandlerContext) => Promise<R>,
  observe?: EventObserver,
): void {
  serve(socket, log, new Map([[event, route(schema, handler)]]), observe);
}
