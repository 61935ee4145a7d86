import { VerifyProblem } from './verify-crypto.js';

/**
 * Which user actions had to be signed (docs/record.md §9.2). The deployment's signature policy is on
 * the record: `signature.policy` entries, which the server writes before the first entry appended under
 * a policy other than the one the log last recorded; a log that records none has been under "required"
 * from its start.
 *
 *   strict (default)      an unsigned user action where the record's policy is "required" is refused;
 *                         where it is "optional", it is accepted and counted
 *   lenient (explicit)    every unsigned user action is accepted, and counted apart as accepted only
 *                         because of leniency
 *   all (explicit)        every user action must be signed, whatever the record's policy
 */
export type SignatureMode = 'strict' | 'lenient' | 'all';

export interface SignaturePolicyReport {
  mode: SignatureMode;
  /** The policy in force at the start of the exported range, and each change inside it. */
  policy: { seq: number | null; signatures: 'required' | 'optional' }[];
  /** Unsigned user actions the record's policy allowed (policy "optional"). */
  allowedUnsigned: number;
  /** Unsigned user actions the policy required to be signed, accepted only because the check was lenient. */
  lenientUnsigned: number;
}

export class SignaturePolicyCheck {
  #current: 'required' | 'optional' = 'required';
  readonly report: SignaturePolicyReport;

  constructor(mode: SignatureMode) {
    this.report = { mode, policy: [{ seq: null, signatures: 'required' }], allowedUnsigned: 0, lenientUnsigned: 0 };
  }

  /** A signature.policy entry: before the range (a policy line) or inside it. */
  policy(entry: Record<string, unknown>, inRange: boolean): void {
    const seq = typeof entry.seq === 'number' ? entry.seq : null;
    const actor = entry.actor as { role?: string } | undefined;
    const signatures = (entry.payload as { signatures?: unknown } | undefined)?.signatures;
    if (actor?.role !== 'system') throw new VerifyProblem(seq, 'a signature policy entry must be written by the server');
    if (signatures !== 'required' && signatures !== 'optional') throw new VerifyProblem(seq, `unknown signature policy ${JSON.stringify(signatures)}`);
    this.#current = signatures;
    if (inRange) this.report.policy.push({ seq, signatures });
    else this.report.policy = [{ seq, signatures }];
  }

  /** An unsigned user action: throws when it had to be signed (unless lenient), counts it otherwise. */
  unsigned(seq: number, type: string, userId: string): void {
    const { mode } = this.report;
    if (mode === 'all') throw new VerifyProblem(seq, `${type} by ${userId} is not signed (every user action must be signed)`);
    if (this.#current === 'optional') {
      this.report.allowedUnsigned++;
      return;
    }
    if (mode === 'lenient') {
      this.report.lenientUnsigned++;
      return;
    }
    throw new VerifyProblem(seq, `${type} by ${userId} is not signed, but the record's signature policy requires it here (--lenient accepts it)`);
  }
}
