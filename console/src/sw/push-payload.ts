/**
 * The service worker's reading of a push payload: light checks of what the server sends (`PushPayload`
 * in shared/src/notifications.ts is the reference), since the worker carries no schema library. Free of
 * DOM and worker types, so it is checked in plain Node too.
 */

/** What the worker reads of a push payload (the zod schema `PushPayload` is the reference). */
export interface PushAckLike {
  grant: string;
  url: string;
  alerts: { alertId: string; quotedHash: string }[];
  expiresAt: number;
}
export interface PushPayloadLike {
  v: 1;
  event: string;
  drill: boolean;
  title: string;
  body: string;
  items: { subject: string; id: string }[];
  id: string;
  ack?: PushAckLike;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Light checks of a push payload; null when it is not one. */
export function readPushPayload(raw: unknown): PushPayloadLike | null {
  if (!isObject(raw) || raw.v !== 1 || typeof raw.title !== 'string' || typeof raw.body !== 'string' || typeof raw.id !== 'string') return null;
  if (typeof raw.drill !== 'boolean' || typeof raw.event !== 'string' || !Array.isArray(raw.items) || raw.items.length === 0) return null;
  const items = raw.items.filter((i): i is { subject: string; id: string } => isObject(i) && typeof i.subject === 'string' && typeof i.id === 'string');
  if (items.length !== raw.items.length) return null;
  let ack: PushAckLike | undefined;
  const a = raw.ack;
  if (isObject(a) && typeof a.grant === 'string' && typeof a.url === 'string' && a.url.startsWith('/') && !a.url.startsWith('//') && typeof a.expiresAt === 'number' && Array.isArray(a.alerts)) {
    const alerts = a.alerts.filter((x): x is { alertId: string; quotedHash: string } => isObject(x) && typeof x.alertId === 'string' && typeof x.quotedHash === 'string');
    if (alerts.length > 0 && alerts.length === a.alerts.length) ack = { grant: a.grant, url: a.url, alerts, expiresAt: a.expiresAt };
  }
  return { v: 1, event: raw.event, drill: raw.drill, title: raw.title, body: raw.body, items, id: raw.id, ...(ack ? { ack } : {}) };
}

/** One alert's notifications share a tag (push or shown by the open console): a repeat replaces it. */
export function alertTag(alertId: string): string {
  return `alert:${alertId}`;
}

