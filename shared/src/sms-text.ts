/**
 * The text form of a notification that fits one SMS: 160 characters of the GSM 03.38 7-bit alphabet
 * (characters of its extension table take two), or 70 UTF-16 code units (UCS-2) as soon as one character
 * is outside it (Urdu, Pashto and Dari text always are). Zod-free, so gateways' tooling can reuse it.
 */

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENSION = '^{}\\[~]|€\f';

const BASIC = new Set(GSM7_BASIC);
const EXTENSION = new Set(GSM7_EXTENSION);

/** One SMS: 160 septets in GSM-7, 70 code units in UCS-2. */
export const SMS_LIMITS = { gsm7: 160, ucs2: 70 } as const;

export type SmsEncoding = keyof typeof SMS_LIMITS;

/** Whether every character of `text` is in the GSM-7 alphabet (basic or extension table). */
export function isGsm7(text: string): boolean {
  for (const ch of text) if (!BASIC.has(ch) && !EXTENSION.has(ch)) return false;
  return true;
}

/** The encoding a phone picks for `text` and its length in that encoding's units. */
export function smsLength(text: string): { encoding: SmsEncoding; units: number } {
  if (isGsm7(text)) {
    let units = 0;
    for (const ch of text) units += EXTENSION.has(ch) ? 2 : 1;
    return { encoding: 'gsm7', units };
  }
  // UCS-2 counts UTF-16 code units (a character outside the BMP takes two).
  return { encoding: 'ucs2', units: text.length };
}

/** Whether `text` fits one SMS. */
export function fitsOneSms(text: string): boolean {
  const { encoding, units } = smsLength(text);
  return units <= SMS_LIMITS[encoding];
}

/**
 * Joins `head`, `body` and `tail` with single spaces into a text that fits one SMS, shortening only the
 * body (with "..." in GSM-7, "…" in UCS-2) and never cutting a character in two. The head (the drill
 * mark, what happened) and the tail (how to answer) are kept whole; if they alone do not fit, the head is
 * shortened too.
 */
export function fitSms(head: string, body: string, tail: string): string {
  const join = (parts: string[]) => parts.filter((p) => p.length > 0).join(' ');
  const full = join([head, body, tail]);
  if (fitsOneSms(full)) return full;
  const ellipsis = isGsm7(full) ? '...' : '…';
  const chars = Array.from(body.replace(/\s+/g, ' ').trim());
  // Binary search on the number of body characters kept.
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fitsOneSms(join([head, chars.slice(0, mid).join('').trimEnd() + ellipsis, tail]))) lo = mid;
    else hi = mid - 1;
  }
  if (lo > 0) return join([head, chars.slice(0, lo).join('').trimEnd() + ellipsis, tail]);
  const bare = join([head, tail]);
  if (fitsOneSms(bare)) return bare;
  const headChars = Array.from(head);
  while (headChars.length > 0 && !fitsOneSms(join([headChars.join('') + ellipsis, tail]))) headChars.pop();
  return join([headChars.join('') + ellipsis, tail]);
}
