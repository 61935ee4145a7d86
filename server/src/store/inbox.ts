import { readFileSync } from 'node:fs';
import { Escalation } from '@hotline/shared';
import { decodeStored } from './decode.js';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis.js';

const ADD_LUA = readFileSync(new URL('./lua/addInbox-2.lua', import.meta.url), 'utf8');
const MARK_READ_LUA = readFileSync(new URL('./lua/markInboxRead-1.lua', import.meta.url), 'utf8');

/**
 * Each user's escalation inbox: what reached them, in arrival order (positions 1, 2, 3 …), and how far
 * they have read. Adding and marking read are each one atomic script; values read are checked against
 * the shared schema.
 */
export interface InboxStore {
  /** Adds an escalation once per (alert or message, step); returns its position and whether it is new. */
  add(userId: string, escalation: Omit<Escalation, 'position'>): Promise<{ position: number; isNew: boolean }>;
  /** Escalations after `afterPosition`, oldest first, at most `limit`. */
  list(userId: string, afterPosition: number, limit: number): Promise<Escalation[]>;
  /** Moves the read mark forward (never back); returns the state. */
  markRead(userId: string, uptoPosition: number): Promise<{ readUpto: number; last: number }>;
  state(userId: string): Promise<{ readUpto: number; last: number }>;
}

interface InboxCommand {
  addInbox(k1: string, k2: string, member: string, json: string): Promise<[number, number]>;
  markInboxRead(k1: string, upto: string): Promise<[number, number]>;
}

export class RedisInboxStore implements InboxStore {
  readonly #redis: RedisClient & InboxCommand;
  readonly #keys: Keys;

  constructor(redis: RedisClient, keys: Keys) {
    if (!('addInbox' in redis)) redis.defineCommand('addInbox', { lua: ADD_LUA, numberOfKeys: 2 });
    if (!('markInboxRead' in redis)) redis.defineCommand('markInboxRead', { lua: MARK_READ_LUA, numberOfKeys: 1 });
    this.#redis = redis as RedisClient & InboxCommand;
    this.#keys = keys;
  }

  async add(userId: string, escalation: Omit<Escalation, 'position'>): Promise<{ position: number; isNew: boolean }> {
    const json = JSON.stringify({ position: 0, ...escalation });
    const [position, isNew] = await this.#redis.addInbox(
      this.#keys.inbox(userId),
      this.#keys.inboxData(userId),
      `${escalation.id}#${escalation.step}`,
      json,
    );
    return { position, isNew: isNew === 1 };
  }

  async list(userId: string, afterPosition: number, limit: number): Promise<Escalation[]> {
    const members = await this.#redis.zrangebyscore(this.#keys.inbox(userId), `(${afterPosition}`, '+inf', 'LIMIT', 0, limit);
    if (members.length === 0) return [];
    const raws = await this.#redis.hmget(this.#keys.inboxData(userId), ...members);
    return raws.flatMap((r) => (r ? [decodeStored(Escalation, r, 'escalation')] : []));
  }

  async state(userId: string): Promise<{ readUpto: number; last: number }> {
    const [last, read] = await this.#redis.hmget(this.#keys.inboxData(userId), '#next', '#read');
    return { last: Number(last ?? 0), readUpto: Number(read ?? 0) };
  }

  async markRead(userId: string, uptoPosition: number): Promise<{ readUpto: number; last: number }> {
    const result = await this.#redis.markInboxRead(this.#keys.inboxData(userId), String(uptoPosition));
    return { readUpto: result[0], last: result[1] };
  }
}
