import { Checkpoint } from '@hotline/shared';
import type { LinkArchive } from './archive.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { decodeStored } from './decode.js';

/**
 * Checkpoints across the archive boundary: the mover copies a segment's checkpoints to the archive with
 * its entries and removes them from Redis after; `between` reads both (Redis's first, the archive's for
 * the rest), so an export carries every checkpoint of its range wherever it now lives.
 */
export class ArchivedCheckpointStore implements CheckpointStore {
  constructor(
    readonly hot: CheckpointStore,
    readonly archive: LinkArchive,
  ) {}

  save(checkpoint: Checkpoint): Promise<void> {
    return this.hot.save(checkpoint);
  }

  latest(linkIds: readonly string[]): Promise<Record<string, Checkpoint>> {
    return this.hot.latest(linkIds);
  }

  async between(linkId: string, fromSeq: number, toSeq: number): Promise<Checkpoint[]> {
    const hot = await this.hot.between(linkId, fromSeq, toSeq);
    // Everything below Redis's oldest checkpoint in the range is archived (or never existed).
    const below = hot.length > 0 ? hot[0]!.seq - 1 : toSeq;
    if (below < fromSeq) return hot;
    const cold = (await this.archive.checkpoints(linkId, fromSeq, below)).map((c) => decodeStored(Checkpoint, c.json, `archived checkpoint ${linkId}#${c.seq}`));
    return [...cold, ...hot];
  }

  claimRound(nodeId: string, ttlMs: number): Promise<boolean> {
    return this.hot.claimRound(nodeId, ttlMs);
  }

  sharedServerKey(generate: () => string): Promise<string> {
    return this.hot.sharedServerKey(generate);
  }
}
