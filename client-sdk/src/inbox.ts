import type { Escalation, InboxResult } from '@hotline/shared';

export interface InboxDeps {
  /** GET /api/inbox: escalations after a position. */
  fetch(after: number, limit: number): Promise<InboxResult>;
  /** Each escalation once. */
  deliver(escalation: Escalation): void;
}

const PAGE = 500;

/**
 * The user's escalation inbox: escalations pushed live, and those that reached the user while
 * disconnected, fetched on each connection.
 *
 * Guarantee: each escalation is delivered once by its inbox position, whether it was pushed, fetched,
 * or both, in any order.
 */
export class EscalationInbox {
  readonly #deps: InboxDeps;
  /** Positions already delivered above `#contiguous`. */
  readonly #seen = new Set<number>();
  /** Every position up to this one has been delivered. */
  #contiguous = 0;

  constructor(deps: InboxDeps) {
    this.#deps = deps;
  }

  /** A pushed or fetched escalation: delivered unless it already was. */
  accept(escalation: Escalation): void {
    if (this.#seen.has(escalation.position) || escalation.position <= this.#contiguous) return;
    this.#seen.add(escalation.position);
    while (this.#seen.has(this.#contiguous + 1)) this.#seen.delete(++this.#contiguous);
    this.#deps.deliver(escalation);
  }

  /** Fetches what this client has not seen, page by page; resolves with the last page. */
  async catchUp(): Promise<InboxResult> {
    let result: InboxResult;
    do {
      result = await this.#deps.fetch(this.#contiguous, PAGE);
      for (const e of result.escalations) this.accept(e);
    } while (result.escalations.length === PAGE);
    return result;
  }
}
