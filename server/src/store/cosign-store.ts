import { Cosignature } from '@hotline/shared';
import { decodeStored } from './decode.js';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis.js';

/**
 * The sides' cosignatures of each link's checkpoints. At most one per checkpoint and side: the first
 * one stored is kept, a later one of the same side for the same checkpoint writes nothing (and the
 * kept one is returned), so a cosignature, once stored, never changes. Values read are checked
 * against the shared schema.
 */
export interface CosignatureStore {
  /** Stores the cosignature unless its side already cosigned this checkpoint; returns the one kept. */
  add(cosignature: Cosignature): Promise<{ kept: Cosignature; created: boolean }>;
  /** The cosignatures of the checkpoints at `seqs` by `sides`, by seq (seqs without any are absent). */
  of(linkId: string, seqs: readonly number[], sides: readonly string[]): Promise<Map<number, Cosignature[]>>;
}

export class RedisCosignatureStore implements CosignatureStore {
  constructor(
    readonly redis: RedisClient,
    readonly keys: Keys,
  ) {}

  #decode(raw: string): Cosignature {
    return decodeStored(Cosignature, raw, 'cosignature');
  }

  async add(c: Cosignature): Promise<{ kept: Cosignature; created: boolean }> {
    const key = this.keys.cosignatures(c.linkId);
    const field = `${c.seq}:${c.side}`;
    if ((await this.redis.hsetnx(key, field, JSON.stringify(c))) === 1) return { kept: c, created: true };
    const raw = await this.redis.hget(key, field);
    if (!raw) throw new Error(`cosignature ${field} of ${c.linkId} vanished right after it was found stored`);
    return { kept: this.#decode(raw), created: false };
  }

  async of(linkId: string, seqs: readonly number[], sides: readonly string[]): Promise<Map<number, Cosignature[]>> {
    const out = new Map<number, Cosignature[]>();
    if (seqs.length === 0 || sides.length === 0) return out;
    const fields = seqs.flatMap((seq) => sides.map((side) => `${seq}:${side}`));
    const key = this.keys.cosignatures(linkId);
    for (let i = 0; i < fields.length; i += 1000) {
      const raws = await this.redis.hmget(key, ...fields.slice(i, i + 1000));
      raws.forEach((raw) => {
        if (!raw) return;
        const c = this.#decode(raw);
        out.set(c.seq, [...(out.get(c.seq) ?? []), c]);
      });
    }
    return out;
  }
}
