import { AppError, ErrorCode, formatIssues } from '@hotline/shared';
import type { z } from 'zod';

/**
 * Reading back what the stores wrote: JSON checked against its shared schema, so a corrupt or foreign
 * value fails loudly (INTERNAL, nothing written) instead of travelling on as a well-typed lie.
 */
export function decodeStored<S extends z.ZodType>(schema: S, raw: string, what: string): z.output<S> {
  return check(schema, raw, what).data;
}

/**
 * Like decodeStored, for hash-chained content: checked against the schema but returned exactly as
 * stored, since a schema drops members it does not know and the hash covers every one of them.
 */
export function decodeHashed<S extends z.ZodType>(schema: S, raw: string, what: string): z.output<S> {
  return check(schema, raw, what).value as z.output<S>;
}

function check<S extends z.ZodType>(schema: S, raw: string, what: string): { value: unknown; data: z.output<S> } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (cause) {
    throw new AppError(ErrorCode.INTERNAL, `stored ${what} is not JSON`, { cause });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new AppError(ErrorCode.INTERNAL, `stored ${what} does not match its schema: ${formatIssues(parsed.error.issues).slice(0, 3).join('; ')}`);
  }
  return { value, data: parsed.data };
}
