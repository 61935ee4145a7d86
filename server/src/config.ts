import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { Duration, formatIssues } from '@hotline/shared';
import { parseHostPorts, type RedisTarget } from './store/redis.js';
import { parseLimit } from './store/rate-limits.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The token secret the demo ships with. Production mode refuses to start with it. */
export const DEMO_TOKEN_SECRET = 'demo-only-token-secret-change-me-in-production';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const EnvSchema = z
  .object({
    NODE_ENV: z.string().default('development'),
    /** @default 8080 */
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    /** @default "0.0.0.0" */
    HOST: z.string().default('0.0.0.0'),
    /** @default "redis://127.0.0.1:6379" */
    REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
    /** Redis through Sentinel: "host:port,host:port" of the sentinels (REDIS_URL is then ignored). */
    REDIS_SENTINELS: z.string().optional(),
    /** The Sentinel master group name. @default "mymaster" */
    REDIS_SENTINEL_NAME: z.string().default('mymaster'),
    /** Redis Cluster: "host:port,host:port" of some of its nodes (REDIS_URL is then ignored). */
    REDIS_CLUSTER_NODES: z.string().optional(),
    /** Password for Sentinel- or Cluster-managed Redis nodes (a single Redis takes it in REDIS_URL). */
    REDIS_PASSWORD: z.string().optional(),
    /** Prefix of every Redis key and of the BullMQ queues. @default "hotline" */
    HOTLINE_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/).default('hotline'),
    /** @default "topology/demo.json" */
    HOTLINE_TOPOLOGY: z.string().default(path.join(PROJECT_ROOT, 'topology/demo.json')),
    HOTLINE_TOKEN_SECRET: z.string().min(16).default(DEMO_TOKEN_SECRET),
    /** @default "12h" */
    HOTLINE_TOKEN_TTL: Duration.default(12 * 3_600_000),
    /** @default "info" */
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Identifies this process in logs, presence and metrics. @default "<hostname>-<pid>" */
    HOTLINE_NODE_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).default(`${os.hostname()}-${process.pid}`),
    /** Largest Socket.IO message accepted; larger ones close the connection. @default 2000000 */
    HOTLINE_MAX_PAYLOAD_BYTES: z.coerce.number().int().min(10_000).max(50_000_000).default(2_000_000),
    /** A post counts as offline this long after its last console stopped refreshing. @default "30s" */
    HOTLINE_PRESENCE_TTL: Duration.default(30_000),
    /** How often the server pings each socket (Engine.IO heartbeat); a console that hears no ping for
     * interval + timeout calls its line lost. @default "1s" */
    HOTLINE_PING_INTERVAL: Duration.default(1_000),
    /** How long the server waits for a console's pong before it drops the socket (and the post's
     * presence); long enough for a slow radio or satellite round trip. @default "2500ms" */
    HOTLINE_PING_TIMEOUT: Duration.default(2_500),
    /** How often each node refreshes presence and repairs escalation timers. @default "5s" */
    HOTLINE_SWEEP_INTERVAL: Duration.default(5_000),
    /** Run the escalation workers in this process. @default true */
    HOTLINE_WORKERS: bool.default(true),
    /** How long before its due time an escalation step's job is queued to run; the processor waits out the
     * rest, so BullMQ's pickup delay (Redis timer ticks, round trips on a busy node) does not make the
     * step late. 0 queues at the due time. @default "60ms" */
    HOTLINE_ESCALATION_LEAD: Duration.default(60),
    /** Escalation jobs processed at once per node. @default 50 */
    HOTLINE_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
    /** Signed actions: "required" refuses unsigned ones; "optional" accepts them (for old clients). @default "required" */
    HOTLINE_SIGNATURES: z.enum(['required', 'optional']).default('required'),
    /** The server's checkpoint signing key, ECDSA P-256 PKCS#8 PEM (or its base64). Required in production;
     * otherwise one is created and shared through Redis. */
    HOTLINE_SERVER_KEY: z.string().optional(),
    /** How often the head of each busy link is signed. @default "30s" */
    HOTLINE_CHECKPOINT_INTERVAL: Duration.default(30_000),
    /** How often each node looks for line checks that are due. @default "1s" */
    HOTLINE_LINECHECK_TICK: Duration.default(1000),
    /** Events per user, shared by all nodes. @default "100/1s" */
    HOTLINE_RATE_USER: z.string().default('100/1s'),
    /** Events per post (all its consoles together). @default "200/1s" */
    HOTLINE_RATE_POST: z.string().default('200/1s'),
    /** Socket handshakes each node admits per window; beyond, it sheds them with UNAVAILABLE and a retryAfterMs. @default "500/1s" */
    HOTLINE_CONNECT_RATE: z.string().default('500/1s'),
    /** Events in flight on a node beyond which it sheds new ones with UNAVAILABLE. @default 2000 */
    HOTLINE_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(1_000_000).default(2000),
    /** Event-loop lag beyond which a node sheds new handshakes. @default "1s" */
    HOTLINE_SHED_LAG: Duration.default(1000),
    /** WebSocket per-message compression (permessage-deflate) for frames over 256 bytes. @default false (measured in docs/benchmarks.md) */
    HOTLINE_WS_COMPRESSION: bool.default(false),
    /** Login attempts per client address. @default "30/1m" */
    HOTLINE_RATE_LOGIN: z.string().default('30/1m'),
    /** Failed logins of one username from one address before each attempt waits, and the first wait
     * (doubling with every further failure). Never a lock-out: other addresses are not affected. @default "3/1s" */
    HOTLINE_LOGIN_THROTTLE: z.string().default('3/1s'),
    /** The longest wait between attempts of one username from one address. @default "15m" */
    HOTLINE_LOGIN_DELAY_MAX: Duration.default(15 * 60_000),
    /** Failed logins from one address, whatever the username. @default "20/10m" */
    HOTLINE_LOGIN_ADDRESS_FAILURES: z.string().default('20/10m'),
    /** How often each node checks the live configuration's version (besides pub/sub). @default "2s" */
    HOTLINE_CONFIG_POLL: Duration.default(2000),
    /** Origins allowed to call the API and open sockets from another origin, comma-separated. @default none */
    HOTLINE_CORS_ORIGINS: z.string().default(''),
    /** Bearer token that /metrics requires; empty leaves it open (scrape from a private network). */
    HOTLINE_METRICS_TOKEN: z.string().default(''),
    /** How long a graceful shutdown waits for events in flight. @default "10s" */
    HOTLINE_SHUTDOWN_GRACE: Duration.default(10_000),
    /** Send Strict-Transport-Security (the service is reached over HTTPS). @default false */
    HOTLINE_HSTS: bool.default(false),
    /** Web Push VAPID public key (base64url), made with `npm run vapid-keys`; with the private key and
     * `notifications.push` in the topology, Web Push is on. */
    HOTLINE_VAPID_PUBLIC_KEY: z.string().regex(/^[A-Za-z0-9_-]{80,90}$/, 'must be a base64url P-256 public key').optional(),
    /** Web Push VAPID private key (base64url). */
    HOTLINE_VAPID_PRIVATE_KEY: z.string().regex(/^[A-Za-z0-9_-]{40,46}$/, 'must be a base64url P-256 private key').optional(),
    /** Notification jobs processed at once per node. @default 20 */
    HOTLINE_NOTIFY_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(20),
    /** First retry delay of a failed delivery (doubling, with jitter). @default "2s" */
    HOTLINE_NOTIFY_BACKOFF: Duration.default(2000),
    /** How long a notification job may run before another node takes it over (a dead node's jobs). @default "30s" */
    HOTLINE_NOTIFY_LOCK: Duration.default(30_000),
    /** Longest retry delay of a failed delivery. @default "2m" */
    HOTLINE_NOTIFY_BACKOFF_MAX: Duration.default(120_000),
    /** Folder of the built console; empty disables it. @default "console/dist" */
    HOTLINE_CONSOLE_DIR: z.string().default(path.join(PROJECT_ROOT, 'console/dist')),
    /** PostgreSQL of the link-log archive (postgres://user:pass@host:port/db); unset keeps every entry in Redis. */
    ARCHIVE_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL').optional(),
    /** Entries older than this move to the archive. @default "720h" (30 days) */
    ARCHIVE_AFTER: Duration.default(30 * 86_400_000),
    /** Entries with more than this many newer entries on their link move to the archive. @default 10000 */
    ARCHIVE_HOT_ENTRIES: z.coerce.number().int().min(0).max(100_000_000).default(10_000),
    /** How often each node looks for cold segments (one mover per link at a time). @default "1m" */
    ARCHIVE_INTERVAL: Duration.default(60_000),
    /** Rows copied, compared and trimmed per round trip. @default 1000 */
    ARCHIVE_CHUNK: z.coerce.number().int().min(1).max(100_000).default(1000),
    /** Test hook: the process kills itself (SIGKILL) at this step of a segment move. Refused in production. */
    HOTLINE_ARCHIVE_FAULT: z.enum(['before-copy', 'during-copy', 'after-copy', 'after-compare', 'after-mark', 'during-trim', 'after-trim']).optional(),
  })
  .superRefine((env, ctx) => {
    for (const name of ['HOTLINE_RATE_USER', 'HOTLINE_RATE_POST', 'HOTLINE_RATE_LOGIN', 'HOTLINE_LOGIN_THROTTLE', 'HOTLINE_LOGIN_ADDRESS_FAILURES', 'HOTLINE_CONNECT_RATE'] as const) {
      try {
        parseLimit(env[name]);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: [name], message: (err as Error).message });
      }
    }
    if (env.NODE_ENV === 'production' && !env.HOTLINE_SERVER_KEY) {
      ctx.addIssue({ code: 'custom', path: ['HOTLINE_SERVER_KEY'], message: 'production mode needs the server checkpoint key (ECDSA P-256 PKCS#8 PEM)' });
    }
    if (env.NODE_ENV === 'production' && env.HOTLINE_ARCHIVE_FAULT) {
      ctx.addIssue({ code: 'custom', path: ['HOTLINE_ARCHIVE_FAULT'], message: 'a fault-injection hook, not for production' });
    }
    if ((env.HOTLINE_VAPID_PUBLIC_KEY === undefined) !== (env.HOTLINE_VAPID_PRIVATE_KEY === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['HOTLINE_VAPID_PRIVATE_KEY'], message: 'give both VAPID keys or neither' });
    }
    if (env.NODE_ENV === 'production') {
      if (env.HOTLINE_TOKEN_SECRET === DEMO_TOKEN_SECRET || env.HOTLINE_TOKEN_SECRET.length < 32) {
        ctx.addIssue({
          code: 'custom',
          path: ['HOTLINE_TOKEN_SECRET'],
          message: 'production mode needs a secret of at least 32 characters that is not the demo secret',
        });
      }
    }
  });

export type Config = z.output<typeof EnvSchema>;

/** Which Redis the configuration names: a cluster, a Sentinel-managed master, or one Redis. */
export function redisTarget(config: Config): RedisTarget {
  if (config.REDIS_CLUSTER_NODES) return { mode: 'cluster', nodes: parseHostPorts(config.REDIS_CLUSTER_NODES), password: config.REDIS_PASSWORD };
  if (config.REDIS_SENTINELS) {
    return { mode: 'sentinel', sentinels: parseHostPorts(config.REDIS_SENTINELS), name: config.REDIS_SENTINEL_NAME, password: config.REDIS_PASSWORD };
  }
  return { mode: 'single', url: config.REDIS_URL };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment. Throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = EnvSchema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(`invalid configuration:\n  ${formatIssues(result.error.issues).join('\n  ')}`);
  }
  return result.data;
}
