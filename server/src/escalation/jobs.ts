import { z } from 'zod';
import { AlertId, LinkId } from '@hotline/shared';

/** The queue of escalation timers. */
export const ESCALATION_QUEUE = 'escalations';
export const ESCALATE_JOB = 'escalate';

/** Payload of an escalation job: fire step `step` of an alert. */
export const EscalateJobData = z.object({
  alertId: AlertId,
  linkId: LinkId,
  step: z.number().int().min(1),
});
export type EscalateJobData = z.infer<typeof EscalateJobData>;

/**
 * One job per (alert, step): adding it twice while it exists is a no-op. No ':' (BullMQ key separator)
 * and never all digits.
 */
export function escalationJobId(alertId: string, step: number): string {
  return `esc-${alertId}-${step}`;
}
