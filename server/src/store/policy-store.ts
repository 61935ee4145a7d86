import type { Keys } from './keys.js';
import type { FieldRead, ProjectionOp } from './link-log.js';
import type { RedisClient } from './redis.js';

export type SignaturePolicy = 'required' | 'optional';

/**
 * The signature policy each link's log records (signature.policy entries). The "current" field is
 * written in the same atomic step as the entry that changes it (`set`, a projection of the append), so
 * it always names the policy of the log's last signature.policy entry, or is absent when there is none
 * (the log is then under "required"). Each change is also kept by seq, for the export's policy line.
 */
export interface SignaturePolicyStore {
  /** The snapshot read of the policy the log last recorded (null: none, i.e. "required"). */
  read(linkId: string): FieldRead;
  /** The projection writes recording that the entry at `seq` set the policy. */
  set(linkId: string, seq: number, policy: SignaturePolicy): ProjectionOp[];
  /** Seq of the last signature.policy entry of a link before `seq`, or null. */
  lastBefore(linkId: string, seq: number): Promise<number | null>;
}

export class RedisSignaturePolicyStore implements SignaturePolicyStore {
  constructor(
    readonly redis: RedisClient,
    readonly keys: Keys,
  ) {}

  read(linkId: string): FieldRead {
    return { key: this.keys.signaturePolicy(linkId), field: 'current' };
  }

  set(linkId: string, seq: number, policy: SignaturePolicy): ProjectionOp[] {
    const key = this.keys.signaturePolicy(linkId);
    return [
      { op: 'HSET', key, field: 'current', value: policy },
      { op: 'HSET', key, field: String(seq), value: policy },
    ];
  }

  async lastBefore(linkId: string, seq: number): Promise<number | null> {
    const seqs = Object.keys(await this.redis.hgetall(this.keys.signaturePolicy(linkId)))
      .filter((f) => /^\d+$/.test(f))
      .map(Number)
      .filter((s) => s < seq);
    return seqs.length > 0 ? Math.max(...seqs) : null;
  }
}
