import { readFileSync } from 'node:fs';
import type { Presence } from '@hotline/shared';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis.js';

const UPDATE_LUA = readFileSync(new URL('./lua/updatePresence-2.lua', import.meta.url), 'utf8');

/**
 * Which posts have an operator console connected, across all nodes. Each console is a member with an
 * expiry that its node refreshes; a node that dies stops refreshing, and a sweep on any node notices.
 */
export interface PresenceStore {
  /** Records a console of `postId`; returns the new presence if the post just came online. */
  join(postId: string, member: string): Promise<Presence | null>;
  /** Removes a console; returns the new presence if the post just went offline. */
  leave(postId: string, member: string): Promise<Presence | null>;
  /** Extends the expiry of this node's consoles. */
  refresh(members: ReadonlyMap<string, readonly string[]>): Promise<void>;
  /** Drops expired consoles of the given posts; returns the posts that went offline. */
  sweep(postIds: readonly string[]): Promise<Presence[]>;
  /** Current presence of each post. */
  get(postIds: readonly string[]): Promise<Presence[]>;
  /** The operators with a console of the post connected now (unexpired), sorted, each once. */
  operators(postId: string): Promise<string[]>;
  /** Whether a console of the post is connected right now (unexpired), whatever was last announced. */
  onlineNow(postId: string): Promise<boolean>;
}

interface PresenceCommand {
  updatePresence(k1: string, k2: string, action: string, member: string, expiry: string, now: string): Promise<[number, string]>;
}

/**
 * A console's member in a post's set: "<nodeId>/<socketId>|<userId>", so the set also says which
 * operators are there.
 */
export function presenceMember(console: string, userId: string): string {
  return `${console}|${userId}`;
}

function userOfMember(member: string): string | null {
  const at = member.lastIndexOf('|');
  return at < 0 ? null : member.slice(at + 1);
}

function parseState(postId: string, state: string): Presence {
  return { postId, online: state.startsWith('1'), since: Number(state.slice(2)) || 0 };
}

export class RedisPresenceStore implements PresenceStore {
  readonly #redis: RedisClient & PresenceCommand;
  readonly #keys: Keys;
  readonly #ttlMs: number;

  constructor(redis: RedisClient, keys: Keys, ttlMs: number) {
    if (!('updatePresence' in redis)) redis.defineCommand('updatePresence', { lua: UPDATE_LUA, numberOfKeys: 2 });
    this.#redis = redis as RedisClient & PresenceCommand;
    this.#keys = keys;
    this.#ttlMs = ttlMs;
  }

  async #update(postId: string, action: 'join' | 'leave' | 'sweep', member: string): Promise<Presence | null> {
    const now = Date.now();
    const [changed, state] = await this.#redis.updatePresence(
      this.#keys.presence(postId),
      this.#keys.presenceState(postId),
      action,
      member,
      String(now + this.#ttlMs),
      String(now),
    );
    return changed === 1 ? parseState(postId, state) : null;
  }

  join(postId: string, member: string): Promise<Presence | null> {
    return this.#update(postId, 'join', member);
  }

  leave(postId: string, member: string): Promise<Presence | null> {
    return this.#update(postId, 'leave', member);
  }

  async refresh(members: ReadonlyMap<string, readonly string[]>): Promise<void> {
    if (members.size === 0) return;
    const expiry = Date.now() + this.#ttlMs;
    const writes: Promise<unknown>[] = [];
    for (const [postId, list] of members) {
      for (const m of list) writes.push(this.#redis.zadd(this.#keys.presence(postId), 'XX', expiry, m));
    }
    await Promise.all(writes);
  }

  async sweep(postIds: readonly string[]): Promise<Presence[]> {
    const changed = await Promise.all(postIds.map((id) => this.#update(id, 'sweep', '')));
    return changed.filter((p): p is Presence => p !== null);
  }

  async operators(postId: string): Promise<string[]> {
    const members = await this.#redis.zrangebyscore(this.#keys.presence(postId), Date.now(), '+inf');
    return [...new Set(members.map(userOfMember).filter((u): u is string => u !== null))].sort();
  }

  async onlineNow(postId: string): Promise<boolean> {
    return (await this.#redis.zcount(this.#keys.presence(postId), Date.now(), '+inf')) > 0;
  }

  async get(postIds: readonly string[]): Promise<Presence[]> {
    if (postIds.length === 0) return [];
    // One GET per post rather than MGET: the keys live in different slots on Redis Cluster.
    const states = await Promise.all(postIds.map((id) => this.#redis.get(this.#keys.presenceState(id))));
    const operators = await Promise.all(postIds.map((id) => this.operators(id)));
    return postIds.map((id, i) => ({ ...parseState(id, states[i] ?? '0:0'), operators: operators[i]! }));
  }
}
