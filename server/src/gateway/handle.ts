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
  /** Tracks events in flight, so a graceful shutdown can wait for them. Returns a release function. */
  enter?(): (() => void) | null;
}

export interface GatewayContext {
  log: Logger;
  hooks: EventHooks;
}

/**
 * Registers one client event: checks the token is still valid, admits it (rate limits, shutdown),
 * validates the payload with its shared schema, runs the handler and acks `{ ok: true, ...result }` or
 * `{ ok: false, error }`. Never throws, never disconnects on bad input. Events sent without an ack
 * callback are logged and dropped: there is no way to answer them.
 */
export function handle<S extends z.ZodType, R extends object>(
  socket: HotlineSocket,
  ctx: GatewayContext,
  event: string,
  schema: S,
  handler: (payload: z.output<S>, hctx: HandlerContext) => Promise<R>,
): void {
  const { log, hooks } = ctx;
  (socket as unknown as { on(event: string, listener: (...args: unknown[]) => void): void }).on(event, (...args: unknown[]) => {
    const started = performance.now();
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (a: Ack<R>) => void) : null;
    if (!ack) {
      log.debug({ event }, 'event without ack callback dropped');
      hooks.observe?.(event, ErrorCode.VALIDATION_FAILED, 0);
      return;
    }
    const release = hooks.enter ? hooks.enter() : () => undefined;
    const reply = (a: Ack<R>) => {
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
        const parsed = schema.safeParse(args[0]);
        if (!parsed.success) throw validationError(parsed.error.issues);
        return handler(parsed.data, { principal, socket, log });
      })
      .then(
        (result) => reply({ ok: true, ...result }),
        (err: unknown) => reply({ ok: false, error: toWireError(err, log, { event, userId: principal.userId }) }),
      );
  });
}
