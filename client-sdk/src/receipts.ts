import type { Entry } from '@hotline/shared';
import type { ClientResultOf, RequestOf } from './calls.js';
import type { HotlineError } from './errors.js';

type ReceiptEvent = 'hotline:read' | 'hotline:delivered';

export interface ReceiptsDeps {
  send<E extends ReceiptEvent>(event: E, payload: RequestOf<E>): Promise<ClientResultOf<E>>;
  connected(): boolean;
  /** The hash of an entry this client holds, which a receipt quotes. */
  hashAt(linkId: string, seq: number): string | undefined;
  /** The post whose counterpart's messages get delivered receipts; none: no delivered receipts. */
  deliveredFor(): string | null | undefined;
}

/**
 * Delivered and read receipts for the user's post.
 *
 * Guarantees: per link only the highest seq delivered and the highest read are sent, each quoting the
 * hash of the entry it stands for, and only once that entry is held here (a read marked ahead of its
 * entry goes out when the entry arrives). Receipts are batched (a read at once, deliveries within
 * 200 ms); one that could not go out (offline, a timeout) is kept for the next connection, one the
 * server refused is dropped. Receipts are not queued in the outbox: a later one supersedes them.
 */
export class Receipts {
  readonly #deps: ReceiptsDeps;
  readonly #read = new Map<string, number>();
  readonly #delivered = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(deps: ReceiptsDeps) {
    this.#deps = deps;
  }

  /** The user has read a link up to `uptoSeq`. */
  markRead(linkId: string, uptoSeq: number): void {
    if ((this.#read.get(linkId) ?? 0) >= uptoSeq) return;
    this.#read.set(linkId, uptoSeq);
    this.#schedule(0);
  }

  /** An entry was delivered to the application. */
  entry(entry: Entry): void {
    if (this.#read.has(entry.linkId)) this.#schedule(50);
    const post = this.#deps.deliveredFor();
    if (entry.type === 'message' && post && entry.actor.postId !== post) {
      if ((this.#delivered.get(entry.linkId) ?? 0) < entry.seq) this.#delivered.set(entry.linkId, entry.seq);
      this.#schedule(200);
    }
  }

  /** Sends what waits and can go out now. */
  flush(): void {
    if (!this.#deps.connected()) return;
    this.#flush('hotline:read', this.#read);
    this.#flush('hotline:delivered', this.#delivered);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #flush(event: ReceiptEvent, pending: Map<string, number>): void {
    for (const [linkId, uptoSeq] of pending) {
      const uptoHash = this.#deps.hashAt(linkId, uptoSeq);
      if (!uptoHash) continue; // not delivered here yet: sent once it is
      pending.delete(linkId);
      this.#deps.send(event, { linkId, uptoSeq, uptoHash }).catch((err: HotlineError) => {
        // Keep it for the next connection if it could not be delivered; drop it if refused.
        if (err.retryable && (pending.get(linkId) ?? 0) < uptoSeq) pending.set(linkId, uptoSeq);
      });
    }
  }

  #schedule(delay: number): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, delay);
  }
}
