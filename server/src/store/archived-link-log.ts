import { AppError, Entry as EntrySchema, ErrorCode, type Entry } from '@hotline/shared';
import type { LinkArchive } from './archive.js';
import { decodeHashed } from './decode.js';
import type { AppendOutcome, AppendPlan, FieldRead, Head, IdempotentAppendOutcome, IdempotentAppendPlan, LinkLog, Snapshot } from './link-log.js';

function parseStored(linkId: string, seq: number, json: string): Entry {
  try {
    return JSON.parse(json) as Entry;
  } catch (cause) {
    throw new AppError(ErrorCode.INTERNAL, `archived entry ${seq} of ${linkId} is not JSON`, { cause });
  }
}

/**
 * A link log whose cold segments live in the archive: appends and heads go to the hot log (Redis);
 * reads that reach below the oldest entry still in Redis continue in the archive, in the same order,
 * with the same bytes and so the same hashes. The mover copies a segment to the archive and checks it
 * before trimming it from Redis, so whatever a read misses in Redis is already in the archive, and a
 * read that raced a trim simply goes round again from where it got to.
 */
export class ArchivedLinkLog implements LinkLog {
  constructor(
    readonly hot: LinkLog,
    readonly archive: LinkArchive,
  ) {}

  append<R>(linkId: string, reads: FieldRead[], plan: (snapshot: Snapshot) => AppendPlan<R>): Promise<AppendOutcome<R>> {
    return this.hot.append(linkId, reads, plan);
  }

  appendOnce<R>(linkId: string, reads: FieldRead[], plan: (snapshot: Snapshot) => IdempotentAppendPlan<R>): Promise<IdempotentAppendOutcome<R>> {
    return this.hot.appendOnce(linkId, reads, plan);
  }

  heads(linkIds: readonly string[]): Promise<Map<string, Head>> {
    return this.hot.heads(linkIds);
  }

  async get(linkId: string, seq: number): Promise<Entry | null> {
    const hot = await this.hot.get(linkId, seq);
    if (hot) return hot;
    const row = await this.archive.row(linkId, seq);
    return row ? decodeHashed(EntrySchema, row.json, `archived entry ${seq} of ${linkId}`) : null;
  }

  async stored(linkId: string, seq: number): Promise<Entry | null> {
    const hot = await this.hot.stored(linkId, seq);
    if (hot) return hot;
    const row = await this.archive.row(linkId, seq);
    return row ? parseStored(linkId, seq, row.json) : null;
  }

  async range(linkId: string, afterSeq: number, limit: number): Promise<Entry[]> {
    const out: Entry[] = [];
    let cursor = afterSeq;
    while (out.length < limit) {
      const want = limit - out.length;
      const hot = await this.hot.range(linkId, cursor, want);
      // The common case, one read as without an archive: Redis holds the next entry.
      if (hot.length > 0 && hot[0]!.seq === cursor + 1) {
        out.push(...hot);
        break;
      }
      // Below the hot store (or all of it trimmed): the archive, up to where Redis starts.
      const cold = await this.archive.range(linkId, cursor, hot.length > 0 ? Math.min(want, hot[0]!.seq - cursor - 1) : want);
      if (cold.length === 0) {
        // A gap neither store fills: pass on what exists; the client and the verifier see the gap.
        out.push(...hot);
        break;
      }
      for (const row of cold) out.push(parseStored(linkId, row.seq, row.json));
      cursor = cold[cold.length - 1]!.seq;
    }
    return out;
  }
}
