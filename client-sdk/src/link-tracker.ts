import type { Entry, LinkHead } from '@hotline/shared';

export interface TrackerEvents {
  deliver(entry: Entry): void;
  /** Entries after `expectedSeq` are missing; a sync will fill them. */
  gap(linkId: string, expectedSeq: number, gotSeq: number): void;
  /** The server's log disagrees with what this client already holds. */
  fork(linkId: string, info: { seq: number; heldHash: string; serverHash: string } | { seq: number; serverSeq: number }): void;
}

/**
 * Turns at-least-once, possibly out-of-order arrivals (live pushes from several nodes, sync pages) into
 * exactly-once, in-order delivery per link. Remembers the hash of the last delivered entry so a log
 * rewritten behind the client's back shows up at the next sync as a fork.
 */
export class LinkTracker {
  /** Last delivered seq per link. */
  readonly cursors = new Map<string, number>();
  /** Hash of the last delivered entry per link. */
  readonly lastHash = new Map<string, string>();
  readonly #pending = new Map<string, Map<number, Entry>>();
  readonly #events: TrackerEvents;

  constructor(events: TrackerEvents, initial?: Record<string, { seq: number; hash?: string }>) {
    this.#events = events;
    for (const [id, c] of Object.entries(initial ?? {})) {
      this.cursors.set(id, c.seq);
      if (c.hash) this.lastHash.set(id, c.hash);
    }
  }

  follow(linkId: string): void {
    if (!this.cursors.has(linkId)) this.cursors.set(linkId, 0);
  }

  cursor(linkId: string): number {
    return this.cursors.get(linkId) ?? 0;
  }

  /** True when entries are buffered behind a gap on some link. */
  hasGaps(): boolean {
    for (const p of this.#pending.values()) if (p.size > 0) return true;
    return false;
  }

  accept(entry: Entry): void {
    const linkId = entry.linkId;
    if (!this.cursors.has(linkId)) return; // not followed
    const cursor = this.cursors.get(linkId)!;
    if (entry.seq <= cursor) return; // already delivered
    if (entry.seq === cursor + 1) {
      const expectedPrev = this.lastHash.get(linkId);
      if (expectedPrev !== undefined && entry.prevHash !== expectedPrev) {
        this.#events.fork(linkId, { seq: cursor, heldHash: expectedPrev, serverHash: entry.prevHash });
      }
      this.#deliver(entry);
      const pending = this.#pending.get(linkId);
      if (pending) {
        let next = pending.get(this.cursors.get(linkId)! + 1);
        while (next) {
          pending.delete(next.seq);
          this.#deliver(next);
          next = pending.get(next.seq + 1);
        }
        for (const seq of pending.keys()) if (seq <= this.cursors.get(linkId)!) pending.delete(seq);
      }
      return;
    }
    let pending = this.#pending.get(linkId);
    if (!pending) this.#pending.set(linkId, (pending = new Map()));
    if (!pending.has(entry.seq)) {
      pending.set(entry.seq, entry);
      this.#events.gap(linkId, cursor + 1, entry.seq);
    }
  }

  /**
   * Compares the server's heads with what this client holds. `asked` are the cursors the request was
   * made with: a head is read after the request arrived, so it can never be below them unless the log
   * was rolled back; but live entries appended meanwhile may already have moved the cursors past a head
   * that was current when it was read, which is no fork.
   */
  checkHeads(heads: Record<string, LinkHead>, asked?: Readonly<Record<string, number>>): void {
    for (const [linkId, head] of Object.entries(heads)) {
      const cursor = this.cursors.get(linkId);
      if (cursor === undefined) continue;
      const held = Math.min(cursor, asked?.[linkId] ?? cursor);
      if (head.seq < held) {
        this.#events.fork(linkId, { seq: held, serverSeq: head.seq });
      } else if (head.seq === cursor && cursor > 0) {
        const held = this.lastHash.get(linkId);
        if (held !== undefined && held !== head.hash) this.#events.fork(linkId, { seq: cursor, heldHash: held, serverHash: head.hash });
      }
    }
  }

  #deliver(entry: Entry): void {
    this.cursors.set(entry.linkId, entry.seq);
    this.lastHash.set(entry.linkId, entry.hash);
    this.#events.deliver(entry);
  }

  snapshot(): Record<string, { seq: number; hash?: string }> {
    const out: Record<string, { seq: number; hash?: string }> = {};
    for (const [id, seq] of this.cursors) {
      const hash = this.lastHash.get(id);
      out[id] = hash ? { seq, hash } : { seq };
    }
    return out;
  }
}
