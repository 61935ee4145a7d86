import { cosignInput, type CosignatureShape, type TrustedKeysFile } from './cosign.js';
import { VerifyProblem, type VerifyCrypto } from './verify-crypto.js';

/**
 * The verifier's check of the sides' cosignatures (docs/record.md §9.3). Each cosignature of a
 * checkpoint line is verified with the key it carries and, when that side's trusted-keys file is given,
 * looked up among the side's pinned keys. A cosignature that verifies and contradicts the checkpoint
 * it is attached to, or the entry at its seq, refuses the export and names the checkpoint. Coverage:
 * the entries up to the last checkpoint a side cosigned (with pinned keys when any are given) are held
 * by that side's signature; the entries after the last one are reported as not covered.
 */
export interface Cosigner {
  side: string;
  userId: string;
  keyId: string;
  /** true: the key is in the side's trusted-keys file; false: the file was given and lacks it; null: no file for the side. */
  pinned: boolean | null;
}

export interface CosignedCheckpoint {
  seq: number;
  hash: string;
  sides: Cosigner[];
}

export interface CoverageReport {
  /** Sides whose trusted keys were given: then only their pinned cosignatures count. */
  pinnedSides: string[];
  /** Highest seq cosigned (counted) per side. */
  lastBySide: Record<string, number>;
  /** Highest seq cosigned (counted) by any side, and by every side of the link. */
  lastCovered: number | null;
  lastCoveredByAllSides: number | null;
  /** Entries of the export after the last cosigned checkpoint: covered by no cosignature. */
  notCovered: { fromSeq: number; toSeq: number } | null;
}

const fmt = (c: Cosigner) => `${c.side} (${c.userId}, key ${c.keyId}${c.pinned === true ? ', pinned' : c.pinned === false ? ', NOT pinned' : ''})`;

export class CosignCheck {
  readonly #crypto: VerifyCrypto;
  readonly #trusted = new Map<string, Map<string, TrustedKeysFile['keys'][number]>>();
  /** keyId → side, over every trusted-keys file. */
  readonly #pinnedSide = new Map<string, string>();
  #linkId = '';
  #sides: string[] = [];
  /** seq → counted cosignatures still waiting for their entry. */
  readonly #pending = new Map<number, { hash: string; by: Cosigner[] }>();
  readonly cosigned: CosignedCheckpoint[] = [];
  readonly #lastBySide: Record<string, number> = {};

  constructor(crypto: VerifyCrypto, trusted: readonly TrustedKeysFile[] = []) {
    this.#crypto = crypto;
    for (const file of trusted) {
      const keys = this.#trusted.get(file.side) ?? new Map();
      for (const k of file.keys) {
        keys.set(k.keyId, k);
        this.#pinnedSide.set(k.keyId, file.side);
      }
      this.#trusted.set(file.side, keys);
    }
  }

  /** The link and its sides, from the header. */
  start(linkId: string, sides: string[]): void {
    this.#linkId = linkId;
    this.#sides = sides;
    for (const side of this.#trusted.keys()) {
      if (!sides.includes(side)) throw new VerifyProblem(null, `trusted keys were given for side ${side}, which is not a side of link ${linkId}`);
    }
  }

  get counting(): 'pinned' | 'any' {
    return this.#trusted.size > 0 ? 'pinned' : 'any';
  }

  /** The cosignatures of a checkpoint line (already checked to be the server's). */
  async checkpoint(cp: { linkId: string; seq: number; hash: string }, cosignatures: unknown): Promise<void> {
    if (cosignatures === undefined) return;
    if (!Array.isArray(cosignatures)) throw new VerifyProblem(cp.seq, 'malformed cosignatures');
    const by: Cosigner[] = [];
    for (const raw of cosignatures as Partial<CosignatureShape>[]) {
      const c = await this.#one(cp, raw);
      by.push(c);
      const counted = this.counting === 'pinned' ? c.pinned === true : true;
      if (counted) {
        const pending = this.#pending.get(cp.seq) ?? { hash: cp.hash, by: [] };
        pending.by.push(c);
        this.#pending.set(cp.seq, pending);
      }
    }
    if (by.length > 0) this.cosigned.push({ seq: cp.seq, hash: cp.hash, sides: by });
  }

