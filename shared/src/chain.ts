import { GENESIS_HASH, entryHashInput, type Sha256Hex } from './canonical.js';

export interface ChainEntry {
  linkId: string;
  seq: number;
  prevHash: string;
  hash: string;
}

export type ChainCheck =
  | { ok: true; count: number; head: { seq: number; hash: string } }
  | { ok: false; seq: number; reason: string };

/**
 * Checks that entries of one link form an unbroken hash chain: seqs consecutive, each prevHash equal to
 * the previous hash, each hash the SHA-256 of the entry's canonical encoding. `from` is the entry just
 * before the first one (the genesis for seq 1). Names the first bad seq.
 */
export function verifyChain(
  entries: readonly ChainEntry[],
  sha256: Sha256Hex,
  from: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH },
): ChainCheck {
  let prev = from;
  for (const entry of entries) {
    if (entry.seq !== prev.seq + 1) {
      return { ok: false, seq: prev.seq + 1, reason: entry.seq > prev.seq + 1 ? `missing (next present is ${entry.seq})` : `out of order (found ${entry.seq})` };
    }
    if (entry.prevHash !== prev.hash) return { ok: false, seq: entry.seq, reason: 'prevHash does not match the previous entry' };
    const computed = sha256(entryHashInput(entry as unknown as Record<string, unknown>));
    if (computed !== entry.hash) return { ok: false, seq: entry.seq, reason: 'hash does not match the content' };
    prev = { seq: entry.seq, hash: entry.hash };
  }
  return { ok: true, count: entries.length, head: prev };
}
