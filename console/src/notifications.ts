import type { RegisteredKey } from '@hotline/client-sdk';
import { saveDeviceKey, saveNotificationTexts } from './device-store.js';
import { isRtl, language, t } from './i18n/index.js';

/**
 * System notifications and Web Push for this console.
 *
 * - While the console is open but hidden (another tab, minimised, the phone locked), an incoming alert
 *   for this user's post, a flash message and an escalation to this user raise an OS notification,
 *   shown through the service worker (so it also works on Android and is found by
 *   `registration.getNotifications()`), tagged per alert so a repeat replaces it; a click focuses the
 *   console on the alert (the worker posts `hotline:open`).
 * - Permission is asked only when the user presses "Turn on notifications" (a gentle prompt after login
 *   offers it to those who get escalations); the state is shown: on, off, blocked by the browser, not
 *   supported.
 * - When the server has a VAPID public key, turning on also subscribes through the worker's pushManager
 *   and POSTs the subscription with this device's name and its signing key id to
 *   /api/notifications/push; turning off unsubscribes and DELETEs it. Pushes then carry a grant bound to
 *   that key, which the worker signs with to acknowledge (device-store.ts keeps the key for it).
 */

export type NotifyState = 'unsupported' | 'blocked' | 'off' | 'on';
/** Web Push for this device: not offered by the server, subscribed, being set up, or failed (`detail` says why). */
export type PushState = 'server-off' | 'subscribed' | 'working' | 'failed' | 'off';

export interface NotifyApi {
  get<T>(path: string): Promise<T>;
  call<T>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

interface PushDevice {
  id: string;
}

const TEXT_KEYS = {
  exercise: 'notify.exercise',
  acknowledge: 'notify.acknowledge',
  acknowledging: 'notify.acknowledging',
  acknowledged: 'notify.acknowledged',
  ackFailed: 'notify.ackFailed',
  ackExpired: 'notify.ackExpired',
  ackNoKey: 'notify.ackNoKey',
  open: 'notify.open',
} as const;

/** How long the browser's push service may take to subscribe before the console says push is unavailable. */
const SUBSCRIBE_TIMEOUT_MS = 20_000;

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** The subscription's `applicationServerKey`: the VAPID public key (base64url) as bytes. */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const b64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A short name for this device in the user's list ("Chrome on Android"). */
function deviceName(): string {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chromium' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : '';
  return os ? `${browser} on ${os}` : browser;
}

export class ConsoleNotifications {
  readonly #userId: string;
  readonly #api: NotifyApi;
  readonly #changed: () => void;
  readonly #prefKey: string;
  readonly #dismissKey: string;
  #push: PushState = 'off';
  #pushDetail = '';
  #publicKey: string | null | undefined;
  #keyId: string | undefined;
  #subscriptionId: string | undefined;

  constructor(options: { userId: string; api: NotifyApi; changed: () => void; storagePrefix: string }) {
    this.#userId = options.userId;
    this.#api = options.api;
    this.#changed = options.changed;
    this.#prefKey = `${options.storagePrefix}notifications`;
    this.#dismissKey = `${options.storagePrefix}notifications-prompt`;
  }

  static get supported(): boolean {
    return typeof Notification !== 'undefined' && 'serviceWorker' in navigator && globalThis.isSecureContext;
  }

  /** What the user sees: on only when they turned it on and the browser allows it. */
  get state(): NotifyState {
    if (!ConsoleNotifications.supported) return 'unsupported';
    if (Notification.permission === 'denied') return 'blocked';
    return Notification.permission === 'granted' && this.#wanted ? 'on' : 'off';
  }

