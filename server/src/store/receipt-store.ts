import type { Link } from '@hotline/shared';
import type { Keys } from './keys.js';
import type { FieldRead, ProjectionOp } from './link-log.js';
import type { RedisClient } from './redis.js';

/** How far a post has got on a link. */
export interface PostReceiptState {
  /** Highest seq delivered to a console of the post (reading implies delivery). */
  delivered: number;
  /** Highest seq an operator of the post has read. */
  read: number;
  /** Messages from the other end after `read`. */
  unread: number;
}

/**
 * Per link and post: how far its consoles have delivered and read (the cursors the receipt entries
 * move), and the seqs of the messages each post sent, for unread counts. Written only through
 * link-log appends (in the same atomic step as the message or receipt entry), so a cursor moves only
 * with its entry and never back.
 */
export interface ReceiptStore {
  /** The snapshot reads of a post's delivered and read cursors, in that order. */
  reads(linkId: string, postId: string): [FieldRead, FieldRead];
  /** The cursors from the values of `reads` (0 when absent). */
  decode(values: readonly (string | null)[]): { delivered: number; read: number };
  /** Projection writes moving a post's cursor of `kind` to `uptoSeq`; reading also moves delivery when it was behind. */
  advance(linkId: string, postId: string, kind: 'delivered' | 'read', uptoSeq: number, delivered: number): ProjectionOp[];
  /** The projection write that counts a message the post sent, for the other end's unread count. */
  messageSent(linkId: string, postId: string, seq: number): ProjectionOp;
  /** Per link, per post: delivered, read and unread. */
  state(links: readonly Link[]): Promise<Map<string, Record<string, PostReceiptState>>>;
}

export class RedisReceiptStore implements ReceiptStore {
  constructor(
    readonly redis: RedisClient,
    readonly keys: Keys,
  ) {}

  reads(linkId: string, postId: string): [FieldRead, FieldRead] {
    const key = this.keys.cursors(linkId);
    return [
      { key, field: `delivered:${postId}` },
      { key, field: `read:${postId}` },
    ];
  }

  decode(values: readonly (string | null)[]): { delivered: number; read: number } {
    return { delivered: Number(values[0] ?? 0), read: Number(values[1] ?? 0) };
  }

  advance(linkId: string, postId: string, kind: 'delivered' | 'read', uptoSeq: number, delivered: number): ProjectionOp[] {
    const key = this.keys.cursors(linkId);
    const ops: ProjectionOp[] = [{ op: 'HSET', key, field: `${kind}:${postId}`, value: String(uptoSeq) }];
    if (kind === 'read' && delivered < uptoSeq) ops.push({ op: 'HSET', key, field: `delivered:${postId}`, value: String(uptoSeq) });
    return ops;
  }

  messageSent(linkId: string, postId: string, seq: number): ProjectionOp {
    return { op: 'ZADD', key: this.keys.messagesBy(linkId, postId), score: seq, member: String(seq) };
  }

  async state(links: readonly Link[]): Promise<Map<string, Record<string, PostReceiptState>>> {
    const cursors = await Promise.all(links.map((l) => this.redis.hgetall(this.keys.cursors(l.id))));
    const counts = await Promise.all(
      links.flatMap((l, i) =>
        l.posts.map((postId) => {
          const other = l.posts[0] === postId ? l.posts[1] : l.posts[0];
          return this.redis.zcount(this.keys.messagesBy(l.id, other), `(${Number(cursors[i]![`read:${postId}`] ?? 0)}`, '+inf');
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
