import { AppError, ErrorCode, HTTP_STATUS, formatIssues, isAppError, type WireError } from '@hotline/shared';
import type { Logger } from './log.js';

/**
 * How anything thrown reaches a client, the same over Socket.IO (a failed ack) and HTTP (an error body):
 * an AppError as its code, message and `retryable`; what Express's body parser refuses as
 * VALIDATION_FAILED; anything else as INTERNAL, retryable, logged here with its cause and never sent
 * (no stacks, no messages of unknown errors).
 */
export function toWireError(err: unknown, log: Logger, context: Record<string, unknown>): WireError {
  if (isAppError(err)) return err.toWire();
  const refused = bodyParserRefusal(err);
  if (refused) return refused.toWire();
  log.error({ err, ...context }, 'unexpected error in handler');
  return new AppError(ErrorCode.INTERNAL, 'internal error; nothing was written unless the answer said so').toWire();
}

/** The HTTP status of an error sent as `wire` (413 for a body too large, otherwise by its code). */
export function httpStatus(err: unknown, wire: WireError): number {
  return (err as { type?: unknown } | null)?.type === 'entity.too.large' ? 413 : HTTP_STATUS[wire.code];
}

/** VALIDATION_FAILED naming at most ten issues of a schema's parse. */
export function validationError(issues: readonly { path: readonly PropertyKey[]; message: string }[]): AppError {
  const lines = formatIssues(issues).slice(0, 10);
  return new AppError(ErrorCode.VALIDATION_FAILED, lines.join('; '), { details: { issues: lines } });
}

/** Errors of Express's body parser (a client's fault: too large, not JSON, unsupported charset). */
function bodyParserRefusal(err: unknown): AppError | null {
  const e = err as { type?: unknown; status?: unknown; message?: unknown } | null;
  if (typeof e !== 'object' || e === null) return null;
  if (e.type === 'entity.too.large') return new AppError(ErrorCode.VALIDATION_FAILED, 'request body too large');
  if (e.type === 'entity.parse.failed' || e.type === 'charset.unsupported' || e.type === 'encoding.unsupported') {
    return new AppError(ErrorCode.VALIDATION_FAILED, 'request body is not valid JSON');
  }
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new AppError(ErrorCode.VALIDATION_FAILED, typeof e.message === 'string' ? e.message : 'bad request');
  }
  return null;
}
