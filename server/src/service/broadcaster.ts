import type { Checkpoint, Entry, Escalation, Presence } from '@hotline/shared';

/**
 * Fan-out to consoles on every node. Best effort: a console that misses a push catches up by sync.
 */
export interface Broadcaster {
  /**
   * To every console that may read the link; `exceptSocket` leaves out the socket whose request appended
   * it (its ack already carries the entry, and the SDK delivers it from there).
   */
  entry(entry: Entry, exceptSocket?: string): void;
  /** To one user's consoles. */
  escalation(userId: string, escalation: Escalation): void;
  /** To every console that may read one of the post's links. */
  presence(presence: Presence, linkIds: readonly string[]): void;
  /** To every console that may read the link. */
  checkpoint(checkpoint: Checkpoint): void;
}
