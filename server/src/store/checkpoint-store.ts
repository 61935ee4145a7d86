import { Checkpoint } from '@hotline/shared';
import { decodeStored } from './decode.js';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis.js';

/**
 * The server's signed checkpoints of each link's head, and the key that signs them. Values read are
 * checked against the shared schema.
 */
export interface CheckpointStore {
  /** Stores a checkpoint in its link's history (by seq) and as the link's latest, in one transaction. */
  save(checkpoint: Checkpoint): Promise<void>;
  /** The latest checkpoint of each link that has one. */
  latest(linkIds: readonly string[]): Promise<Record<string, Checkpoint>>;
  /** Checkpoints of a link with seq in [fromSeq, toSeq], by seq. */
  between(linkId: string, fromSeq: number, toSeq: number): Promise<Checkpoint[]>;
  /** Claims the next round of checkpoints for `nodeId`: true for one caller per `ttlMs`, whatever the number of nodes. */
  claimRound(nodeId: string, ttlMs: number): Promise<boolean>;
  /**
   * The signing key every node shares (PKCS#8 PEM): the stored one, or `generate()` stored when there is
   * none yet. Nodes starting together all get the first one stored.
   */
  sharedServerKey(generate: () => string): Promise<string>;
}

export class RedisCheckpointStore implements CheckpointStore {
  constructor(
    readonly redis: RedisClient,
    readonly keys: Keys,
  ) {}

  #decode(raw: string): Checkpoint {
    return decodeStored(Checkpoint, raw, 'checkpoint');
  }

  async save(cp: Checkpoint): Promise<void> {
    const json = JSON.stringify(cp);
    // Both keys carry the link's hash tag: one slot, so the transaction works on a cluster.
    await this.redis.multi().zadd(this.keys.checkpoints(cp.linkId), cp.seq, json).set(this.keys.lastCheckpoint(cp.linkId), json).exec();
  }

  async latest(linkIds: readonly string[]): Promise<Record<string, Checkpoint>> {
    if (linkIds.length === 0) return {};
    const raws = await Promise.all(linkIds.map((id) => this.redis.get(this.keys.lastCheckpoint(id))));
    const out: Record<string, Checkpoint> = {};
    linkIds.forEach((id, i) => {
      const raw = raws[i];
      if (raw) out[id] = this.#decode(raw);
    });
    return out;
  }

  async between(linkId: string, fromSeq: number, toSeq: number): Promise<Checkpoint[]> {
    const raws = await this.redis.zrangebyscore(this.keys.checkpoints(linkId), fromSeq, toSeq);
    return raws.map((r) => this.#decode(r));
  }

  async claimRound(nodeId: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.checkpointLock(), nodeId, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async sharedServerKey(generate: () => string): Promise<string> {
    await this.redis.set(this.keys.serverKey(), generate(), 'NX');
    const pem = await this.redis.get(this.keys.serverKey());
    if (!pem) throw new Error('the shared server key vanished from Redis right after it was stored');
    return pem;
  }
}
