import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { startNode } from './node.js';
import { TopologyError } from './topology-file.js';

/** Starts one node from the environment and stops it gracefully on SIGTERM/SIGINT. */
export async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger({ level: config.LOG_LEVEL, nodeId: config.HOTLINE_NODE_ID });
  let node;
  try {
    node = await startNode(config, log);
  } catch (err) {
    if (err instanceof TopologyError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    log.fatal({ err }, 'failed to start');
    process.exit(1);
  }
  log.info({ url: node.url, port: node.port }, 'listening');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    node.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

const entry = process.argv[1] ?? '';
if (entry.endsWith('main.ts') || entry.endsWith('main.js')) {
  void main();
}
