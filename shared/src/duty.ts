import { z } from 'zod';
import { LinkId, Seq, Sig, Timestamp } from './scalars.js';
import { LIMITS } from './text.js';
import { Id } from './topology.js';

/**
 * Who is on duty at a post (docs/admin.md, "Who is on duty"): the wire shapes of the handover and of
 * the duty read back, and the projection the server keeps per link.
 */

/** POST /api/duty/handover: the operator taking over, a short note, and a signature per link of the post. */
export const HandoverRequest = z.strictObject({
  postId: Id,
  /** The operator taking over (an operator of the post; may be the caller). */
  to: Id,
  note: z.string().max(LIMITS.HANDOVER_NOTE_MAX).default(''),
  /** act duty:handover, one per link of the post (fields linkId, postId, to, note). */
  sigs: z.record(LinkId, Sig).default({}),
});
export type HandoverRequest = z.input<typeof HandoverRequest>;

/** The answer to a handover: the entry written on each link of the post. */
export const HandoverResult = z.object({
  postId: Id,
  onDuty: Id,
  entries: z.array(z.object({ linkId: LinkId, seq: Seq })),
});
export type HandoverResult = z.infer<typeof HandoverResult>;

/** Who is on duty at one post, as the server projects it from the link's latest duty.handover entry. */
export const OnDuty = z.object({
  userId: Id,
  /** When the shift began: the handover entry's time. */
  since: Timestamp,
  /** The handover entry on this link. */
  seq: Seq,
  note: z.string().max(LIMITS.HANDOVER_NOTE_MAX),
});
export type OnDuty = z.infer<typeof OnDuty>;

/** GET /api/duty: per readable link, who is on duty at each of its posts (null: no handover yet). */
export const DutyResponse = z.object({
  duty: z.array(z.object({ linkId: LinkId, posts: z.record(Id, OnDuty.nullable()) })),
});
export type DutyResponse = z.infer<typeof DutyResponse>;
