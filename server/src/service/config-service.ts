import { createHash } from 'node:crypto';
import {
  ADMIN_LOG_ID,
  AppError,
  ErrorCode,
  TopologySchema,
  canonicalize,
  configSections,
  formatIssues,
  redactConfigValue,
  type ConfigChangeRequest,
  type Entry,
  type Topology,
} from '@hotline/shared';
import { hashPassword } from '../auth/passwords.js';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { Logger } from '../log.js';
import type { Keys } from '../store/keys.js';
import type { LinkLog, ProjectionOp } from '../store/link-log.js';
import type { RedisClient } from '../store/redis.js';
import type { Broadcaster } from './broadcaster.js';
import type { SignatureService, Signing } from './signature-service.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** One change, as the API gives it. */
export interface ConfigChange {
  section: string;
  /** The item of a list section; null for a value section (or a whole import). */
  itemId: string | null;
  op: 'put' | 'remove' | 'import';
  request: ConfigChangeRequest;
}

/** The answer to a change: the new version and what the administration log recorded. */
export interface ConfigChangeResult {
  version: number;
  entry: Entry;
}

/** A configuration that failed validation: every bad field, none applied. */
export function configValidationError(issues: readonly { path: readonly PropertyKey[]; message: string }[], prefix: (string | number)[] = []): AppError {
  const fields = formatIssues(issues.map((i) => ({ ...i, path: [...prefix, ...i.path] })));
  return new AppError(ErrorCode.VALIDATION_FAILED, `invalid configuration: ${fields.slice(0, 5).join('; ')}`, {
    details: { fields: fields.map((f) => ({ field: f.slice(0, f.indexOf(': ')), message: f.slice(f.indexOf(': ') + 2) })) },
  });
}

/** Checks a whole configuration: the file's schema and cross-checks, and the ids the service reserves. */
export function validateConfig(raw: unknown): Topology {
  const parsed = TopologySchema.safeParse(raw);
  if (!parsed.success) throw configValidationError(parsed.error.issues);
  const reserved = parsed.data.links.findIndex((l) => l.id === ADMIN_LOG_ID);
  if (reserved >= 0) throw configValidationError([{ path: ['links', reserved, 'id'], message: `"${ADMIN_LOG_ID}" is reserved for the administration log` }]);
  return parsed.data;
}

/**
 * The live configuration: versioned in Redis, seeded from the topology file when empty, changed only
 * here. Every change is validated whole (the shared schema and its cross-checks), made against the
 * version the admin saw (another is CONFLICT), and written in one atomic step with its entry of the
 * administration log (a log like a link's: gapless seq, hash chain, the admin's signature, server
 * checkpoints): the configuration is a projection of that log. Nodes swap their topology index when
 * told over pub/sub, and check the version every `pollMs` in case a notice was lost.
 */
export class ConfigService {
  #timer: ReturnType<typeof setInterval> | undefined;
  #loading: Promise<void> | undefined;

  constructor(
    readonly deps: {
      topo: TopologyIndex;
      log: LinkLog;
      redis: RedisClient;
      keys: Keys;
      signatures: SignatureService;
      broadcaster: Broadcaster;
      logger: Logger;
      pollMs?: number;
    },
  ) {}

  get version(): number {
    return this.deps.topo.version;
  }

