/**
 * Push messages and notifications in the service worker. A push (Web Push, encrypted by the server as
 * RFC 8291 requires) carries a `PushPayload` (shared/src/notifications.ts): it is checked lightly here
 * (the worker carries no schema library) and shown as a notification tagged per alert (or per bundle),
 * so a repeat replaces it, marked EXERCISE for drills, with an Acknowledge action when the payload
 * carries an acknowledgement grant. The action signs each alert's acknowledgement with this device's own
 * key (the one the console registered, kept in IndexedDB by device-store.ts) exactly as the console
 * signs alert:ack, and POSTs it with the grant; the notification then says "Acknowledged" or why not.
 * A click elsewhere on a notification (a push or one the open console showed) focuses the console on
 * its alert.
 */
import { signingInput, toBase64Url } from '@hotline/shared/core';
import { loadDeviceKey, loadNotificationTexts, type NotificationTexts } from '../device-store.js';
import { alertTag, isObject, readPushPayload, type PushAckLike, type PushPayloadLike } from './push-payload.js';
import type { ExtendableEventLike } from './shell.js';

declare const SW_TEST_HOOKS: boolean;

/** What a notification keeps in `data`. */
export interface NotificationData {
  /** Where a click takes the console: "#alerts/<id>" or "#hotline". */
  hash: string;
  alertId?: string;
  ack?: PushAckLike;
  drill?: boolean;
  /** The acknowledgement went through. */
  acknowledged?: boolean;
  /** The body as first shown (a redrawn notification puts its status before it). */
  body?: string;
}

interface NotificationLike {
  readonly title: string;
  readonly body: string;
  readonly tag: string;
  readonly data: unknown;
  close(): void;
}
interface NotificationEventLike extends ExtendableEventLike {
  readonly notification: NotificationLike;
  readonly action: string;
}
interface PushEventLike extends ExtendableEventLike {
  readonly data: { json(): unknown; text(): string } | null;
}
interface MessageEventLike extends ExtendableEventLike {
  readonly data: unknown;
  readonly ports: readonly MessagePort[];
}
interface WindowClientLike {
  readonly url: string;
  focus(): Promise<unknown>;
  postMessage(message: unknown): void;
}
export interface PushWorkerScope {
  addEventListener(type: 'push', fn: (ev: PushEventLike) => void): void;
  addEventListener(type: 'notificationclick', fn: (ev: NotificationEventLike) => void): void;
  addEventListener(type: 'message', fn: (ev: MessageEventLike) => void): void;
  readonly registration: {
    showNotification(title: string, options: Record<string, unknown>): Promise<void>;
    getNotifications(filter?: { tag?: string }): Promise<NotificationLike[]>;
  };
  readonly clients: {
    matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<WindowClientLike[]>;
    openWindow(url: string): Promise<unknown>;
  };
  readonly location: Location;
}

/** The outcome of an Acknowledge action. */
export interface AckOutcome {
  ok: boolean;
  /** The server's error code, or what stopped it here ("NO_KEY", "EXPIRED", "NETWORK", "NO_GRANT"). */
  code?: string;
  /** The refusal's `details.reason` from the server (e.g. "grant-expired"). */
  reason?: string;
  acknowledged?: { alertId: string; state: string; entrySeq: number | null }[];
}

const ENGLISH: NotificationTexts = {
  lang: 'en',
  dir: 'ltr',
  exercise: 'EXERCISE',
  acknowledge: 'Acknowledge',
  acknowledging: 'Acknowledging…',
  acknowledged: 'Acknowledged',
  ackFailed: 'Not acknowledged: open the console',
  ackExpired: 'This notification is too old to acknowledge from here: open the console',
  ackNoKey: 'This browser is not logged in as the person notified: open the console',
  open: 'Open',
};

function notificationOptions(p: PushPayloadLike, texts: NotificationTexts): { title: string; options: Record<string, unknown> } {
  const single = p.items.length === 1 ? p.items[0]! : null;
  const alertId = single?.subject === 'alert' ? single.id : undefined;
  const title = p.drill && !p.title.startsWith('EXERCISE') ? `EXERCISE ${p.title}` : p.title;
  // The server writes in English (it cannot know every reader); the exercise mark also in the reader's language.
  const body = p.drill && texts.exercise !== 'EXERCISE' ? `${texts.exercise} · ${p.body}` : p.body;
  const data: NotificationData = { hash: alertId ? `#alerts/${encodeURIComponent(alertId)}` : single?.subject === 'message' ? '#hotline' : '#alerts', drill: p.drill, ...(alertId ? { alertId } : {}), ...(p.ack ? { ack: p.ack } : {}) };
  return {
    title,
    options: {
      body,
      tag: alertId ? alertTag(alertId) : `push:${p.id}`,
      renotify: true,
      requireInteraction: p.event === 'escalation',
      lang: texts.lang,
      dir: texts.dir,
      data,
      actions: p.ack ? [{ action: 'ack', title: texts.acknowledge }] : [],
    },
  };
}

/** The grant's claims, read only to tell whether this browser holds the key it names (the server checks it). */
function grantKeyId(grant: string): string | null {
  try {
    const part = grant.split('.')[1] ?? '';
    const json = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as unknown;
    return isObject(json) && typeof json.kid === 'string' ? json.kid : null;
  } catch {
    return null;
  }
}

/**
 * Acknowledges what the notification's grant names: each alert signed with this device's key over the
 * alert:ack signing input (the same bytes the console signs), POSTed with the grant.
 */
