import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  AppError,
  Entry as EntrySchema,
  ErrorCode,
  GENESIS_HASH,
  canonicalize,
  entryHashInput,
  type Entry,
  type EntryDraft,
  type LinkHead,
} from '@hotline/shared';
import { decodeHashed } from './decode.js';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis.js';

const APPEND_LUA = readFileSync(new URL('./lua/appendEntry-3.lua', import.meta.url), 'utf8');
const SNAPSHOT_LUA = readFileSync(new URL('./lua/readSnapshot-1.lua', import.meta.url), 'utf8');

export function sha256Hex(input: string): string {
  return createHash('sha256').update(input, 'utf8').digest('hex');
}

/** The digest an idempotency key is recorded with: a retry has the same, other content under the key another. */
export function contentDigest(content: unknown): string {
  return sha256Hex(canonicalize(content)).slice(0, 32);
}

/** What the store assigns to an entry: its place in the log and its time. */
export interface EntrySlot {
  seq: number;
  ts: number;
}

/** Places a draft after `head`: next seq, a ts never earlier than the head's, prevHash and hash. */
export function sealEntry(draft: EntryDraft | ((slot: EntrySlot) => EntryDraft), head: Head, now: number): Entry {
  const slot = { seq: head.seq + 1, ts: Math.max(now, head.ts) };
  const body = typeof draft === 'function' ? draft(slot) : draft;
  const entry = { ...body, seq: slot.seq, ts: slot.ts, prevHash: head.hash } as Omit<Entry, 'hash'> & { hash?: string };
  // Hash every field but `hash` (entryHashInput), then add it: one object, no copies on this hot path.
  entry.hash = sha256Hex(entryHashInput(entry));
  return entry as Entry;
}

export interface Head {
  seq: number;
  hash: string;
  /** ts of the head entry (0 for an empty log) */
  ts: number;
}

export const EMPTY_HEAD: Head = { seq: 0, hash: GENESIS_HASH, ts: 0 };

/** A write to a projection key, applied in the same atomic step as the append. */
export type ProjectionOp =
  | { op: 'HSET'; key: string; field: string; value: string }
  | { op: 'HDEL'; key: string; field: string }
  | { op: 'ZADD'; key: string; score: number; member: string }
  | { op: 'ZREM'; key: string; member: string };

/** A read of one hash field, taken in the same snapshot as the head. */
export interface FieldRead {
  key: string;
  field: string;
}

export interface Snapshot {
  head: Head;
  /** Values of the requested reads, in order (null when absent). */
  values: (string | null)[];
}

/** An append that writes: the entry, what goes with it, and the answer once it is stored. */
export interface AppendWrite<R> {
  write: true;
  /** The entry to append; a function when it depends on its seq or time (an alert id, a due time). */
  draft: EntryDraft | ((slot: EntrySlot) => EntryDraft);
  /** Entries appended just before it in the same step (a signing key new on this link). */
  prelude?: EntryDraft[];
  /** Projection writes, given the sealed entry (and the sealed prelude entries). */
  project?: (entry: Entry, prelude: Entry[]) => ProjectionOp[];
  result: (entry: Entry) => R;
}

/** Idempotency: a second append with the same key writes nothing and reports the first. */
export interface Idempotency {
  key: string;
  /** A digest of the content, so a key reused for other content can be told from a retry. */
  digest: string;
}

/** What an append decides on its snapshot: nothing to write (answer with `result`), or a write. */
export type AppendPlan<R> = { write: false; result: R } | (AppendWrite<R> & { idempotency?: never });

/** The plan of an append under an idempotency key (LinkLog.appendOnce). */
export type IdempotentAppendPlan<R> = { write: false; result: R } | (AppendWrite<R> & { idempotency: Idempotency });

export type AppendOutcome<R> = { kind: 'appended'; entry: Entry; prelude: Entry[]; result: R } | { kind: 'unchanged'; result: R };

/** The idempotency key was used before, by the entry at `seq`, for content with `digest`. */
export interface Duplicate {
  kind: 'duplicate';
  seq: number;
  digest: string;
}

export type IdempotentAppendOutcome<R> = AppendOutcome<R> | Duplicate;

/**
 * One append-only, totally ordered, hash-chained log per link.
 */
