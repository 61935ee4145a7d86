import { z } from 'zod';
import { LinkId } from '@hotline/shared';

/** The queue of escalation and line-check timers. */
export const ESCALATION_QUEUE = 'escalations';
/** Fire escalation step `step` of an alert or a message deadline. */
export const ESCALATE_JOB = 'escalate';
/** Close the answer window of a line check. */
export const CLOSE_LINECHECK_JOB = 'close-linecheck';

export const EscalateJobData = z.object({
  subject: z.enum(['alert', 'message']).default('alert'),
  /** alertId or message deadline id */
  id: z.string().min(1).max(120),
  linkId: LinkId,
  step: z.number().int().min(1),
  /**
   * When the step is due (ms since the epoch). The job is queued a little ahead of it (the scheduler's
   * lead) and waits in the processor for this moment; absent in jobs queued without a lead.
   */
  dueAt: z.number().int().nonnegative().optional(),
});
export type EscalateJobData = z.input<typeof EscalateJobData>;

export const CloseLineCheckJobData = z.object({
  linkId: LinkId,
  checkId: z.string().min(1).max(120),
});
export type CloseLineCheckJobData = z.infer<typeof CloseLineCheckJobData>;

/**
 * One job per (subject, step): adding it twice while it exists is a no-op. No ':' (BullMQ key separator)
 * and never all digits.
 */
export function escalationJobId(id: string, step: number): string {
  return `esc-${id}-${step}`;
}

export function closeLineCheckJobId(checkId: string): string {
  return `lcc-${checkId}`;
}
