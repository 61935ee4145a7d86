import type { Entry } from '@hotline/shared';

/**
 * The log entries this console has seen, kept in IndexedDB per user, so that a reload without network
 * (the page itself comes from the service worker) opens with its history. The SDK syncs every link
 * again once connected; the model ignores what it already holds, and the SDK checks the chain of what
 * the server sends as always. What is read back is checked against the shared schema; anything else
 * is skipped. Storage that is missing or full only costs the offline history, never the console.
 */
export class HistoryStore {
  readonly #db: IDBDatabase;
  #queue: Entry[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  private constructor(db: IDBDatabase) {
    this.#db = db;
  }

  static open(userId: string): Promise<HistoryStore | null> {
    if (typeof indexedDB === 'undefined') return Promise.resolve(null);
    return new Promise((resolve) => {
      const req = indexedDB.open(`hotline-history:${userId}`, 1);
      req.onupgradeneeded = () => req.result.createObjectStore('entries', { keyPath: ['linkId', 'seq'] });
      req.onsuccess = () => resolve(new HistoryStore(req.result));
      req.onerror = () => resolve(null);
      req.onblocked = () => resolve(null);
    });
  }

  /** Every kept entry, by link and seq. */
  loadAll(): Promise<Entry[]> {
    return new Promise((resolve) => {
      const req = this.#db.transaction('entries', 'readonly').objectStore('entries').getAll();
      req.onsuccess = () => {
        const out: Entry[] = [];
        for (const raw of req.result as unknown[]) {
          if (isKeptEntry(raw)) out.push(raw);
        }
        resolve(out);
      };
      req.onerror = () => resolve([]);
    });
  }

  /**
   * Keeps an entry: the entries delivered in the same task (a sync page) go in one transaction, started
   * at once; a wait before writing lost what arrived just before the page was reloaded or closed.
   */
  put(entry: Entry): void {
    this.#queue.push(entry);
    this.#timer ??= setTimeout(() => this.#flush(), 0);
  }

  #flush(): void {
    this.#timer = undefined;
    const batch = this.#queue;
    this.#queue = [];
    try {
      const store = this.#db.transaction('entries', 'readwrite').objectStore('entries');
      for (const e of batch) store.put(e);
    } catch {
      // Storage full or closed: the history just is not kept.
    }
  }

  close(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#flush();
    }
    this.#db.close();
  }
}

/**
 * Whether what IndexedDB gave back has the shape of an entry this console kept. The console stays free
 * of zod (@hotline/shared/core), so this checks the fields it relies on; what it then shows is compared
 * with the server's heads and checkpoints when the console reconnects (record-guard), as every entry is.
 */
function isKeptEntry(raw: unknown): raw is Entry {
  if (typeof raw !== 'object' || raw === null) return false;
  const e = raw as Record<string, unknown>;
  return (
    typeof e.linkId === 'string' &&
    typeof e.seq === 'number' &&
    Number.isInteger(e.seq) &&
    e.seq >= 1 &&
    typeof e.type === 'string' &&
    typeof e.hash === 'string' &&
    typeof e.prevHash === 'string' &&
    typeof e.ts === 'number' &&
    typeof e.actor === 'object' &&
    e.actor !== null &&
    typeof e.payload === 'object' &&
    e.payload !== null
  );
}