export interface LinkLog {
  /**
   * Appends one entry decided by `plan` on a consistent snapshot (the head and the requested reads).
   * The entry gets the next gapless seq, a server timestamp never earlier than its predecessor's, and
   * prevHash/hash. The append and the projection writes happen atomically or not at all; if another
   * writer got in first, `plan` runs again on the new snapshot. A plan that throws writes nothing.
   */
  append<R>(linkId: string, reads: FieldRead[], plan: (snapshot: Snapshot) => AppendPlan<R>): Promise<AppendOutcome<R>>;
  /**
   * Like append, at most once per idempotency key of the link: the key is recorded in the same atomic
   * step, and a later append under it writes nothing and answers `duplicate` with the seq and content
   * digest of the first.
   */
  appendOnce<R>(linkId: string, reads: FieldRead[], plan: (snapshot: Snapshot) => IdempotentAppendPlan<R>): Promise<IdempotentAppendOutcome<R>>;
  /**
   * The entry at `seq`, or null, checked against the shared schema: for the server to act on (a receipt's
   * target, a message acknowledged, a retried send). INTERNAL when what is stored there is no entry.
   */
  get(linkId: string, seq: number): Promise<Entry | null>;
  /** The entry at `seq` as stored, or null: for passing on (export), unjudged like `range`. */
  stored(linkId: string, seq: number): Promise<Entry | null>;
  /**
   * Entries with seq in (afterSeq, ...] in seq order, at most `limit`, as stored: what sync and export
   * pass on to clients, who verify every byte of them (the hash chain, signatures, checkpoints).
   */
  range(linkId: string, afterSeq: number, limit: number): Promise<Entry[]>;
  /** The current head of each link (seq 0 and the genesis hash for an empty log). */
  heads(linkIds: readonly string[]): Promise<Map<string, Head>>;
}

type AppendReply = [1, string] | [0, string, string, string] | [2, string];

type AnyPlan<R> = AppendPlan<R> | IdempotentAppendPlan<R>;

/** Redis implementation: a stream per link, a head hash, and a compare-and-set Lua script. */
export class RedisLinkLog implements LinkLog {
  readonly #redis: RedisClient;
  readonly #keys: Keys;
  /** Last head this node saw per link: lets most appends take one round trip. */
  readonly #heads = new Map<string, Head>();
  readonly #now: () => number;
  /** Appends that found the head moved and retried (for metrics and benchmarks). */
  races = 0;
  /** Tail of the queue of appends per link on this node. */
  readonly #queues = new Map<string, Promise<void>>();

  readonly #onAppend: ((entries: readonly Entry[]) => void) | undefined;
  /** Named in every append's publish, so this instance can tell its own appends from other nodes'. */
  readonly #nodeId: string;

  constructor(
    redis: RedisClient,
    keys: Keys,
    options: { now?: () => number; onAppend?: (entries: readonly Entry[]) => void; nodeId?: string } = {},
  ) {
    this.#redis = redis;
    this.#keys = keys;
    this.#now = options.now ?? Date.now;
    this.#onAppend = options.onAppend;
    // Unique per instance whatever the configured id: two nodes given the same id by mistake would
    // otherwise take each other's appends for their own and not push them to their consoles.
    this.#nodeId = `${(options.nodeId ?? 'log').replace(/\s/g, '_')}.${randomBytes(6).toString('hex')}`;
    if (!('appendEntry' in redis)) redis.defineCommand('appendEntry', { lua: APPEND_LUA });
    if (!('readSnapshot' in redis)) redis.defineCommand('readSnapshot', { lua: SNAPSHOT_LUA });
  }

  append<R>(linkId: string, reads: FieldRead[], plan: (snapshot: Snapshot) => AppendPlan<R>): Promise<AppendOutcome<R>> {
    // Without an idempotency key the script never answers "duplicate".
    return this.#enqueue(linkId, reads, plan) as Promise<AppendOutcome<R>>;
  }

  appendOnce<R>(linkId: string, reads: FieldRead[], plan: (snapshot: Snapshot) => IdempotentAppendPlan<R>): Promise<IdempotentAppendOutcome<R>> {
    return this.#enqueue(linkId, reads, plan);
  }