  async #one(cp: { linkId: string; seq: number; hash: string }, c: Partial<CosignatureShape>): Promise<Cosigner> {
    const seq = cp.seq;
    if (!c || typeof c !== 'object' || typeof c.side !== 'string' || typeof c.userId !== 'string' || typeof c.hash !== 'string' || !c.key || !c.sig) {
      throw new VerifyProblem(seq, `malformed cosignature of checkpoint ${seq}`);
    }
    if (c.linkId !== this.#linkId || c.seq !== seq) throw new VerifyProblem(seq, `a cosignature of another checkpoint (${String(c.linkId)} ${String(c.seq)}) is attached to checkpoint ${seq}`);
    if (!this.#sides.includes(c.side)) throw new VerifyProblem(seq, `checkpoint ${seq} is cosigned for side ${c.side}, which is not a side of this link`);
    const keyId = c.key.keyId;
    if ((await this.#crypto.keyIdOf(c.key.publicKey)) !== keyId || c.sig.keyId !== keyId) {
      throw new VerifyProblem(seq, `the cosignature of checkpoint ${seq} by side ${c.side} names key ${keyId}, which is not the key it carries`);
    }
    const input = cosignInput({ userId: c.userId, linkId: c.linkId, seq: c.seq, hash: c.hash, side: c.side });
    if (!(await this.#crypto.verifyP256(c.key.publicKey, input, c.sig.value))) {
      throw new VerifyProblem(seq, `the cosignature of checkpoint ${seq} by side ${c.side} (${c.userId}) does not verify`);
    }
    const pinnedFor = this.#pinnedSide.get(keyId);
    if (pinnedFor !== undefined && pinnedFor !== c.side) throw new VerifyProblem(seq, `checkpoint ${seq} is cosigned as side ${c.side} with key ${keyId}, pinned for side ${pinnedFor}`);
    const file = this.#trusted.get(c.side);
    let pinned: boolean | null = null;
    if (file) {
      const k = file.get(keyId);
      pinned = k !== undefined && k.publicKey === c.key.publicKey && k.userId === c.userId;
    }
    const cosigner: Cosigner = { side: c.side, userId: c.userId, keyId, pinned };
    if (c.hash !== cp.hash) {
      throw new VerifyProblem(
        seq,
        `checkpoint ${seq} contradicts what side ${fmt(cosigner)} cosigned: hash ${c.hash} for entry ${seq}, not ${cp.hash}; the history was rewritten after the side cosigned it`,
      );
    }
    return cosigner;
  }

  /** An entry of the export: it must be what every counted cosignature of its seq says. */
  entry(seq: number, hash: string): void {
    const pending = this.#pending.get(seq);
    if (!pending) return;
    this.#pending.delete(seq);
    if (pending.hash !== hash) {
      throw new VerifyProblem(
        seq,
        `entry ${seq} differs from checkpoint ${seq} cosigned by ${pending.by.map(fmt).join(' and ')}: the history was rewritten after the side cosigned it`,
      );
    }
    for (const c of pending.by) this.#lastBySide[c.side] = Math.max(this.#lastBySide[c.side] ?? 0, seq);
  }

  finish(range: { fromSeq: number | null; toSeq: number | null }): CoverageReport {
    const bySide = Object.values(this.#lastBySide);
    const lastCovered = bySide.length > 0 ? Math.max(...bySide) : null;
    const allSides = this.#sides.length > 0 && this.#sides.every((s) => this.#lastBySide[s] !== undefined);
    let notCovered: CoverageReport['notCovered'] = null;
    if (range.fromSeq !== null && range.toSeq !== null) {
      const from = Math.max(range.fromSeq, (lastCovered ?? 0) + 1);
      if (from <= range.toSeq) notCovered = { fromSeq: from, toSeq: range.toSeq };
    }
    return {
      pinnedSides: [...this.#trusted.keys()],
      lastBySide: { ...this.#lastBySide },
      lastCovered,
      lastCoveredByAllSides: allSides ? Math.min(...this.#sides.map((s) => this.#lastBySide[s]!)) : null,
      notCovered,
    };
  }
}
