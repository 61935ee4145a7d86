import type { AlertState } from '@hotline/shared';

export type AlertAction = 'ack' | 'resolve' | 'cancel';

export type TransitionDecision =
  | { kind: 'apply'; to: AlertState }
  /** The alert is already where this action leads (or past it): answer with the state, write nothing. */
  | { kind: 'repeat' }
  /** Not allowed from this state. */
  | { kind: 'conflict' };

/**
 * The alert state machine: open → acknowledged → resolved, and open → cancelled (false alarm).
 * Pure; the store applies the decision atomically with the log append.
 */
export function decideTransition(state: AlertState, action: AlertAction): TransitionDecision {
  switch (action) {
    case 'ack':
      if (state === 'open') return { kind: 'apply', to: 'acknowledged' };
      if (state === 'acknowledged' || state === 'resolved') return { kind: 'repeat' };
      return { kind: 'conflict' };
    case 'resolve':
      if (state === 'acknowledged') return { kind: 'apply', to: 'resolved' };
      if (state === 'resolved') return { kind: 'repeat' };
      return { kind: 'conflict' };
    case 'cancel':
      if (state === 'open') return { kind: 'apply', to: 'cancelled' };
      if (state === 'cancelled') return { kind: 'repeat' };
      return { kind: 'conflict' };
  }
}
