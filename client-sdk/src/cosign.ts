import type { Checkpoint, Cosignature, Entry, LinkHead, SessionUser } from '@hotline/shared';
import type { RequestOf, ResultOf } from './calls.js';
import type { ClientStorage } from './storage.js';

export interface CosignDeps {
  /** Cosign at all (off when signing is off: a cosignature must be signed). */
  enabled: boolean;
  user(): SessionUser | undefined;
  /** The hash of an entry this client holds. */
  hashAt(linkId: string, seq: number): string | undefined;
  /** Sends checkpoint:cosign; the signing part signs it on the way. */
  send(req: RequestOf<'checkpoint:cosign'>): Promise<ResultOf<'checkpoint:cosign'>>;
  storage: ClientStorage;
  /** The log contradicts a head this side cosigned. */
  fork(linkId: string, seq: number, detail: string): void;
  cosigned(cosignature: Cosignature): void;
}

interface Cosigned {
  seq: number;
  hash: string;
}

/**
 * Countersigns the server's checkpoints for this client's side (docs/record.md §7.6), as a witness
 * does in Certificate Transparency.
 *
 * Guarantees: a checkpoint is cosigned only once the record guard has verified its server signature
 * and this client holds the entry at its seq with the checkpoint's hash (a checkpoint ahead of what
 * is held waits for that entry); never twice for one seq, never below the latest cosigned one. The
 * latest head this client cosigned is kept per link (in storage, across restarts); an entry, a
 * checkpoint or a head that contradicts it is reported as a fork. A refused cosignature (another side's
 * user, a drill session, a checkpoint the server no longer has) is dropped: cosigning never blocks the
 * session or the outbox.
 */
export class CheckpointCosigner {
  readonly #deps: CosignDeps;
  /** Per link: the checkpoint waiting for its entry. */
  readonly #waiting = new Map<string, Checkpoint>();
  readonly #cosigned = new Map<string, Cosigned>();
  readonly #inFlight = new Set<string>();

  constructor(deps: CosignDeps) {
    this.#deps = deps;
  }

  /** The latest head this client cosigned for a link. */
  cosignedHead(linkId: string): Cosigned | undefined {
    if (!this.#cosigned.has(linkId)) {
      const raw = this.#deps.storage.get(`cosigned:${linkId}`);
      if (raw) this.#cosigned.set(linkId, JSON.parse(raw) as Cosigned);
    }
    return this.#cosigned.get(linkId);
  }

  /** A checkpoint whose server signature the record guard verified. */
  checkpoint(cp: Checkpoint): void {
    const mine = this.cosignedHead(cp.linkId);
    if (mine && mine.seq === cp.seq && mine.hash !== cp.hash) {
      this.#deps.fork(cp.linkId, cp.seq, `the server signed hash ${cp.hash} for entry ${cp.seq}, but this side cosigned ${mine.hash} for it`);
      return;
    }
    if (!this.#wanted(cp)) return;
    const held = this.#deps.hashAt(cp.linkId, cp.seq);
    if (held === undefined) {
      const waiting = this.#waiting.get(cp.linkId);
      if (!waiting || cp.seq > waiting.seq) this.#waiting.set(cp.linkId, cp);
      return;
    }
    if (held === cp.hash) void this.#cosign(cp);
  }

  /** Every entry delivered, in order. */
  entry(entry: Entry): void {
    const mine = this.cosignedHead(entry.linkId);
    if (mine && mine.seq === entry.seq && mine.hash !== entry.hash) {
      this.#deps.fork(entry.linkId, entry.seq, `entry ${entry.seq} has hash ${entry.hash}, but this side cosigned ${mine.hash} for it`);
    }
    const waiting = this.#waiting.get(entry.linkId);
    if (waiting && waiting.seq === entry.seq) {
      this.#waiting.delete(entry.linkId);
      if (waiting.hash === entry.hash && this.#wanted(waiting)) void this.#cosign(waiting);
    }
  }

  /** Heads from sync: a head below what this side cosigned means the log was cut back. */
  heads(heads: Record<string, LinkHead>): void {
    for (const [linkId, head] of Object.entries(heads)) {
      const mine = this.cosignedHead(linkId);
      if (mine && head.seq < mine.seq) this.#deps.fork(linkId, mine.seq, `the log ends at ${head.seq}, below entry ${mine.seq}, which this side cosigned`);
    }
  }

  #wanted(cp: Checkpoint): boolean {
    const user = this.#deps.user();
    if (!this.#deps.enabled || !user?.side) return false;
    const mine = this.cosignedHead(cp.linkId);
    return (!mine || cp.seq > mine.seq) && !this.#inFlight.has(`${cp.linkId}/${cp.seq}`);
  }

  async #cosign(cp: Checkpoint): Promise<void> {
    const user = this.#deps.user();
    if (!user?.side) return;
    const id = `${cp.linkId}/${cp.seq}`;
    this.#inFlight.add(id);
    try {
      const { cosignature } = await this.#deps.send({ linkId: cp.linkId, seq: cp.seq, hash: cp.hash, side: user.side } as RequestOf<'checkpoint:cosign'>);
      const mine = this.cosignedHead(cp.linkId);
      if (!mine || cp.seq > mine.seq) {
        const head = { seq: cp.seq, hash: cp.hash };
        this.#cosigned.set(cp.linkId, head);
        this.#deps.storage.set(`cosigned:${cp.linkId}`, JSON.stringify(head));
      }
      this.#deps.cosigned(cosignature);
    } catch {
      // Refused or not answered: the next checkpoint gets its own attempt.
    } finally {
      this.#inFlight.delete(id);
    }
  }
}
