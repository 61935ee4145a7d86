import { checkpointInput, type Checkpoint, type Entry, type LinkHead } from '@hotline/shared';
import { verifyP256 } from './signer.js';
import type { ClientStorage } from './storage.js';

export interface RecordObserver {
  entry?(entry: Entry): void;
  heads?(heads: Record<string, LinkHead>): void;
  checkpoint?(cp: Checkpoint): void;
}

/**
 * Keeps what this client has seen of each log (recent hashes, the latest server checkpoint, the server
 * key) and reports a log rewritten or rolled back behind its back: a checkpoint or a head that
 * disagrees with what it holds is a fork.
 */
export class RecordGuard {
  readonly #storage: ClientStorage;
  readonly #onFork: (linkId: string, seq: number, detail: string) => void;
  readonly #hashes = new Map<string, Map<number, string>>();
  readonly #checkpoints = new Map<string, Checkpoint>();
  readonly #observers: RecordObserver[] = [];
  #serverKey: { keyId: string; publicKey: string } | undefined;
  /** Recent hashes kept per link for receipts and checks. */
  static readonly KEEP = 20_000;

  constructor(storage: ClientStorage, onFork: (linkId: string, seq: number, detail: string) => void) {
    this.#storage = storage;
    this.#onFork = onFork;
    const key = storage.get('server-key');
    if (key) this.#serverKey = JSON.parse(key) as { keyId: string; publicKey: string };
  }

  /** Pins the server key on first sight; a different key later is reported. */
  setServerKey(key: { keyId: string; publicKey: string }): void {
    if (this.#serverKey && this.#serverKey.keyId !== key.keyId) {
      this.#onFork('*', 0, `the server's checkpoint key changed from ${this.#serverKey.keyId} to ${key.keyId}`);
    }
    this.#serverKey = key;
    this.#storage.set('server-key', JSON.stringify(key));
  }

  get hasServerKey(): boolean {
    return this.#serverKey !== undefined;
  }

  hashAt(linkId: string, seq: number): string | undefined {
    return this.#hashes.get(linkId)?.get(seq);
  }

  checkpoint(linkId: string): Checkpoint | undefined {
    if (!this.#checkpoints.has(linkId)) {
      const raw = this.#storage.get(`checkpoint:${linkId}`);
      if (raw) this.#checkpoints.set(linkId, JSON.parse(raw) as Checkpoint);
    }
    return this.#checkpoints.get(linkId);
  }

  /** Called for every entry delivered, in order. */
  entry(entry: Entry): void {
    let map = this.#hashes.get(entry.linkId);
    if (!map) this.#hashes.set(entry.linkId, (map = new Map()));
    map.set(entry.seq, entry.hash);
    map.delete(entry.seq - RecordGuard.KEEP);
    const cp = this.checkpoint(entry.linkId);
    if (cp && cp.seq === entry.seq && cp.hash !== entry.hash) {
      this.#onFork(entry.linkId, entry.seq, `entry ${entry.seq} has hash ${entry.hash}, but the server signed ${cp.hash} for it on ${new Date(cp.ts).toISOString()}`);
    }
    for (const o of this.#observers) o.entry?.(entry);
  }

  /** A head below a signed checkpoint means the log was cut back. */
  heads(heads: Record<string, LinkHead>): void {
    for (const [linkId, head] of Object.entries(heads)) {
      const cp = this.checkpoint(linkId);
      if (cp && head.seq < cp.seq) this.#onFork(linkId, cp.seq, `the log ends at ${head.seq}, below the checkpoint the server signed at ${cp.seq}`);
    }
    for (const o of this.#observers) o.heads?.(heads);
  }

  /** Checks a checkpoint's signature and its agreement with what is held; keeps the latest. Resolves true when it passed. */
  async accept(cp: Checkpoint): Promise<boolean> {
    if (!this.#serverKey || cp.keyId !== this.#serverKey.keyId) {
      this.#onFork(cp.linkId, cp.seq, `checkpoint signed by unknown key ${cp.keyId}`);
      return false;
    }
    if (!(await verifyP256(this.#serverKey.publicKey, checkpointInput(cp), cp.sig))) {
      this.#onFork(cp.linkId, cp.seq, 'checkpoint signature does not verify');
      return false;
    }
    const held = this.hashAt(cp.linkId, cp.seq);
    if (held !== undefined && held !== cp.hash) {
      this.#onFork(cp.linkId, cp.seq, `the server signed hash ${cp.hash} for entry ${cp.seq}, but this client holds ${held}`);
      return false;
    }
    const previous = this.checkpoint(cp.linkId);
    if (previous && previous.seq === cp.seq && previous.hash !== cp.hash) {
      this.#onFork(cp.linkId, cp.seq, `two checkpoints disagree on entry ${cp.seq}`);
      return false;
    }
    if (!previous || cp.seq >= previous.seq) {
      this.#checkpoints.set(cp.linkId, cp);
      this.#storage.set(`checkpoint:${cp.linkId}`, JSON.stringify(cp));
    }
    for (const o of this.#observers) o.checkpoint?.(cp);
    return true;
  }

  /** Sees what the guard sees: each entry, each sync's heads, each checkpoint that passed (the cosigner). */
  observe(observer: RecordObserver): void {
    this.#observers.push(observer);
  }
}