  /** Seeds an empty deployment from `seed` (the topology file), loads the live configuration, and follows changes. */
  async start(seed: Topology, sub: RedisClient): Promise<void> {
    const { keys } = this.deps;
    const stored = await this.deps.redis.hget(keys.config(), 'version');
    if (stored === null) await this.#commit(null, { section: '*', itemId: null, op: 'import', request: { version: 1 } }, seed, 'seed');
    sub.on('message', (channel: string) => {
      if (channel === keys.configChannel) void this.reload();
    });
    await sub.subscribe(keys.configChannel);
    await this.reload();
    this.#timer = setInterval(() => void this.reload(), this.deps.pollMs ?? 2000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** Reads the stored configuration and swaps it in when newer than the one in force. */
  reload(): Promise<void> {
    this.#loading ??= (async () => {
      try {
        const version = Number(await this.deps.redis.hget(this.deps.keys.config(), 'version'));
        if (!Number.isInteger(version) || version <= this.deps.topo.version) return;
        const [v, raw] = await this.deps.redis.hmget(this.deps.keys.config(), 'version', 'topology');
        const topology = validateConfig(JSON.parse(raw ?? 'null'));
        if (this.deps.topo.replace(topology, Number(v))) this.deps.logger.info({ version: Number(v) }, 'configuration applied');
      } catch (err) {
        this.deps.logger.error({ err }, 'the stored configuration cannot be applied; keeping the one in force');
      } finally {
        this.#loading = undefined;
      }
    })();
    return this.#loading;
  }

  /** The configuration for an admin: everything but password hashes. */
  view(): { version: number; config: unknown; sections: Record<string, string> } {
    return { version: this.deps.topo.version, config: redactConfigValue(this.deps.topo.topology), sections: configSections() };
  }

  /** Applies one change by an admin (or, for a user's own password, by the server for them). */
  async change(principal: Principal | null, change: ConfigChange): Promise<ConfigChangeResult> {
    if (principal && principal.role !== 'admin') throw new AppError(ErrorCode.FORBIDDEN, 'only admins change the configuration');
    const sections = configSections();
    if (change.op !== 'import' && !Object.hasOwn(sections, change.section)) throw new AppError(ErrorCode.NOT_FOUND, `no configuration section "${change.section}"`);
    await this.reload();
    const current = this.deps.topo.topology;
    const next = await this.#apply(current, change, sections[change.section]);
    const topology = validateConfig(next);
    return this.#commit(principal, change, topology, change.op === 'import' ? 'import' : change.op === 'remove' ? 'remove' : sections[change.section] === 'list' ? 'put' : 'replace');
  }

  /** The configuration after the change, not yet validated. */
  async #apply(current: Topology, change: ConfigChange, kind: string | undefined): Promise<Record<string, unknown>> {
    if (change.op === 'import') return (await this.#withPasswords(change.request.value, current)) as Record<string, unknown>;
    const next = structuredClone(current) as unknown as Record<string, unknown>;
    const { section, itemId } = change;
    if (kind === 'list') {
      if (!itemId) throw new AppError(ErrorCode.VALIDATION_FAILED, `section "${section}" holds items: name the item's id`);
      const list = [...((next[section] as { id: string }[] | undefined) ?? [])];
      const at = list.findIndex((item) => item.id === itemId);
      if (change.op === 'remove') {
        if (at < 0) throw new AppError(ErrorCode.NOT_FOUND, `no ${section} item "${itemId}"`);
        list.splice(at, 1);
      } else {
        const value = change.request.value;
        if (!value || typeof value !== 'object' || Array.isArray(value)) throw configValidationError([{ path: [section, at < 0 ? list.length : at], message: 'must be an object' }]);
        const item = { ...(value as Record<string, unknown>) };
        if (item.id !== undefined && item.id !== itemId) throw configValidationError([{ path: [section, at < 0 ? list.length : at, 'id'], message: `must be "${itemId}", the id in the path` }]);
        item.id = itemId;
        const withPassword = section === 'users' ? await this.#userPassword(item, at < 0 ? undefined : (list[at] as { passwordHash?: string }), [section, at < 0 ? list.length : at]) : item;
        if (at < 0) list.push(withPassword as { id: string });
        else list[at] = withPassword as { id: string };
      }
      next[section] = list;
    } else {
      if (itemId) throw new AppError(ErrorCode.VALIDATION_FAILED, `section "${section}" is one value: it has no items`);
      if (change.op === 'remove') delete next[section];
      else next[section] = change.request.value;
    }
    return next;
  }

  /** A user item takes `password` (hashed here) or keeps the hash it had; it never takes a hash from the API. */
  async #userPassword(item: Record<string, unknown>, existing: { passwordHash?: string } | undefined, path: (string | number)[]): Promise<Record<string, unknown>> {
    const { password, passwordHash, ...rest } = item;
    if (passwordHash !== undefined) throw configValidationError([{ path: [...path, 'passwordHash'], message: 'set a password, not a hash' }]);
    if (password !== undefined) {
      if (typeof password !== 'string' || password.length < 10 || password.length > 200) {
        throw configValidationError([{ path: [...path, 'password'], message: 'must be 10 to 200 characters' }]);
      }
      return { ...rest, passwordHash: await hashPassword(password) };
    }
    if (!existing?.passwordHash) throw configValidationError([{ path: [...path, 'password'], message: 'a new user needs a password' }]);
    return { ...rest, passwordHash: existing.passwordHash };
  }

  /** An imported file keeps the hashes it has; users without one keep their current hash. */
  async #withPasswords(value: unknown, current: Topology): Promise<unknown> {
    if (!value || typeof value !== 'object') return value;
    const v = value as { users?: Record<string, unknown>[] };
    if (!Array.isArray(v.users)) return value;
    const users = await Promise.all(
      v.users.map(async (u, i) => {
        if (!u || typeof u !== 'object' || u.passwordHash !== undefined) return u;
        const existing = current.users.find((c) => c.id === u.id);
        return this.#userPassword(u, existing, ['users', i]);
      }),
    );
    return { ...v, users };
  }

  /** Writes the new configuration and its log entry in one step, if the version is still the one the change was made against. */
  async #commit(principal: Principal | null, change: ConfigChange, topology: Topology, op: 'seed' | 'import' | 'put' | 'remove' | 'replace'): Promise<ConfigChangeResult> {
    const baseVersion = change.request.version - (op === 'seed' ? 1 : 0);
    // What the admin sent (password material removed) is what they sign and what the log shows; the
    // configuration hash covers the result.
    const value = op === 'seed' || op === 'import' ? redactConfigValue(topology) : change.op === 'remove' ? null : redactConfigValue(change.request.value ?? null);
    const valueHash = sha256(canonicalize(value ?? null));
    const itemId = change.itemId;
    let signing: Signing | null = null;
    if (principal) {
      signing = await this.deps.signatures.check(principal, 'config:change', { baseVersion, section: change.section, op, itemId, valueHash }, change.request.sig);
    }
    const actor = principal ? { userId: principal.userId, role: principal.role, postId: null } : { userId: 'system', role: 'system' as const, postId: null };
    const text = JSON.stringify(topology);
    const configHash = sha256(canonicalize(topology));
    const configKey = this.deps.keys.config();
    const plan = (snapshot: { values: (string | null)[] }) => {
      const stored = snapshot.values[0] == null ? 0 : Number(snapshot.values[0]);
      if (stored !== baseVersion) return { write: false as const, result: stored };
      const version = baseVersion + 1;
      const project = (): ProjectionOp[] => [
        { op: 'HSET', key: configKey, field: 'topology', value: text },
        { op: 'HSET', key: configKey, field: 'version', value: String(version) },
      ];
      return {
        write: true as const,
        draft: {
          linkId: ADMIN_LOG_ID,
          type: 'config.changed' as const,
          actor,
          drill: false,
          payload: { version, section: change.section, op, itemId, value, valueHash, configHash },
        },
        project,
        result: () => version,
      };
    };
    const reads = [{ key: configKey, field: 'version' }];
    const outcome = signing ? await this.deps.signatures.append(ADMIN_LOG_ID, signing, actor, reads, plan) : await this.deps.log.append(ADMIN_LOG_ID, reads, plan);
    if (outcome.kind !== 'appended') {
      if (op === 'seed') return { version: outcome.result, entry: null as unknown as Entry }; // another node seeded first
      throw new AppError(ErrorCode.CONFLICT, `the configuration is at version ${outcome.result}, not ${baseVersion}: reload and change again`, {
        details: { version: outcome.result },
      });
    }
    this.deps.broadcaster.entry(outcome.entry);
    const version = outcome.result;
    this.deps.topo.replace(topology, version);
    await this.deps.redis.publish(this.deps.keys.configChannel, String(version));
    this.deps.logger.info({ version, section: change.section, op, itemId, by: actor.userId }, 'configuration changed');
    return { version, entry: outcome.entry };
  }
}
