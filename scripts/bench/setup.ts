/** The bench's own Redis, two server nodes and the bare baselines, on this machine. */
import { TokenSigner } from '../../server/src/auth/tokens.js';
import { startRedis, type RedisProcess } from '../../test/helpers/redis.js';
import { TEST_SECRET, startServer, type ServerProcess } from '../../test/helpers/server.js';
import { spawnBench, type BenchProcess } from './procs.js';
import { writeBenchTopology, type BenchTopology } from './topology.js';

export interface BenchCluster {
  redis: RedisProcess;
  /** The redis-server's pid (for CPU time). */
  redisPid: number;
  topo: BenchTopology;
  full: [ServerProcess, ServerProcess];
  bare: [BenchProcess, BenchProcess] | null;
  /** The bare relay that also appends each message to a Redis stream (--with-append-baseline). */
  append: [BenchProcess, BenchProcess] | null;
  signer: TokenSigner;
  /** Extra processes started later (memory section); stopped with the cluster. */
  extra: { kill(): Promise<unknown> }[];
  stop(): Promise<void>;
}

/** `unsigned`: the nodes accept unsigned actions (HOTLINE_SIGNATURES=optional), for the relay without signatures. */
export async function startBenchCluster(o: { pairs: number; escalationDelayMs: number; bare: boolean; append?: boolean; aof: boolean; unsigned?: boolean }): Promise<BenchCluster> {
  const topo = await writeBenchTopology(o.pairs, o.escalationDelayMs);
  const redis = await startRedis(o.aof ? { aof: true, extraArgs: ['--appendfsync', 'everysec'] } : {});
  const started: { kill(): Promise<unknown> }[] = [];
  try {
    const node = async () => {
      const s = await startServer({
        redisUrl: redis.url,
        topology: topo.file,
        env: { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', ...(o.unsigned ? { HOTLINE_SIGNATURES: 'optional' } : {}), ...nodeEnv() },
        nodeArgs: process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean),
      });
      // A profiled node stops gracefully, so it writes its profile on the way out.
      started.push(process.env.BENCH_NODE_ARGS ? { kill: () => s.stop() } : s);
      return s;
    };
    const full = [await node(), await node()] as [ServerProcess, ServerProcess];
    let bare: [BenchProcess, BenchProcess] | null = null;
    if (o.bare) {
      const b = async () => {
        const p = await spawnBench('scripts/bench/bare-server.ts', { REDIS_URL: redis.url });
        started.push(p);
        return p;
      };
      bare = [await b(), await b()];
    }
    let append: [BenchProcess, BenchProcess] | null = null;
    if (o.append) {
      const b = async () => {
        const p = await spawnBench('scripts/bench/bare-server.ts', { REDIS_URL: redis.url, BENCH_BARE_APPEND: '1' });
        started.push(p);
        return p;
      };
      append = [await b(), await b()];
    }
    const extra: { kill(): Promise<unknown> }[] = [];
    const info = await redis.client().info('server');
    return {
      redis,
      redisPid: Number(/process_id:(\d+)/.exec(info)?.[1] ?? 0),
      topo,
      full,
      bare,
      append,
      signer: new TokenSigner(TEST_SECRET, 6 * 3_600_000),
      extra,
      async stop() {
        await Promise.allSettled([...started, ...extra].map((p) => p.kill()));
        await redis.stop();
      },
    };
  } catch (err) {
    await Promise.allSettled(started.map((p) => p.kill()));
    await redis.stop();
    throw err;
  }
}

/**
 * Settings for the bench's server nodes from BENCH_NODE_ENV ("HOTLINE_PING_INTERVAL=10000 HOTLINE_…=…"),
 * to measure what one setting costs; only HOTLINE_* names (the rest of the nodes' environment is the bench's).
 */
export function nodeEnv(text = process.env.BENCH_NODE_ENV ?? ''): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of text.split(/\s+/).filter(Boolean)) {
    const m = /^(HOTLINE_[A-Z0-9_]+)=(.*)$/.exec(pair);
    if (!m) throw new Error(`BENCH_NODE_ENV: "${pair}" is not HOTLINE_NAME=value`);
    env[m[1]!] = m[2]!;
  }
  return env;
}
