/**
 * What the console leaves for its service worker in IndexedDB (the worker has no localStorage and holds
 * no token): this device's current signing key (the non-extractable WebCrypto key itself, stored by
 * structured clone, never its bytes) and the few notification texts in the user's language. The page
 * writes both; the worker reads them when a push's Acknowledge action is pressed. Used by the page and
 * the worker alike, so it needs nothing but indexedDB.
 */

const DB_NAME = 'hotline-device';
const STORE = 'device';

/** The signing key the console registered in its current session. */
export interface StoredDeviceKey {
  userId: string;
  keyId: string;
  privateKey: CryptoKey;
  validUntil: number;
}

/** The notification texts, in the language the user last chose, and its direction. */
export interface NotificationTexts {
  lang: string;
  dir: 'ltr' | 'rtl';
  exercise: string;
  acknowledge: string;
  acknowledging: string;
  acknowledged: string;
  ackFailed: string;
  ackExpired: string;
  ackNoKey: string;
  open: string;
}

function open(): Promise<IDBDatabase | null> {
  if (typeof indexedDB === 'undefined') return Promise.resolve(null);
  return new Promise((resolve) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => resolve(null);
    req.onblocked = () => resolve(null);
  });
}

async function put(key: string, value: unknown): Promise<void> {
  const db = await open();
  if (!db) return;
  await new Promise<void>((resolve) => {
    try {
      const tx = db.transaction(STORE, 'readwrite');
      if (value === undefined) tx.objectStore(STORE).delete(key);
      else tx.objectStore(STORE).put(value, key);
      tx.oncomplete = () => resolve();
      tx.onerror = () => resolve();
      tx.onabort = () => resolve();
    } catch {
      resolve();
    }
  });
  db.close();
}

async function get(key: string): Promise<unknown> {
  const db = await open();
  if (!db) return undefined;
  const value = await new Promise<unknown>((resolve) => {
    try {
      const req = db.transaction(STORE, 'readonly').objectStore(STORE).get(key);
      req.onsuccess = () => resolve(req.result as unknown);
      req.onerror = () => resolve(undefined);
    } catch {
      resolve(undefined);
    }
  });
  db.close();
  return value;
}

export function saveDeviceKey(key: StoredDeviceKey | undefined): Promise<void> {
  return put('key', key);
}

export async function loadDeviceKey(): Promise<StoredDeviceKey | null> {
  const v = (await get('key')) as Partial<StoredDeviceKey> | undefined;
  if (!v || typeof v.keyId !== 'string' || typeof v.userId !== 'string' || typeof v.validUntil !== 'number' || !v.privateKey) return null;
  return v as StoredDeviceKey;
}

export function saveNotificationTexts(texts: NotificationTexts): Promise<void> {
  return put('texts', texts);
}

export async function loadNotificationTexts(): Promise<NotificationTexts | null> {
  const v = (await get('texts')) as Partial<NotificationTexts> | undefined;
  return v && typeof v.acknowledge === 'string' ? (v as NotificationTexts) : null;
}
