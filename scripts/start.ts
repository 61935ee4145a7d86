/**
 * Starts the service with the demo topology on this machine:
 *   npm start
 * Redis: REDIS_URL if set; otherwise a Redis already answering on 127.0.0.1:6379; otherwise a local
 * redis-server started here with its data (AOF on) under data/redis, at hz 100 (escalation timers within
 * ~10 ms instead of ~100 ms; see README "Redis settings"). Prints where to open the console.
 * Another node of the same cluster: PORT=8081 REDIS_URL=redis://127.0.0.1:6379 npm start
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { ConfigError, PROJECT_ROOT, loadConfig } from '../server/src/config.js';
import { createLogger } from '../server/src/log.js';
import { startNode } from '../server/src/node.js';
import { TopologyError } from '../server/src/topology-file.js';
import { buildConsole } from './build.js';

const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1500 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

async function ensureRedis(): Promise<{ url: string; child?: ChildProcess }> {
  const configured = process.env.REDIS_URL;
  if (configured) {
    if (!(await answers(configured))) {
      process.stderr.write(`REDIS_URL=${configured} does not answer. Start that Redis or unset REDIS_URL.\n`);
      process.exit(1);
    }
    return { url: configured };
  }
  if (await answers(DEFAULT_REDIS)) return { url: DEFAULT_REDIS };
  if (!hasBinary('redis-server')) {
    process.stderr.write(
      [
        'No Redis answers on 127.0.0.1:6379 and there is no redis-server on this machine.',
        'Get one of these, then run `npm start` again:',
        '  Debian/Ubuntu:  sudo apt-get install -y redis-server',
        '  Fedora/RHEL:    sudo dnf install -y redis',
        '  macOS:          brew install redis',
        '  Docker:         docker run -d -p 6379:6379 redis:7 --appendonly yes',
        'or point REDIS_URL at a Redis you already run: REDIS_URL=redis://host:6379 npm start',
        '',
      ].join('\n'),
    );
    process.exit(1);
  }
  const dir = path.join(PROJECT_ROOT, 'data/redis');
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    ['--port', '6379', '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--hz', '100', '--logfile', path.join(dir, 'redis.log')],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    if (await answers(DEFAULT_REDIS)) {
      process.stdout.write(`Started redis-server on 127.0.0.1:6379 with its data (AOF) in ${path.relative(process.cwd(), dir) || dir}\n`);
      return { url: DEFAULT_REDIS, child };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stderr.write(`redis-server did not start; see ${path.join(dir, 'redis.log')}\n`);
  process.exit(1);
}

const redis = await ensureRedis();
process.env.REDIS_URL = redis.url;
let config;
try {
  config = loadConfig();
} catch (err) {
  process.stderr.write(`${(err as ConfigError).message}\n`);
  process.exit(2);
}
await buildConsole({ quiet: true });
const log = createLogger({ level: config.LOG_LEVEL, nodeId: config.HOTLINE_NODE_ID });
let node;
try {
  node = await startNode(config, log);
} catch (err) {
  if (err instanceof TopologyError || err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`failed to start: ${(err as Error).stack ?? String(err)}\n`);
  }
  redis.child?.kill('SIGTERM');
  process.exit(1);
}
log.info({ url: node.url, port: node.port }, 'listening');
const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
const demo = config.HOTLINE_TOPOLOGY === path.join(PROJECT_ROOT, 'topology/demo.json');
process.stdout.write(
  [
    '',
    `Border hotline is running: node ${config.HOTLINE_NODE_ID}, Redis ${redis.url}`,
    `  Console:   http://${host}:${node.port}/`,
    ...(demo
      ? [
          '  Log in as: op-n-kharlan / hotline-demo   (operator, Kharlan Pass North Post)',
          '  Its peer:  op-s-kharlan / hotline-demo   (operator, Kharlan Pass South Post; use a second browser window)',
          '  Also:      cmd-n-highlands, joint-duty, monitor, admin (same password; all users in README.md)',
        ]
      : [`  Topology:  ${config.HOTLINE_TOPOLOGY}`]),
    '  Stop with Ctrl+C.',
    '',
  ].join('\n'),
);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void node.close().finally(() => {
    redis.child?.kill('SIGTERM');
    process.exit(0);
  });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
