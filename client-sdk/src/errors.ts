import { ErrorCode, RETRYABLE_CODES, type WireError } from '@hotline/shared';

/** A failed call: the server's error code, or TIMEOUT / DISCONNECTED from the SDK itself. */
export class HotlineError extends Error {
  override readonly name = 'HotlineError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(error: WireError) {
    super(error.message);
    this.code = error.code;
    this.retryable = error.retryable ?? RETRYABLE_CODES.has(error.code);
    this.details = error.details;
  }
}
