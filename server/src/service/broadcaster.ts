import type { Checkpoint, Entry, Escalation, Presence } from '@hotline/shared';

/**
 * Fan-out to consoles on every node. Best effort: a console that misses a push catches up by sync.
 */
export interface Broadcaster {
  /**
   * An entry this node has just appended, to this node's consoles that may read the link; the append's
   * own publish brings it to every other node's (RedisLinkLog.followHeads). `exceptSocket` leaves out the
   * socket whose request appended it (its ack already carries the entry, and the SDK delivers it from
   * there).
   */
  entry(entry: Entry, exceptSocket?: string): void;
  /**
   * An entry appended before, pushed again to the consoles of every node that may read the link: a
   * retried request, whose first push may have died with the node that made it.
   */
  entryAgain(entry: Entry): void;
  /** To one user's consoles. */
  escalation(userId: string, escalation: Escalation): void;
  /** To every console that may read one of the post's links. */
  presence(presence: Presence, linkIds: readonly string[]): void;
  /** To every console that may read the link. */
  checkpoint(checkpoint: Checkpoint): void;
}
