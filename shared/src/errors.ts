/**
 * Error codes on the wire. Every failed ack and every failed HTTP response carries exactly one.
 * Codes are grouped by where they come from: transport (client side only), auth, input, domain, server.
 */
export const ErrorCode = {
  // --- transport (produced by the client SDK, never sent by the server) ---
  /** The server did not ack within the SDK's timeout. The SDK retries sends under the same id. */
  TIMEOUT: 'TIMEOUT',
  /** The SDK is disconnected and the call was not queued in the outbox. */
  DISCONNECTED: 'DISCONNECTED',

  // --- auth ---
  /** Missing, forged or expired token, or bad credentials. Log in again. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The caller's role, post or sectors do not allow this on this link or alert. */
  FORBIDDEN: 'FORBIDDEN',
  /** The action carries no signature, and this server requires signed actions. Register a key and sign. */
  SIGNATURE_REQUIRED: 'SIGNATURE_REQUIRED',
  /** The signature does not verify, or its key is unknown (another user's key is unknown for this
   * user), or outside its validity. `details.reason`: bad-signature | unknown-key | key-expired | key-revoked. */
  BAD_SIGNATURE: 'BAD_SIGNATURE',

  // --- input ---
  /** The payload does not match the shared schema (wrong types, missing fields, too large). */
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  /** The link, alert, seq or user does not exist (or is not visible to the caller). */
  NOT_FOUND: 'NOT_FOUND',
  /** The request contradicts what is stored: an id reused with other content, or a state transition
   * that is not allowed from the current state. `details` carries the current state where useful. */
  CONFLICT: 'CONFLICT',
  /** Too many requests from this user, post or address. Retry after `details.retryAfterMs`. */
  RATE_LIMITED: 'RATE_LIMITED',

  // --- server ---
  /** Something failed on the server. Nothing was written unless the ack said so. Safe to retry. */
  INTERNAL: 'INTERNAL',
  /** The server is shutting down or not ready (Redis unreachable). Retry on another node. */
  UNAVAILABLE: 'UNAVAILABLE',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes that a client may retry with the same ids without changing anything. */
export const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.TIMEOUT,
  ErrorCode.DISCONNECTED,
  ErrorCode.RATE_LIMITED,
  ErrorCode.INTERNAL,
  ErrorCode.UNAVAILABLE,
]);

/** The error object inside a failed ack or HTTP error body. */
export interface WireError {
  code: ErrorCode;
  message: string;
  retryable?: boolean;
  details?: Record<string, unknown>;
}

/** HTTP status for each code, used by the HTTP API. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  TIMEOUT: 504,
  DISCONNECTED: 503,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  SIGNATURE_REQUIRED: 401,
  BAD_SIGNATURE: 401,
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

/**
 * An error with a wire code. Domain and store code throw it; the gateway turns it into a failed ack.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }

  toWire(): WireError {
    const wire: WireError = { code: this.code, message: this.message, retryable: RETRYABLE_CODES.has(this.code) };
    if (this.details) wire.details = this.details;
    return wire;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