  #enqueue<R>(linkId: string, reads: FieldRead[], plan: (snapshot: Snapshot) => AnyPlan<R>): Promise<IdempotentAppendOutcome<R>> {
    // Appends to one link from this node go one at a time: concurrent ones would only race each other
    // on the head (each loser costing a round trip), while one at a time each takes a single round trip
    // on the cached head. Races remain possible between nodes, and are retried.
    const previous = this.#queues.get(linkId) ?? Promise.resolve();
    const run = previous.then(() => this.#append(linkId, reads, plan));
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#queues.set(linkId, tail);
    void tail.then(() => {
      if (this.#queues.get(linkId) === tail) this.#queues.delete(linkId);
    });
    return run;
  }

  async #append<R>(linkId: string, reads: FieldRead[], plan: (snapshot: Snapshot) => AnyPlan<R>): Promise<IdempotentAppendOutcome<R>> {
    const k = this.#keys;
    let head: Head | undefined = reads.length === 0 ? this.#heads.get(linkId) : undefined;
    let values: (string | null)[] = [];
    for (let attempt = 0; attempt < 200; attempt++) {
      if (head === undefined) {
        ({ head, values } = await this.#snapshot(linkId, reads));
      }
      const decided = plan({ head, values });
      if (!decided.write) return { kind: 'unchanged', result: decided.result };

      const now = this.#now();
      const prelude: Entry[] = [];
      let base = head;
      for (const d of decided.prelude ?? []) {
        const sealed = sealEntry(d, base, now);
        prelude.push(sealed);
        base = { seq: sealed.seq, hash: sealed.hash, ts: sealed.ts };
      }
      const entry = sealEntry(decided.draft, base, now);
      const ops = decided.project?.(entry, prelude) ?? [];
      const keys = [k.head(linkId), k.log(linkId), k.idem(linkId)];
      const keyIndex = new Map<string, number>();
      const opArgs: (string | number)[] = [];
      for (const op of ops) {
        let index = keyIndex.get(op.key);
        if (index === undefined) {
          keys.push(op.key);
          index = keys.length; // Lua is 1-based
          keyIndex.set(op.key, index);
        }
        switch (op.op) {
          case 'HSET':
            opArgs.push('HSET', index, op.field, op.value);
            break;
          case 'HDEL':
            opArgs.push('HDEL', index, op.field, '');
            break;
          case 'ZADD':
            opArgs.push('ZADD', index, op.score, op.member);
            break;
          case 'ZREM':
            opArgs.push('ZREM', index, op.member, '');
            break;
        }
      }
      const entryArgs: string[] = [];
      for (const e of [...prelude, entry]) entryArgs.push(String(e.seq), JSON.stringify(e), e.hash, String(e.ts));
      const reply = (await (this.#redis as unknown as AppendCommand).appendEntry(
        keys.length,
        ...keys,
        String(head.seq),
        head.hash,
        decided.idempotency?.key ?? '',
        decided.idempotency?.digest ?? '',
        String(prelude.length + 1),
        ...entryArgs,
        String(ops.length),
        ...opArgs,
        k.headsChannel,
        this.#nodeId,
      )) as AppendReply;

      if (reply[0] === 1) {
        this.#learn(linkId, { seq: entry.seq, hash: entry.hash, ts: entry.ts });
        this.#onAppend?.([...prelude, entry]);
        return { kind: 'appended', entry, prelude, result: decided.result(entry) };
      }
      if (reply[0] === 2) {
        const value = reply[1];
        const bar = value.indexOf('|');
        return { kind: 'duplicate', seq: Number(value.slice(0, bar)), digest: value.slice(bar + 1) };
      }
      // Lost a race: another writer appended first.
      this.races++;
      const moved: Head = { seq: Number(reply[1]), hash: reply[2], ts: Number(reply[3]) };
      this.#heads.set(linkId, moved);
      if (reads.length === 0) {
        head = moved;
      } else {
        head = undefined; // re-read the projections with the head
        if (attempt > 3) await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
      }
    }
    throw new AppError(ErrorCode.UNAVAILABLE, `link ${linkId} is too busy, try again`);
  }

  /** Caches a head unless a later one is known (replies and head messages can arrive in either order). */
  #learn(linkId: string, head: Head): void {
    const cached = this.#heads.get(linkId);
    if (!cached || cached.seq < head.seq) this.#heads.set(linkId, head);
  }

