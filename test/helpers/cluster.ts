import { startRedis, type RedisProcess } from './redis.js';
import { startServer, type ServerProcess } from './server.js';
import { makeTopology } from './topology.js';
import type { TopologyInput } from '@hotline/shared';

export interface TestCluster {
  redis: RedisProcess;
  nodes: ServerProcess[];
  topologyFile: string;
  topology: TopologyInput;
  /** Starts one more node on the same Redis. */
  addNode(env?: Record<string, string>): Promise<ServerProcess>;
  stop(): Promise<void>;
}

/** A private Redis and `nodes` server processes on it, with the test topology. */
export async function startCluster(
  options: { nodes?: number; aof?: boolean; env?: Record<string, string>; topology?: Parameters<typeof makeTopology>[0] } = {},
): Promise<TestCluster> {
  const redis = await startRedis({ aof: options.aof ?? false });
  const { file, topology } = await makeTopology(options.topology);
  const nodes: ServerProcess[] = [];
  const addNode = async (env?: Record<string, string>) => {
    const node = await startServer({ redisUrl: redis.url, topology: file, env: { ...options.env, ...env } });
    nodes.push(node);
    return node;
  };
  try {
    await Promise.all(Array.from({ length: options.nodes ?? 2 }, () => addNode()));
  } catch (err) {
    await Promise.allSettled(nodes.map((n) => n.kill()));
    await redis.stop();
    throw err;
  }
  return {
    redis,
    nodes,
    topologyFile: file,
    topology,
    addNode,
    async stop() {
      await Promise.allSettled(nodes.map((n) => n.kill()));
      await redis.stop();
    },
  };
}
