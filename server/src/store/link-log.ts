import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  AppError,
  ErrorCode,
  GENESIS_HASH,
  entryHashInput,
  type Entry,
  type EntryDraft,
  type Link,
  type LinkHead,
} from '@hotline/shared';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis.js';

const APPEND_LUA = readFileSync(new URL('./lua/appendEntry-3.lua', import.meta.url), 'utf8');
const SNAPSHOT_LUA = readFileSync(new URL('./lua/readSnapshot-1.lua', import.meta.url), 'utf8');

export function sha256Hex(input: string): string {
  return createHash('sha256').update(input, 'utf8').digest('hex');
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

export type AppendPlan<R> =
  /** Nothing to write: answer with `result`. */
  | { write: false; result: R }
  | {
      write: true;
      /** The entry to append; a function when it depends on its seq or time (an alert id, a due time). */
      draft: EntryDraft | ((slot: EntrySlot) => EntryDraft);
      /** Entries appended just before it in the same step (a signing key new on this link). */
      prelude?: EntryDraft[];
      /** Idempotency: a second append with the same key writes nothing and reports the first. */
      idempotency?: { key: string; digest: string };
      /** Projection writes, given the sealed entry (and the sealed prelude entries). */
      project?: (entry: Entry, prelude: Entry[]) => ProjectionOp[];
      result: (entry: Entry) => R;
    };

export type AppendOutcome<R> =
  | { kind: 'appended'; entry: Entry; prelude: Entry[]; result: R }
  | { kind: 'unchanged'; result: R }
  /** The idempotency key was used before, by the entry at `seq`, for content with `digest`. */
  | { kind: 'duplicate'; seq: number; digest: string };

/**
 * One append-only, totally ordered, hash-chained log per link.
 */
export interface LinkLog {
  /**
   * Appends one entry decided by `plan` on a consistent snapshot (the head and the requested reads).
   * The entry gets the next gapless seq, a server timestamp never earlier than its predecessor's, and
   * prevHash/hash. The append, the idempotency record and the projection writes happen atomically or not
   * at all; if another writer got in first, `plan` runs again on the new snapshot.
   */
  append<R>(linkId: string, reads: FieldRead[], plan: (snapshot: Snapshot) => AppendPlan<R>): Promise<AppendOutcome<R>>;
  /** The entry at `seq`, or null. */
  get(linkId: string, seq: number): Promise<Entry | null>;
  /** Entries with seq in (afterSeq, ...] in seq order, at most `limit`. */
  range(linkId: string, afterSeq: number, limit: number): Promise<Entry[]>;
  /** The current head of each link (seq 0 and the genesis hash for an empty log). */
  heads(linkIds: readonly string[]): Promise<Map<string, Head>>;
  /** Per link, per post: how far it has delivered and read, and how many counterpart messages it has not read. */
  receiptState(links: readonly Link[]): Promise<Map<string, Record<string, PostReceiptState>>>;
}

export interface PostReceiptState {
  delivered: number;
  read: number;
  unread: number;
}

type AppendReply = [1, string] | [0, string, string, string] | [2, string];

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

  constructor(redis: RedisClient, keys: Keys, options: { now?: () => number; onAppend?: (entries: readonly Entry[]) => void } = {}) {
    this.#redis = redis;
    this.#keys = keys;
    this.#now = options.now ?? Date.now;
    this.#onAppend = options.onAppend;
    if (!('appendEntry' in redis)) redis.defineCommand('appendEntry', { lua: APPEND_LUA });
    if (!('readSnapshot' in redis)) redis.defineCommand('readSnapshot', { lua: SNAPSHOT_LUA });
  }

  append<R>(linkId: string, reads: FieldRead[], plan: (snapshot: Snapshot) => AppendPlan<R>): Promise<AppendOutcome<R>> {
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

  async #append<R>(linkId: string, reads: FieldRead[], plan: (snapshot: Snapshot) => AppendPlan<R>): Promise<AppendOutcome<R>> {
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
   * Keeps the cached heads fresh from every node's appends (the append script publishes each new head),
   * so that when two nodes take turns on a link, as the two ends of a conversation do, an append finds
   * the head current and takes one round trip instead of losing a race and retrying. Only a hint: a
   * stale head still just loses the compare-and-set. `sub` becomes a subscriber connection.
   */
  async followHeads(sub: RedisClient): Promise<void> {
    const channel = this.#keys.headsChannel;
    sub.on('message', (ch: string, message: string) => {
      if (ch !== channel) return;
      const [linkId, seq, hash, ts] = message.split(' ');
      if (linkId && seq && hash && ts) this.#learn(linkId, { seq: Number(seq), hash, ts: Number(ts) });
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
    const rows = await this.#redis.xrange(this.#keys.log(linkId), `${seq}-0`, `${seq}-0`);
    const row = rows[0];
    return row ? parseRow(row) : null;
  }

  async range(linkId: string, afterSeq: number, limit: number): Promise<Entry[]> {
    const rows = await this.#redis.xrange(this.#keys.log(linkId), `(${afterSeq}-0`, '+', 'COUNT', limit);
    return rows.map(parseRow);
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

  async receiptState(links: readonly Link[]): Promise<Map<string, Record<string, PostReceiptState>>> {
    const cursors = await Promise.all(links.map((l) => this.#redis.hgetall(this.#keys.cursors(l.id))));
    const counts = await Promise.all(
      links.flatMap((l, i) =>
        l.posts.map((postId) => {
          const other = l.posts[0] === postId ? l.posts[1] : l.posts[0];
          return this.#redis.zcount(this.#keys.messagesBy(l.id, other), `(${Number(cursors[i]![`read:${postId}`] ?? 0)}`, '+inf');
        }),
      ),
    );
    const out = new Map<string, Record<string, PostReceiptState>>();
    let c = 0;
    links.forEach((l, i) => {
      const state: Record<string, PostReceiptState> = {};
      for (const postId of l.posts) {
        const read = Number(cursors[i]![`read:${postId}`] ?? 0);
        state[postId] = {
          delivered: Math.max(read, Number(cursors[i]![`delivered:${postId}`] ?? 0)),
          read,
          unread: counts[c++] ?? 0,
        };
      }
      out.set(l.id, state);
    });
    return out;
  }
}

interface SnapshotCommand {
  readSnapshot(...args: (string | number)[]): Promise<(string | null)[]>;
}

interface AppendCommand {
  appendEntry(...args: (string | number)[]): Promise<unknown>;
}

function parseRow(row: [string, string[]]): Entry {
  const fields = row[1];
  const i = fields.indexOf('e');
  return JSON.parse(fields[i + 1]!) as Entry;
}

export function toLinkHead(head: Head): LinkHead {
  return { seq: head.seq, hash: head.hash };
}
