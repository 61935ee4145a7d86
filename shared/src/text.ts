/**
 * Text limits and rules of the wire protocol, free of zod so the browser console imports them without
 * the schema library (see core.ts). The schemas in scalars.ts and requests.ts are built from these.
 */

export const LIMITS = {
  /** Unicode code points in a hotline message. */
  MESSAGE_TEXT_MAX: 4000,
  /** Unicode code points in an alert description, comment or resolution. */
  ALERT_TEXT_MAX: 2000,
  /** Entries in one page of a sync. */
  SYNC_PAGE_MAX: 1000,
  SYNC_PAGE_DEFAULT: 500,
  /** Links in one sync request. */
  SYNC_LINKS_MAX: 500,
  /** Characters in a shift handover's note. */
  HANDOVER_NOTE_MAX: 500,
} as const;

/** Unicode code points in a string (a surrogate pair counts once), as the limits count them. */
export function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a string is well-formed Unicode (no lone surrogates), which the server requires of text. */
export function isWellFormedText(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}
