/**
 * Writes one side's trusted-keys file (hotline-trusted-keys/1): every key a user of that side has
 * registered, from the deployment, for the offline verifier's --trusted-keys.
 *   HOTLINE_TOKEN=<an admin's token> npm run export-keys -- --url <service URL> --side <side> [--out <file>]
 * Without --out the file goes to stdout. Exit code 0 when written, 1 when the service refused, 2 on a
 * usage error.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseTrustedKeys } from '@hotline/shared';

const USAGE = 'usage: HOTLINE_TOKEN=<admin token> npm run export-keys -- --url <service URL> --side <side> [--out <file>]';

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n${code === 2 ? `${USAGE}\n` : ''}`);
  process.exit(code);
}

let values;
try {
  ({ values } = parseArgs({ options: { url: { type: 'string' }, side: { type: 'string' }, out: { type: 'string' }, token: { type: 'string' } } }));
} catch (err) {
  fail((err as Error).message);
}
const token = values.token ?? process.env.HOTLINE_TOKEN;
if (!values.url || !values.side) fail('--url and --side are required');
if (!token) fail('give an admin token in HOTLINE_TOKEN (npm run -s token -- --user <admin>)');

const res = await fetch(new URL(`/api/trusted-keys?side=${encodeURIComponent(values.side)}`, values.url), { headers: { authorization: `Bearer ${token}` } }).catch(
  (err: unknown) => fail(`cannot reach ${values.url}: ${(err as Error).message}`, 1),
);
const text = await res.text();
if (!res.ok) fail(`the service refused (${res.status}): ${text}`, 1);
let file;
try {
  file = parseTrustedKeys(text);
} catch (err) {
  fail(`the service answered something else than a trusted-keys file: ${(err as Error).message}`, 1);
}
const json = `${JSON.stringify(file, null, 2)}\n`;
if (values.out) {
  writeFileSync(values.out, json);
  process.stderr.write(`${file.keys.length} keys of side ${file.side} written to ${values.out}\n`);
} else {
  process.stdout.write(json);
}