  /**
   * Follows every node's appends: the append script publishes each one, its new head and its entries,
   * in the order the appends happened.
   *
   * The heads keep this node's cache fresh, so that when two nodes take turns on a link, as the two ends
   * of a conversation do, an append finds the head current and takes one round trip instead of losing a
   * race and retrying (only a hint: a stale head still just loses the compare-and-set).
   *
   * `onOtherNode` gets the entries other nodes appended, as stored (unjudged, like `range`: consoles
   * verify them), for this node's consoles: one publish per append carries both, where a broadcast of
   * its own would cost every append a second command and every node a second message to decode. Best
   * effort like any push: a node whose subscription drops misses what was published meanwhile, and its
   * consoles catch up by sync. `wanted(linkId)` says whether any console here follows the link: when
   * none does, its entries are not parsed (a console that joins later syncs, as after any missed push).
   * `sub` becomes a subscriber connection.
   */
  async followHeads(sub: RedisClient, onOtherNode?: (entries: Entry[]) => void, wanted: (linkId: string) => boolean = () => true): Promise<void> {
    const channel = this.#keys.headsChannel;
    sub.on('message', (ch: string, message: string) => {
      if (ch !== channel) return;
      const eol = message.indexOf('\n');
      const [linkId, seq, hash, ts, node] = (eol < 0 ? message : message.slice(0, eol)).split(' ');
      if (!linkId || !seq || !hash || !ts) return;
      this.#learn(linkId, { seq: Number(seq), hash, ts: Number(ts) });
      // Entries of a link no console here follows are not even parsed: a console that joins later syncs.
      if (!onOtherNode || eol < 0 || node === this.#nodeId || !wanted(linkId)) return;
      let entries: Entry[];
      try {
        entries = message
          .slice(eol + 1)
          .split('\n')
          .map((line) => JSON.parse(line) as Entry);
      } catch {
        return; // not written by the append script: nothing to push (the consoles' sync still finds the entries)
      }
      onOtherNode(entries);
    });
    await sub.subscribe(channel);
  }

  /** The head this node last saw for a link (for tests and metrics). */
  cachedHead(linkId: string): Head | undefined {
    return this.#heads.get(linkId);
  }

  async #snapshot(linkId: string, reads: FieldRead[]): Promise<Snapshot> {
    // One script call: as consistent as MULTI/EXEC, one command for Redis and one reply to parse.
    const reply = await (this.#redis as unknown as SnapshotCommand).readSnapshot(
      1 + reads.length,
      this.#keys.head(linkId),
      ...reads.map((r) => r.key),
      ...reads.map((r) => r.field),
    );
    const [seq, hash, ts] = reply;
    const head: Head = seq ? { seq: Number(seq), hash: hash!, ts: Number(ts ?? 0) } : EMPTY_HEAD;
    this.#heads.set(linkId, head);
    return { head, values: reads.map((_, i) => reply[3 + i] ?? null) };
  }

  async get(linkId: string, seq: number): Promise<Entry | null> {
    const row = await this.#row(linkId, seq);
    return row ? decodeEntry(linkId, row) : null;
  }

  async stored(linkId: string, seq: number): Promise<Entry | null> {
    const row = await this.#row(linkId, seq);
    return row ? entryAsStored(linkId, row) : null;
  }

  async #row(linkId: string, seq: number): Promise<[string, string[]] | undefined> {
    return (await this.#redis.xrange(this.#keys.log(linkId), `${seq}-0`, `${seq}-0`))[0];
  }

  async range(linkId: string, afterSeq: number, limit: number): Promise<Entry[]> {
    const rows = await this.#redis.xrange(this.#keys.log(linkId), `(${afterSeq}-0`, '+', 'COUNT', limit);
    return rows.map((row) => entryAsStored(linkId, row));
  }

  async heads(linkIds: readonly string[]): Promise<Map<string, Head>> {
    // One command per link (their keys live in different slots on a cluster); auto-pipelined.
    const results = await Promise.all(linkIds.map((id) => this.#redis.hmget(this.#keys.head(id), 'seq', 'hash', 'ts')));
    const heads = new Map<string, Head>();
    linkIds.forEach((id, i) => {
      const [seq, hash, ts] = results[i]!;
      heads.set(id, seq ? { seq: Number(seq), hash: hash!, ts: Number(ts ?? 0) } : EMPTY_HEAD);
    });
    return heads;
  }
}

interface SnapshotCommand {
  readSnapshot(...args: (string | number)[]): Promise<(string | null)[]>;
}

interface AppendCommand {
  appendEntry(...args: (string | number)[]): Promise<unknown>;
}

function entryJson(row: [string, string[]]): string {
  const fields = row[1];
  return fields[fields.indexOf('e') + 1]!;
}

/** One entry, checked against the shared schema (and returned as stored: the hash covers every member). */
function decodeEntry(linkId: string, row: [string, string[]]): Entry {
  return decodeHashed(EntrySchema, entryJson(row), `entry ${row[0]} of ${linkId}`);
}

/**
 * An entry as stored, for passing on to clients (sync, export): parsed, not judged. The record is judged
 * by its verifiers, over every byte (hash chain, signatures, checkpoints), and an export must carry what
 * is stored even when someone with access to Redis altered it, so that the verifier can name the change;
 * refusing it here would hide the evidence. (Checking the schema would also double the CPU of reading
 * an entry back, +4.5 to 4.9 µs on 4.7 to 5.0 µs, on the path every reconnecting console takes at once
 * after a node fails: npm run bench:decode.)
 */
function entryAsStored(linkId: string, row: [string, string[]]): Entry {
  try {
    return JSON.parse(entryJson(row)) as Entry;
  } catch (cause) {
    throw new AppError(ErrorCode.INTERNAL, `stored entry ${row[0]} of ${linkId} is not JSON`, { cause });
  }
}

export function toLinkHead(head: Head): LinkHead {
  return { seq: head.seq, hash: head.hash };
}
