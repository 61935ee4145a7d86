/**
 * Exports the live configuration to a file, or imports one as a single change (validated like every
 * change through the admin API, recorded in the administration log):
 *   npm run -s config:export -- [--out <file>]
 *   npm run -s config:import -- <file> [--expect-version <n>]
 * Uses REDIS_URL (or REDIS_SENTINELS / REDIS_CLUSTER_NODES) and HOTLINE_REDIS_PREFIX like the server.
 * The exported file holds password hashes (as the topology file does): keep it where the topology file is kept.
 * Exit code 0 on success, 1 when the import is refused (every bad field printed), 2 on a usage error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AppError, type Topology } from '@hotline/shared';
import { loadConfig, redisTarget } from '../server/src/config.js';
import { TopologyIndex } from '../server/src/domain/topology-index.js';
import { createLogger } from '../server/src/log.js';
import { ConfigService, validateConfig } from '../server/src/service/config-service.js';
import { SignatureService } from '../server/src/service/signature-service.js';
import { RedisKeyRegistry } from '../server/src/store/key-registry.js';
import { Keys } from '../server/src/store/keys.js';
import { RedisLinkLog } from '../server/src/store/link-log.js';
import { createRedis } from '../server/src/store/redis.js';
import { RedisSignaturePolicyStore } from '../server/src/store/policy-store.js';
import { numberFlag, UsageError } from './lib/cli.js';

const USAGE = 'usage: npm run -s config:export -- [--out <file>]\n       npm run -s config:import -- <file> [--expect-version <n>]';

function usage(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

const command = process.argv[2];
if (command !== 'export' && command !== 'import') usage('the first argument is export or import');
let parsed;
try {
  parsed = parseArgs({ args: process.argv.slice(3), allowPositionals: true, options: { out: { type: 'string' }, 'expect-version': { type: 'string' } } });
} catch (err) {
  usage((err as Error).message);
}
const { values, positionals } = parsed;
let expectVersion: number | undefined;
try {
  expectVersion = numberFlag('expect-version', values['expect-version'], { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true });
} catch (err) {
  if (err instanceof UsageError) usage(err.message);
  throw err;
}

const config = loadConfig();
const log = createLogger({ level: 'warn', nodeId: 'config-cli' });
const redis = createRedis(redisTarget(config), log, 'config-cli');
const keys = new Keys(config.HOTLINE_REDIS_PREFIX);
try {
  const [version, text] = await redis.hmget(keys.config(), 'version', 'topology');
  if (command === 'export') {
    if (!version || !text) {
      process.stderr.write('no live configuration in this Redis yet (a node seeds it from the topology file when it starts)\n');
      process.exitCode = 1;
    } else {
      const out = `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
      if (values.out) {
        writeFileSync(values.out, out);
        process.stderr.write(`configuration version ${version} written to ${values.out}\n`);
      } else process.stdout.write(out);
    }
  } else {
    if (positionals.length !== 1) usage('give exactly one file to import');
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(positionals[0]!, 'utf8'));
    } catch (err) {
      usage(`cannot read ${positionals[0]}: ${(err as Error).message}`);
    }
    const current = version === null ? null : validateConfig(JSON.parse(text ?? 'null'));
    const base = Number(version ?? 0);
    if (expectVersion !== undefined && expectVersion !== base) {
      process.stderr.write(`CONFLICT: the configuration is at version ${base}, not ${expectVersion}\n`);
      process.exitCode = 1;
    } else if (!current) {
      process.stderr.write('no live configuration in this Redis yet: start a node with HOTLINE_TOPOLOGY pointing at the file instead\n');
      process.exitCode = 1;
    } else {
      const topo = new TopologyIndex(current as Topology, base);
      const linkLog = new RedisLinkLog(redis, keys);
      const service = new ConfigService({
        topo,
        log: linkLog,
        redis,
        keys,
        signatures: new SignatureService({ registry: new RedisKeyRegistry(redis, keys), log: linkLog, broadcaster: { entry() {}, entryAgain() {}, escalation() {}, presence() {}, checkpoint() {} }, required: false, policies: new RedisSignaturePolicyStore(redis, keys) }),
        broadcaster: { entry() {}, entryAgain() {}, escalation() {}, presence() {}, checkpoint() {} },
        logger: log,
      });
      try {
        const result = await service.change(null, { section: '*', itemId: null, op: 'import', request: { version: base, value: raw } });
        process.stdout.write(`imported as configuration version ${result.version} (administration log seq ${result.entry.seq})\n`);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        const fields = (err.details?.fields as { field: string; message: string }[] | undefined) ?? [];
        process.stderr.write(`${err.code}: ${fields.length > 0 ? fields.map((f) => `\n  ${f.field}: ${f.message}`).join('') : err.message}\n`);
        process.exitCode = 1;
      }
    }
  }
} finally {
  await redis.quit();
}
