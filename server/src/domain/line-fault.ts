import { alertPosts } from '@hotline/shared';

/** Who a line-fault alert stands between, and whether the post asked to acknowledge it was online. */
export interface LineFaultParties {
  /** The other post: the one that answered, or the first post when neither did. */
  raiserPostId: string;
  /** The post asked to acknowledge the fault (to confirm someone is at the hotline again). */
  counterpartPostId: string;
  /** Whether a console of that post was online when the check closed. */
  counterpartOnline: boolean;
}

/**
 * The parties of the line-fault alert an unanswered check raises (`missed` is not empty).
 *
 * The post asked to acknowledge follows from the record alone, so every console and verifier derives
 * the same one from the linecheck.closed entry: the post that missed the check, or the link's second
 * post when both did.
 *
 * The alert counts that post as offline only when it has no console online. Two posts online but
 * silent are not a counterpart that is offline: an `escalate-now` policy then waits for its timers,
 * since the alarm sounds where someone can acknowledge it; it escalates at once only when nobody is
 * at the console of the post asked.
 */
export function lineFaultParties(posts: readonly [string, string], missed: readonly string[], online: (postId: string) => boolean): LineFaultParties {
  const parties = alertPosts(posts, null, missed);
  return { ...parties, counterpartOnline: online(parties.counterpartPostId) };
}