export async function acknowledgeFromNotification(scope: PushWorkerScope, data: NotificationData): Promise<AckOutcome> {
  const ack = data.ack;
  if (!ack) return { ok: false, code: 'NO_GRANT' };
  if (ack.expiresAt <= Date.now()) return { ok: false, code: 'EXPIRED' };
  const key = await loadDeviceKey();
  if (!key || key.keyId !== grantKeyId(ack.grant)) return { ok: false, code: 'NO_KEY' };
  const encoder = new TextEncoder();
  const acks = [];
  for (const a of ack.alerts) {
    const input = signingInput('alert:ack', key.userId, { alertId: a.alertId, quotedHash: a.quotedHash });
    const signature = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, encoder.encode(input)));
    acks.push({ alertId: a.alertId, quotedHash: a.quotedHash, sig: { keyId: key.keyId, value: toBase64Url(signature) } });
  }
  try {
    const res = await fetch(new URL(ack.url, scope.location.origin).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant: ack.grant, acks }),
    });
    const body = (await res.json().catch(() => null)) as unknown;
    if (res.ok && isObject(body) && Array.isArray(body.acknowledged)) return { ok: true, acknowledged: body.acknowledged as AckOutcome['acknowledged'] };
    const error = isObject(body) && isObject(body.error) ? body.error : {};
    const code = typeof error.code === 'string' ? error.code : `HTTP_${res.status}`;
    const reason = isObject(error.details) && typeof error.details.reason === 'string' ? error.details.reason : undefined;
    return { ok: false, code, ...(reason ? { reason } : {}) };
  } catch {
    return { ok: false, code: 'NETWORK' };
  }
}

/** Focuses a console window on the notification's alert (or opens one). */
async function focusConsole(scope: PushWorkerScope, data: NotificationData): Promise<void> {
  const windows = await scope.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const own = windows.find((w) => new URL(w.url).origin === scope.location.origin);
  if (own) {
    own.postMessage({ type: 'hotline:open', hash: data.hash });
    // Allowed from a notification click (the browser counts it as the user's gesture); refused otherwise.
    await own.focus().catch(() => undefined);
    return;
  }
  await scope.clients.openWindow(`/${data.hash}`);
}

/**
 * What pressing a notification (or its action) does: the Acknowledge action acknowledges and redraws the
 * notification with the outcome; anything else opens the console on the alert.
 */
export async function onNotificationAction(scope: PushWorkerScope, notification: NotificationLike, action: string): Promise<AckOutcome | null> {
  const data: NotificationData = isObject(notification.data) && typeof notification.data.hash === 'string' ? (notification.data as unknown as NotificationData) : { hash: '#alerts' };
  if (action !== 'ack' || data.acknowledged) {
    notification.close();
    await focusConsole(scope, data);
    return null;
  }
  const texts = (await loadNotificationTexts()) ?? ENGLISH;
  const original = typeof data.body === 'string' ? data.body : notification.body;
  const redraw = (status: string, extra: Record<string, unknown>) =>
    scope.registration.showNotification(notification.title, { body: `${status} — ${original}`, tag: notification.tag, renotify: false, lang: texts.lang, dir: texts.dir, ...extra });
  await redraw(texts.acknowledging, { data: { ...data, body: original }, actions: [] });
  const outcome = await acknowledgeFromNotification(scope, data);
  const message = outcome.ok
    ? texts.acknowledged
    : outcome.code === 'EXPIRED' || outcome.reason === 'grant-expired'
      ? texts.ackExpired
      : outcome.code === 'NO_KEY' || outcome.reason === 'wrong-key' || outcome.reason === 'session-revoked'
        ? texts.ackNoKey
        : `${texts.ackFailed} (${outcome.reason ?? outcome.code ?? '?'})`;
  const retry = !outcome.ok && outcome.code === 'NETWORK';
  await redraw(message, { data: { ...data, body: original, acknowledged: outcome.ok }, actions: retry ? [{ action: 'ack', title: texts.acknowledge }] : [] });
  return outcome;
}

export function installPush(scope: PushWorkerScope): void {
  scope.addEventListener('push', (ev) => {
    let raw: unknown;
    try {
      raw = ev.data?.json() ?? null;
    } catch {
      raw = null;
    }
    const payload = readPushPayload(raw);
    ev.waitUntil(
      (async () => {
        const texts = (await loadNotificationTexts()) ?? ENGLISH;
        // A push must show something (browsers require it); one we cannot read still says to open the console.
        if (!payload) return scope.registration.showNotification(texts.open, { tag: 'push:unreadable', data: { hash: '#alerts' } });
        const { title, options } = notificationOptions(payload, texts);
        return scope.registration.showNotification(title, options);
      })(),
    );
  });
  scope.addEventListener('notificationclick', (ev) => {
    ev.waitUntil(onNotificationAction(scope, ev.notification, ev.action));
  });
  // Browsers give no way to press a notification's button from a test; test builds alone (never a
  // deployed one) let a test run the very handler above on a shown notification, by tag.
  if (SW_TEST_HOOKS) {
    scope.addEventListener('message', (ev) => {
      const m = ev.data;
      if (!isObject(m) || m.type !== 'test:notification-action' || typeof m.tag !== 'string' || typeof m.action !== 'string') return;
      const port = ev.ports[0];
      ev.waitUntil(
        (async () => {
          try {
            const [n] = await scope.registration.getNotifications({ tag: m.tag as string });
            port?.postMessage(n ? await onNotificationAction(scope, n, m.action as string) : { ok: false, code: 'NO_NOTIFICATION' });
          } catch (err) {
            port?.postMessage({ ok: false, code: 'THREW', reason: String(err) });
          }
        })(),
      );
    });
  }
}
