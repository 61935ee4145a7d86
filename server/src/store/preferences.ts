import { UiLanguageSchema, type Preferences, type PreferencesUpdate } from '@hotline/shared';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis.js';

/**
 * Each user's console preferences. Guarantees: `get` returns only values that pass the shared schema
 * (anything else stored is ignored, never passed on); `update` writes only the fields given, at once.
 */
export interface PreferencesStore {
  /** What the user chose so far; fields never chosen are absent. */
  get(userId: string): Promise<Partial<Preferences>>;
  update(userId: string, change: PreferencesUpdate): Promise<void>;
}

export class RedisPreferencesStore implements PreferencesStore {
  readonly #redis: RedisClient;
  readonly #keys: Keys;

  constructor(redis: RedisClient, keys: Keys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  async get(userId: string): Promise<Partial<Preferences>> {
    const raw = await this.#redis.hget(this.#keys.preferences(userId), 'language');
    const language = UiLanguageSchema.safeParse(raw);
    return language.success ? { language: language.data } : {};
  }

  async update(userId: string, change: PreferencesUpdate): Promise<void> {
    if (change.language !== undefined) await this.#redis.hset(this.#keys.preferences(userId), 'language', change.language);
  }
}
