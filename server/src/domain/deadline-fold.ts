import type { Entry, MessageDeadline } from '@hotline/shared';

/**
 * The message-deadline projection after one more entry of its link: an acknowledgement receipt of the
 * message, or one of its escalations. Like the alert fold (shared/src/alert-fold.ts), it only records
 * what the log says; whether the entry may be written is decided before. Pure.
 */
export function foldDeadline(deadline: MessageDeadline, entry: Entry): MessageDeadline {
  switch (entry.type) {
    case 'receipt':
      if (entry.payload.kind !== 'ack' || entry.payload.uptoSeq !== deadline.seq) return deadline;
      return {
        ...deadline,
        state: 'acknowledged',
        acknowledgedAt: entry.ts,
        acknowledgedBy: entry.actor,
        ackSeq: entry.seq,
        nextEscalationAt: null,
        updatedSeq: entry.seq,
      };
    case 'message.escalated':
      if (entry.payload.deadlineId !== deadline.id) return deadline;
      return {
        ...deadline,
        step: entry.payload.step,
        nextEscalationAt: entry.payload.nextEscalationAt,
        escalations: [...deadline.escalations, { step: entry.payload.step, level: entry.payload.level, at: entry.ts }],
        updatedSeq: entry.seq,
      };
    default:
      return deadline;
  }
}
