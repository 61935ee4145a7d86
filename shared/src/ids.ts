/**
 * Ids the server derives from a link and a seq, and how to read them back. Free of zod (see core.ts);
 * the AlertId schema in scalars.ts uses the same pattern.
 */

/** `AL-<linkId>-<seq of the alert.raised entry>`. */
export const ALERT_ID_PATTERN = /^AL-([a-z0-9][a-z0-9-]{0,62})-([1-9]\d{0,15})$/;

/** The id of the alert raised by the entry at `seq`; the link can be read back from it. */
export function makeAlertId(linkId: string, seq: number): string {
  return `AL-${linkId}-${seq}`;
}

export function parseAlertId(alertId: string): { linkId: string; seq: number } | null {
  const m = ALERT_ID_PATTERN.exec(alertId);
  return m ? { linkId: m[1]!, seq: Number(m[2]) } : null;
}

/** `MSG-<linkId>-<seq>`: the acknowledgement deadline of the flash or immediate message at `seq`. */
export function makeDeadlineId(linkId: string, seq: number): string {
  return `MSG-${linkId}-${seq}`;
}

/** `LC-<linkId>-<slot ms>`: the line check of a link for one scheduled time. */
export function makeLineCheckId(linkId: string, slotAt: number): string {
  return `LC-${linkId}-${slotAt}`;
}
