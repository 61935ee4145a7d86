import type { Entry } from '@hotline/shared';
import type { RequestOf, ResultOf } from './calls.js';
import { LinkTracker } from './link-tracker.js';
import type { RecordGuard } from './record-guard.js';

export interface LinkSyncDeps {
  /** Sends one sync request. */
  request(payload: RequestOf<'sync'>): Promise<ResultOf<'sync'>>;
  /** Whether a sync can run now. */
  connected(): boolean;
  /** Keeps hashes and checkpoints, and checks heads against them. */
  guard: RecordGuard;
  /** Each entry once, in seq order per link. */
  deliver(entry: Entry): void;
  /** An entry arrived ahead of a missing one; a sync is on its way. */
  gap(info: { linkId: string; expectedSeq: number; gotSeq: number }): void;
  /** The server's log disagrees with what this client holds. */
  fork(info: { linkId: string; seq: number; detail: string }): void;
  /** A sync finished with nothing more to fetch. */
  synced(): void;
}

/** How long to wait for a missing entry to arrive by itself before syncing. */
const GAP_SYNC_DELAY_MS = 250;
/** Entries per sync page: at most, and at least after pages that did not come through. */
const PAGE_MAX = 1000;
const PAGE_MIN = 5;

/**
 * Sync and gap healing for the links the client follows.
 *
 * Guarantees: entries reach `deliver` exactly once and in seq order per link, whether they come from a
 * live push, a sync page or both; a sync fetches page by page until every followed link is at the
 * server's head; calls during a sync share it and make it go round once more, so nothing appended
 * meanwhile is missed; an entry pushed ahead of a missing one triggers a sync if the gap is still open
 * shortly after; while connected, a periodic sync (the health check) fetches a push lost with a node.
 * A head or entry that disagrees with what this client holds is reported as a fork. A page that does
 * not come through (the line dropped or the answer timed out) makes the next ones smaller, down to a
 * few entries, and pages that do make them larger again: on a slow link (GPRS) a page of a thousand
 * entries can outlast the connection's heartbeat, and asking for it again after each reconnection
 * would never end; smaller pages each arrive, and what arrived is kept.
 */
export class LinkSync {
  readonly #deps: LinkSyncDeps;
  readonly #tracker: LinkTracker;
  #links: string[] = [];
  #syncing: Promise<void> | undefined;
  #again = false;
  #gapTimer: ReturnType<typeof setTimeout> | undefined;
  #healthTimer: ReturnType<typeof setInterval> | undefined;
  #pageLimit = PAGE_MAX;

  /** `cursors`: where to resume each link from (entries up to them are never delivered). */
  constructor(deps: LinkSyncDeps, cursors?: Record<string, { seq: number; hash?: string }>) {
    this.#deps = deps;
    this.#tracker = new LinkTracker(
      {
        deliver: (entry) => {
          deps.guard.entry(entry);
          deps.deliver(entry);
        },
        gap: (linkId, expectedSeq, gotSeq) => {
          deps.gap({ linkId, expectedSeq, gotSeq });
          this.#scheduleGapSync();
        },
        fork: (linkId, info) =>
          deps.fork({
            linkId,
            seq: info.seq,
            detail:
              'serverSeq' in info
                ? `the server's log ends at ${info.serverSeq}, but this client holds entries up to ${info.seq}`
                : `entry ${info.seq} has hash ${info.serverHash} on the server, but ${info.heldHash} here`,
          }),
      },
      cursors,
    );
  }

  get links(): readonly string[] {
    return this.#links;
  }

  /** Follows these links (from their cursors, or from the beginning). */
  follow(links: readonly string[]): void {
    this.#links = [...links];
    for (const id of this.#links) this.#tracker.follow(id);
  }

  /** Last seq delivered for a link. */
  cursor(linkId: string): number {
    return this.#tracker.cursor(linkId);
  }

  /** Hash of the last entry delivered for a link. */
  lastHash(linkId: string): string | undefined {
    return this.#tracker.lastHash.get(linkId);
  }

  /** A live push: delivered in order, held back behind a gap. */
  accept(entry: Entry): void {
    this.#tracker.accept(entry);
  }

  /** Fetches everything after the current cursors, page by page. */
  sync(): Promise<void> {
    if (this.#syncing) {
      this.#again = true;
      return this.#syncing;
    }
    this.#syncing = (async () => {
      try {
        do {
          this.#again = false;
          let hasMore = true;
          while (hasMore) {
            const cursors: Record<string, number> = {};
            for (const id of this.#links) cursors[id] = this.#tracker.cursor(id);
            if (this.#links.length === 0) break;
            let page: ResultOf<'sync'>;
            try {
              page = await this.#deps.request({ cursors, limit: this.#pageLimit });
            } catch (err) {
              this.#pageLimit = Math.max(PAGE_MIN, Math.floor(this.#pageLimit / 4));
              throw err;
            }
            this.#pageLimit = Math.min(PAGE_MAX, this.#pageLimit * 2);
            for (const entry of page.entries) this.#tracker.accept(entry);
            this.#tracker.checkHeads(page.heads, cursors);
            this.#deps.guard.heads(page.heads);
            for (const cp of Object.values(page.checkpoints ?? {})) await this.#deps.guard.accept(cp);
            hasMore = page.hasMore;
          }
        } while (this.#again);
      } finally {
        this.#syncing = undefined;
      }
      this.#deps.synced();
    })();
    return this.#syncing;
  }

  /** Syncs this often while connected (0: never). */
  startHealthCheck(everyMs: number): void {
    if (everyMs === 0 || this.#healthTimer) return;
    this.#healthTimer = setInterval(() => {
      if (this.#deps.connected()) void this.sync().catch(() => undefined);
    }, everyMs);
  }

  stop(): void {
    clearInterval(this.#healthTimer);
    this.#healthTimer = undefined;
    clearTimeout(this.#gapTimer);
    this.#gapTimer = undefined;
  }

  #scheduleGapSync(): void {
    if (this.#gapTimer) return;
    this.#gapTimer = setTimeout(() => {
      this.#gapTimer = undefined;
      if (this.#tracker.hasGaps() && this.#deps.connected()) void this.sync().catch(() => undefined);
    }, GAP_SYNC_DELAY_MS);
  }
}
