import { AppError, EXPORT_FORMAT, ErrorCode, encodeExportLine, type Entry, type EntryOf } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { KeyRegistry } from '../store/key-registry.js';
import type { LinkLog } from '../store/link-log.js';
import type { CheckpointService } from './checkpoint-service.js';
import type { CosignService } from './cosign-service.js';
import type { SignatureService } from './signature-service.js';

export interface ExportRange {
  fromSeq?: number | undefined;
  toSeq?: number | undefined;
  /** ms since the epoch, inclusive */
  from?: number | undefined;
  to?: number | undefined;
}

/**
 * Streams a link's record in the export format (shared/src/export-format.ts, docs/record.md): a header
 * with the server key, the anchor before the range, the keys registered before it, the checkpoints
 * inside it (so the verifier can check each entry against them as it streams), every entry in the
 * range, and an end line with the counts. Enough for the offline verifier, with no server.
 */
export class ExportService {
  constructor(
    readonly deps: { topo: TopologyIndex; log: LinkLog; registry: KeyRegistry; checkpoints: CheckpointService; cosign: CosignService; signatures: SignatureService },
  ) {}

  /** Monitors, admins and commanders in scope export; operators do not. */
  authorize(principal: Principal, linkId: string) {
    const link = this.deps.topo.readableLink(principal, linkId);
    if (principal.role === 'operator') throw new AppError(ErrorCode.FORBIDDEN, 'operators do not export the record');
    return link;
  }

  /** First seq whose entry ts is >= ts (ts never decreases along a log), or head+1. */
  async #seqAtOrAfter(linkId: string, ts: number, headSeq: number): Promise<number> {
    let lo = 1;
    let hi = headSeq + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const entry = await this.deps.log.stored(linkId, mid);
      if (!entry || entry.ts < ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  async *lines(principal: Principal, linkId: string, range: ExportRange): AsyncGenerator<string> {
    const link = this.authorize(principal, linkId);
    const { log, topo, checkpoints, registry } = this.deps;
    const head = (await log.heads([link.id])).get(link.id)!;
    let fromSeq = Math.max(1, range.fromSeq ?? 1);
    let toSeq = Math.min(head.seq, range.toSeq ?? head.seq);
    if (range.from !== undefined) fromSeq = Math.max(fromSeq, await this.#seqAtOrAfter(link.id, range.from, head.seq));
    if (range.to !== undefined) toSeq = Math.min(toSeq, (await this.#seqAtOrAfter(link.id, range.to + 1, head.seq)) - 1);

    const posts = link.posts.map((id) => topo.post(id)!);
    yield encodeExportLine({
      kind: 'header',
      format: EXPORT_FORMAT,
      linkId: link.id,
      link: { id: link.id, name: link.name, posts: link.posts },
      posts: posts.map((p) => ({ id: p.id, side: p.side, name: p.name })),
      sides: topo.topology.sides.map((s) => ({ id: s.id, name: s.name })),
      exportedAt: Date.now(),
      exportedBy: principal.userId,
      range: { fromSeq, toSeq, from: range.from ?? null, to: range.to ?? null },
      head: { seq: head.seq, hash: head.hash },
      serverKey: checkpoints.serverKey,
    });
    if (fromSeq > 1 && fromSeq <= toSeq) {
      const before = await log.stored(link.id, fromSeq - 1);
      if (before) yield encodeExportLine({ kind: 'anchor', seq: before.seq, hash: before.hash });
    }
    // Keys registered before the range sign entries inside it.
    for (const seq of (await registry.linkKeySeqs(link.id)).filter((s) => s < fromSeq)) {
      const entry = await log.stored(link.id, seq);
      // As stored: the key.registered entry written with the key's first signed entry here, judged by the verifier.
      if (entry) yield encodeExportLine({ kind: 'key', entry: entry as EntryOf<'key.registered'> });
    }
    // The signature policy in force at the range's start, when the log recorded one before it.
    const policySeq = fromSeq > 1 ? await this.deps.signatures.policyBefore(link.id, fromSeq) : null;
    if (policySeq !== null) {
      const entry = await log.stored(link.id, policySeq);
      if (entry) yield encodeExportLine({ kind: 'policy', entry: entry as EntryOf<'signature.policy'> });
    }
    const cps = await checkpoints.between(link.id, fromSeq, toSeq);
    const cosigned = await this.deps.cosign.of(link.id, cps.map((cp) => cp.seq));
    for (const cp of cps) {
      const cosignatures = cosigned.get(cp.seq);
      yield encodeExportLine(cosignatures ? { kind: 'checkpoint', checkpoint: cp, cosignatures } : { kind: 'checkpoint', checkpoint: cp });
    }
    let count = 0;
    let last: Entry | undefined;
    for (let after = fromSeq - 1; after < toSeq; ) {
      const page = await log.range(link.id, after, Math.min(1000, toSeq - after));
      if (page.length === 0) break;
      for (const entry of page) {
        yield encodeExportLine({ kind: 'entry', entry });
        count++;
        last = entry;
      }
      after = page[page.length - 1]!.seq;
    }
    yield encodeExportLine({ kind: 'end', entries: count, last: last ? { seq: last.seq, hash: last.hash } : null });
  }
}
