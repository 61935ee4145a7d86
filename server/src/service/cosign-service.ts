import { AppError, ErrorCode, TRUSTED_KEYS_FORMAT, type CheckpointCosignRequest, type Cosignature, type CosignResult, type TrustedKeysFile } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { CosignatureStore } from '../store/cosign-store.js';
import type { KeyRegistry } from '../store/key-registry.js';
import type { CheckpointService } from './checkpoint-service.js';
import type { SignatureService } from './signature-service.js';

/**
 * Cosignatures of checkpoints by the two sides of a link (docs/record.md §7.6), and each side's
 * trusted-keys file. A cosignature is accepted from a user of one of the link's two sides who may read
 * the link, outside drill sessions, signed by a key registered for that user and valid now, for a
 * checkpoint the server made, with that checkpoint's hash; anything else is refused and changes nothing.
 */
export class CosignService {
  constructor(
    readonly deps: {
      topo: TopologyIndex;
      checkpoints: CheckpointService;
      signatures: SignatureService;
      store: CosignatureStore;
      registry: KeyRegistry;
    },
  ) {}

  /** The sides of a link's two posts. */
  sidesOf(linkId: string): string[] {
    const link = this.deps.topo.link(linkId);
    if (!link) return [];
    return [...new Set(link.posts.map((p) => this.deps.topo.post(p)?.side).filter((s): s is string => typeof s === 'string'))];
  }

  async cosign(principal: Principal, req: CheckpointCosignRequest): Promise<CosignResult> {
    const link = this.deps.topo.readableLink(principal, req.linkId);
    if (principal.drillOnly) throw new AppError(ErrorCode.FORBIDDEN, 'drill sessions do not cosign checkpoints');
    if (principal.sideId === null || !this.sidesOf(link.id).includes(principal.sideId)) {
      throw new AppError(ErrorCode.FORBIDDEN, `only users of the sides of link "${link.id}" cosign its checkpoints`);
    }
    if (req.side !== principal.sideId) throw new AppError(ErrorCode.FORBIDDEN, `you cosign for side "${principal.sideId}", not "${req.side}"`);
    const [cp] = await this.deps.checkpoints.between(link.id, req.seq, req.seq);
    if (!cp) throw new AppError(ErrorCode.NOT_FOUND, `no checkpoint of link "${link.id}" at seq ${req.seq}`);
    if (cp.hash !== req.hash) {
      throw new AppError(ErrorCode.CONFLICT, `the checkpoint of seq ${req.seq} has another hash than the one cosigned`, { details: { hash: cp.hash } });
    }
    const signing = await this.deps.signatures.check(principal, 'checkpoint:cosign', { linkId: link.id, seq: req.seq, hash: req.hash, side: req.side }, req.sig);
    if (!signing) throw new AppError(ErrorCode.SIGNATURE_REQUIRED, 'a cosignature must be signed');
    const { record } = signing;
    const cosignature: Cosignature = {
      linkId: link.id,
      seq: req.seq,
      hash: req.hash,
      side: req.side,
      userId: principal.userId,
      ts: Date.now(),
      key: { keyId: record.keyId, publicKey: record.publicKey, validFrom: record.validFrom, validUntil: record.validUntil },
      sig: req.sig,
    };
    const { kept, created } = await this.deps.store.add(cosignature);
    return { cosignature: kept, duplicate: !created };
  }

  /** The cosignatures of a link's checkpoints at `seqs`, by seq. */
  of(linkId: string, seqs: readonly number[]): Promise<Map<number, Cosignature[]>> {
    return this.deps.store.of(linkId, seqs, this.sidesOf(linkId));
  }

  /** A side's trusted-keys file: every key registered by a user of that side (admins only). */
  async trustedKeys(principal: Principal, side: string): Promise<TrustedKeysFile> {
    if (principal.role !== 'admin') throw new AppError(ErrorCode.FORBIDDEN, 'only admins export trusted keys');
    const topo = this.deps.topo.topology;
    if (!topo.sides.some((s) => s.id === side)) throw new AppError(ErrorCode.NOT_FOUND, `unknown side "${side}"`);
    const users = topo.users.filter((u) => (u.side ?? (u.post ? this.deps.topo.post(u.post)?.side : undefined)) === side);
    const keys: TrustedKeysFile['keys'] = [];
    for (const u of users) {
      for (const k of await this.deps.registry.ofUser(u.id)) {
        keys.push({ keyId: k.keyId, userId: k.userId, publicKey: k.publicKey, validFrom: k.validFrom, validUntil: k.validUntil });
      }
    }
    return { format: TRUSTED_KEYS_FORMAT, side, exportedAt: Date.now(), keys };
  }
}
