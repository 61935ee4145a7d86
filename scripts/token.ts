/**
 * Prints a token for a user of the topology, and nothing else:
 *   npm run -s token -- --user op-n-kharlan [--ttl 12h] [--drill]
 * Uses HOTLINE_TOKEN_SECRET and HOTLINE_TOPOLOGY like the server.
 */
import { parseArgs } from 'node:util';
import { Duration } from '@hotline/shared';
import { loadConfig } from '../server/src/config.js';
import { TokenSigner } from '../server/src/auth/tokens.js';
import { loadTopology } from '../server/src/topology-file.js';

function fail(message: string): never {
  process.stderr.write(`${message}\nusage: npm run -s token -- --user <id> [--ttl 12h] [--drill]\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({ options: { user: { type: 'string' }, ttl: { type: 'string' }, drill: { type: 'boolean' } } }));
} catch (err) {
  fail((err as Error).message);
}
if (!values.user) fail('--user is required');
const config = loadConfig();
const topology = loadTopology(config.HOTLINE_TOPOLOGY);
const user = topology.users.find((u) => u.id === values.user);
if (!user) fail(`no user "${values.user}" in ${config.HOTLINE_TOPOLOGY}`);
const ttl = values.ttl === undefined ? config.HOTLINE_TOKEN_TTL : Duration.safeParse(values.ttl);
const ttlMs = typeof ttl === 'number' ? ttl : ttl.success ? ttl.data : fail(`--ttl: ${ttl.error.issues[0]?.message}`);
const signer = new TokenSigner(config.HOTLINE_TOKEN_SECRET, ttlMs);
process.stdout.write(`${signer.issue(user, { drill: values.drill === true }).token}\n`);