  get push(): { state: PushState; detail: string } {
    return { state: this.#push, detail: this.#pushDetail };
  }

  get #wanted(): boolean {
    try {
      return localStorage.getItem(this.#prefKey) === 'on';
    } catch {
      return false;
    }
  }

  #setWanted(on: boolean): void {
    try {
      if (on) localStorage.setItem(this.#prefKey, 'on');
      else localStorage.removeItem(this.#prefKey);
    } catch {
      // Storage full: the choice holds until a reload.
    }
  }

  /** Whether to offer notifications after login: not decided yet, and not put off by the user. */
  shouldPrompt(): boolean {
    if (this.state !== 'off' || Notification.permission === 'denied') return false;
    try {
      return localStorage.getItem(this.#dismissKey) === null;
    } catch {
      return false;
    }
  }

  dismissPrompt(): void {
    try {
      localStorage.setItem(this.#dismissKey, String(Date.now()));
    } catch {
      // Shown again next time.
    }
    this.#changed();
  }

  /** After login: texts for the worker, and if notifications are on, the push subscription brought up to date. */
  async start(): Promise<void> {
    await saveNotificationTexts({
      lang: language(),
      dir: isRtl() ? 'rtl' : 'ltr',
      ...(Object.fromEntries(Object.entries(TEXT_KEYS).map(([k, key]) => [k, t(key)])) as Record<keyof typeof TEXT_KEYS, string>),
    });
    if (this.state === 'on') await this.#subscribe();
  }

  /** The SDK registered a (new) signing key: kept for the worker, and the subscription told its id. */
  async keyRegistered(key: RegisteredKey): Promise<void> {
    const changed = key.keyId !== this.#keyId;
    this.#keyId = key.keyId;
    await saveDeviceKey({ userId: key.userId, keyId: key.keyId, privateKey: key.privateKey as CryptoKey, validUntil: key.validUntil });
    if (changed && this.state === 'on' && this.#push !== 'working') await this.#subscribe();
  }

  /** "Turn on notifications" (from a click: the browser asks for permission only then). */
  async enable(): Promise<void> {
    if (!ConsoleNotifications.supported) return;
    const permission = Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
    this.#setWanted(permission === 'granted');
    this.dismissPrompt();
    if (permission === 'granted') await this.#subscribe();
    this.#changed();
  }

  async disable(): Promise<void> {
    this.#setWanted(false);
    this.#changed();
    await this.#unsubscribe();
    this.#changed();
  }

  /**
   * Logging out: nothing more is pushed to this browser for this user (unsubscribed, DELETEd) and the key
   * kept for the worker is forgotten; the choice stays, so their next login here subscribes again.
   */
  async signedOut(): Promise<void> {
    if (this.state === 'on') await this.#unsubscribe();
    await saveDeviceKey(undefined);
  }

  async #registration(): Promise<ServiceWorkerRegistration> {
    const ready = navigator.serviceWorker.ready;
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('service worker not ready')), 10_000));
    return Promise.race([ready, timeout]);
  }

  async #subscribe(): Promise<void> {
    this.#push = 'working';
    this.#pushDetail = '';
    this.#changed();
    try {
      if (this.#publicKey === undefined) this.#publicKey = (await this.#api.get<{ publicKey: string | null }>('/api/notifications/push')).publicKey;
      if (!this.#publicKey) {
        this.#push = 'server-off';
        return;
      }
      const reg = await this.#registration();
      let sub = await reg.pushManager.getSubscription();
      // A browser whose push service cannot be reached (no route to it) never answers: give up after a while.
      sub ??= await withTimeout(reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(this.#publicKey) }), SUBSCRIBE_TIMEOUT_MS, 'no answer from the browser\'s push service');
      const json = sub.toJSON() as { endpoint: string; expirationTime?: number | null; keys?: Record<string, string> };
      const { id } = await this.#api.call<PushDevice>('POST', '/api/notifications/push', {
        endpoint: json.endpoint,
        expirationTime: json.expirationTime ?? null,
        keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' },
        device: deviceName(),
        ...(this.#keyId ? { keyId: this.#keyId } : {}),
      });
      this.#subscriptionId = id;
      this.#push = 'subscribed';
    } catch (err) {
      // Private windows (Chromium refuses push there), browsers without a reachable push service, and
      // de-Googled builds cannot subscribe: notifications while the console is open still work; the
      // detail says what the browser answered.
      this.#push = 'failed';
      this.#pushDetail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    } finally {
      this.#changed();
    }
  }

  async #unsubscribe(): Promise<void> {
    try {
      const reg = await this.#registration();
      const sub = await reg.pushManager.getSubscription();
      await sub?.unsubscribe();
      const id = this.#subscriptionId;
      if (id) await this.#api.call('DELETE', `/api/notifications/push/${id}`);
    } catch {
      // Offline: the server drops the subscription at its first push (the push service answers 404/410).
    }
    this.#subscriptionId = undefined;
    this.#push = 'off';
    this.#pushDetail = '';
  }

  /** Whether the user would miss something shown only in the page. */
  static away(): boolean {
    return document.visibilityState === 'hidden' || !document.hasFocus();
  }

  /**
   * An OS notification while the console is hidden or unfocused, tagged so a repeat replaces it; a click
   * focuses the console on `hash`. Nothing when notifications are off or the console is in sight.
   */
  async show(n: { tag: string; title: string; body: string; hash: string; drill: boolean; alertId?: string; urgent?: boolean }): Promise<void> {
    if (this.state !== 'on' || !ConsoleNotifications.away()) return;
    try {
      const reg = await this.#registration();
      await reg.showNotification(n.drill ? `${t('notify.exercise')} · ${n.title}` : n.title, {
        body: n.body,
        tag: n.tag,
        lang: language(),
        dir: isRtl() ? 'rtl' : 'ltr',
        requireInteraction: n.urgent === true,
        data: { hash: n.hash, drill: n.drill, ...(n.alertId ? { alertId: n.alertId } : {}) },
      });
    } catch (err) {
      // No worker yet: the page's own alarm and title still tell.
      console.warn(`notification ${n.tag} not shown: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  get userId(): string {
    return this.#userId;
  }
}
