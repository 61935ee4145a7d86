import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature of a webhook delivery and of a gateway's reply: HMAC-SHA256 with the gateway's secret
 * over "<timestamp>.<raw body>", hex, sent as `X-Hotline-Signature: v1=<hex>` beside
 * `X-Hotline-Timestamp: <ms since the epoch>`. The timestamp inside the signed input stops a captured
 * request from being replayed later with another timestamp.
 */
export const SIGNATURE_HEADER = 'x-hotline-signature';
export const TIMESTAMP_HEADER = 'x-hotline-timestamp';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const ATTEMPT_HEADER = 'x-hotline-attempt';

export function webhookSignature(secret: string, timestamp: number | string, body: string | Buffer): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(body);
  return `v1=${mac.digest('hex')}`;
}

/** Checks a `v1=<hex>` signature (several may be given, comma-separated, during a secret rotation). */
export function verifyWebhookSignature(secret: string, timestamp: string, body: string | Buffer, header: string | undefined): boolean {
  if (!header || !/^\d{1,16}$/.test(timestamp)) return false;
  const expected = Buffer.from(webhookSignature(secret, timestamp, body));
  return header.split(',').some((given) => {
    const g = Buffer.from(given.trim());
    return g.length === expected.length && timingSafeEqual(g, expected);
  });
}
