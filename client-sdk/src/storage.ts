/** Where the client keeps its outbox and cursors between page loads. */
export interface ClientStorage {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
}

/** Keeps nothing beyond the process (Node scripts, tests). */
export class MemoryStorage implements ClientStorage {
  readonly #data = new Map<string, string>();
  get(key: string): string | null {
    return this.#data.get(key) ?? null;
  }
  set(key: string, value: string): void {
    this.#data.set(key, value);
  }
  remove(key: string): void {
    this.#data.delete(key);
  }
}

/** Browser localStorage under a prefix; falls back to memory where localStorage is unavailable. */
export function browserStorage(prefix: string): ClientStorage {
  const ls = (globalThis as { localStorage?: WebStorage }).localStorage;
  if (!ls) return new MemoryStorage();
  return {
    get: (key) => ls.getItem(prefix + key),
    set: (key, value) => {
      try {
        ls.setItem(prefix + key, value);
      } catch {
        // Quota exceeded: the outbox still lives in memory for this page.
      }
    },
    remove: (key) => ls.removeItem(prefix + key),
  };
}

/** The part of the browser's Storage interface used here (declared locally so Node builds need no DOM types). */
interface WebStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
