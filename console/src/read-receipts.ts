import type { ConsoleModel } from './model.js';

/** What the policy needs to know of the screen. */
export interface ReadSurface {
  /** The link whose thread is on screen, scrolled to its newest entry; null when none is. */
  threadAtEnd(): string | null;
  /** Whether the operator can see it: the page is visible and nothing covers the thread (an alert takeover). */
  inSight(): boolean;
}

/**
 * When the console tells the other post "read": the one place that decides. A thread counts as read
 * up to the newest message from the counterpart when it is on screen, scrolled to its end, the page is
 * visible and nothing covers it; never for a thread the user has not got in front of them. Each mark is
 * sent once (the SDK sends the highest, quoting its hash) and counted at once in the unread badges.
 */
export class ReadReceiptPolicy {
  readonly #model: ConsoleModel;
  readonly #surface: ReadSurface;
  readonly #markRead: (linkId: string, uptoSeq: number) => void;

  constructor(model: ConsoleModel, surface: ReadSurface, markRead: (linkId: string, uptoSeq: number) => void) {
    this.#model = model;
    this.#surface = surface;
    this.#markRead = markRead;
  }

  /** Marks the thread in sight read when it has news; true when it did (the unread counts changed). */
  check(): boolean {
    if (!this.#surface.inSight()) return false;
    const linkId = this.#surface.threadAtEnd();
    const link = linkId ? this.#model.link(linkId) : undefined;
    const mine = link ? this.#model.myPostOn(link) : null;
    if (!link || !mine) return false;
    const upto = this.#model.lastIncomingSeq(link.id, mine);
    if (upto <= this.#model.readUpto(link.id, mine)) return false;
    this.#model.noteLocalRead(link.id, upto);
    this.#markRead(link.id, upto);
    return true;
  }
}
