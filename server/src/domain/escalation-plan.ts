import type { EscalationPolicy } from '@hotline/shared';

export interface PlannedStep {
  /** 1-based count of escalations, repeats included. */
  step: number;
  /** 1-based policy level whose targets are notified (repeats reuse the last). */
  level: number;
  repeat: boolean;
  dueAt: number;
}

/** Number of steps a policy can fire in all. */
export function totalSteps(policy: EscalationPolicy): number {
  return policy.levels.length + (policy.repeat?.times ?? 0);
}

/**
 * When escalation `step` of an alert raised at `raisedAt` is due, or null past the last step.
 * Level delays count from the raise; repeats follow the last level every `repeat.every`.
 * With `immediateFirst` (the counterpart was offline and the policy says escalate-now) step 1 is due at
 * the raise and later steps keep their own times.
 */
export function planStep(policy: EscalationPolicy, raisedAt: number, step: number, immediateFirst = false): PlannedStep | null {
  const levels = policy.levels;
  if (!Number.isInteger(step) || step < 1 || step > totalSteps(policy)) return null;
  if (step <= levels.length) {
    const dueAt = step === 1 && immediateFirst ? raisedAt : raisedAt + levels[step - 1]!.delay;
    return { step, level: step, repeat: false, dueAt };
  }
  const last = levels[levels.length - 1]!;
  const every = policy.repeat!.every;
  return { step, level: levels.length, repeat: true, dueAt: raisedAt + last.delay + (step - levels.length) * every };
}
