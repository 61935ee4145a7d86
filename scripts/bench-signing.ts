/**
 * What signing costs: per message on the client (WebCrypto ECDSA P-256) and on the server (node:crypto
 * verify), and the offline verification speed of a large export, each beside the unsigned path.
 *   npm run bench:signing [-- --entries 1000000 --ops 2000 --json out.json]
 */
import { createHash, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { EXPORT_FORMAT, ExportVerifier, GENESIS_HASH, entryHashInput, signingInput, toBase64Url } from '@hotline/shared';
import { ActionSigner } from '../client-sdk/src/signer.js';
import { importP256, verifyP256 } from '../server/src/service/signature-service.js';
import { nodeVerifyCrypto } from './lib/node-verify-crypto.js';

const { values } = parseArgs({
  options: { entries: { type: 'string', default: '1000000' }, ops: { type: 'string', default: '2000' }, json: { type: 'string' } },
});
const ENTRIES = Number(values.entries);
const OPS = Number(values.ops);
if (!Number.isInteger(ENTRIES) || ENTRIES < 10 || !Number.isInteger(OPS) || OPS < 10) {
  process.stderr.write('usage: npm run bench:signing -- [--entries N>=10] [--ops N>=10] [--json file]\n');
  process.exit(2);
}
const progress = (s: string) => process.stderr.write(`${s}\n`);
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

const message = (i: number) => ({
  linkId: 'kharlan-pass',
  clientMsgId: `bench-${String(i).padStart(8, '0')}`,
  text: `Firing heard north of the culvert, ${i}. Please confirm your patrols are back. فوری طور پر فائرنگ بند کریں۔`,
  precedence: 'routine',
  drill: false,
});

async function timeIt(n: number, fn: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < Math.min(200, n); i++) await fn(i); // warm up
  const t = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  return ((performance.now() - t) * 1000) / n;
}

// --- per message -------------------------------------------------------------------------------
progress(`per-message costs over ${OPS} messages…`);
const signer = await ActionSigner.generate();
const clientUnsigned = await timeIt(OPS, (i) => signingInput('hotline:send', 'op-n-kharlan', message(i)));
const clientSigned = await timeIt(OPS, (i) => signer.sign('hotline:send', 'op-n-kharlan', message(i)));
const sigs = await Promise.all(Array.from({ length: OPS }, (_, i) => signer.sign('hotline:send', 'op-n-kharlan', message(i))));
const key = importP256(signer.publicKey);
const serverUnsigned = await timeIt(OPS, (i) => sha(entryHashInput({ ...message(i), seq: i, ts: 0, prevHash: GENESIS_HASH })));
const serverSigned = await timeIt(OPS, (i) => {
  if (!verifyP256(key, signingInput('hotline:send', 'op-n-kharlan', message(i)), sigs[i]!.value)) throw new Error('verify failed');
  return sha(entryHashInput({ ...message(i), seq: i, ts: 0, prevHash: GENESIS_HASH, sig: sigs[i] }));
});

// --- export of ENTRIES entries -------------------------------------------------------------------
const dir = mkdtempSync(path.join(os.tmpdir(), 'hotline-bench-sign-'));
const USERS = 10;
const keys: { userId: string; privateKey: KeyObject; publicKey: string; keyId: string }[] = [];
for (let u = 0; u < USERS; u++) {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = pair.publicKey.export({ format: 'der', type: 'spki' });
  keys.push({ userId: `op-${u}`, privateKey: createPrivateKey(pair.privateKey.export({ format: 'pem', type: 'pkcs8' })), publicKey: toBase64Url(spki), keyId: createHash('sha256').update(spki).digest('hex').slice(0, 32) });
}
const p1363 = (k: KeyObject, input: string) => toBase64Url(sign('sha256', Buffer.from(input, 'utf8'), { key: k, dsaEncoding: 'ieee-p1363' }));

async function writeExport(file: string, signed: boolean): Promise<number> {
  const out = createWriteStream(file);
  const write = (o: unknown) => (out.write(`${JSON.stringify(o)}\n`) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write({ kind: 'header', format: EXPORT_FORMAT, linkId: 'kharlan-pass', serverKey: null, range: {} });
  let prev = GENESIS_HASH;
  let seq = 0;
  const t = performance.now();
  const append = async (body: Record<string, unknown>) => {
    seq++;
    const unsealed = { ...body, linkId: 'kharlan-pass', seq, ts: 1_800_000_000_000 + seq, prevHash: prev };
    const entry = { ...unsealed, hash: sha(entryHashInput(unsealed)) };
    prev = entry.hash;
    await write({ kind: 'entry', entry });
  };
  if (signed) {
    for (const k of keys) {
      const validUntil = 1_900_000_000_000;
      await append({
        type: 'key.registered',
        actor: { userId: k.userId, role: 'operator', postId: 'n-kharlan' },
        drill: false,
        payload: { keyId: k.keyId, alg: 'ES256', publicKey: k.publicKey, validFrom: 1_700_000_000_000, validUntil },
        sig: { keyId: k.keyId, value: p1363(k.privateKey, signingInput('key:register', k.userId, { keyId: k.keyId, publicKey: k.publicKey, validUntil })) },
      });
    }
  } else {
    // As a deployment with HOTLINE_SIGNATURES=optional records it, so the strict verifier accepts the unsigned actions.
    await append({ type: 'signature.policy', actor: { userId: 'system', role: 'system', postId: null }, drill: false, payload: { signatures: 'optional' } });
  }
  while (seq < ENTRIES) {
    const k = keys[seq % USERS]!;
    const m = message(seq);
    await append({
      type: 'message',
      actor: { userId: k.userId, role: 'operator', postId: 'n-kharlan' },
      drill: false,
      payload: { clientMsgId: m.clientMsgId, text: m.text, precedence: m.precedence },
      ...(signed ? { sig: { keyId: k.keyId, value: p1363(k.privateKey, signingInput('hotline:send', k.userId, m)) } } : {}),
    });
    if (seq % 100_000 === 0) progress(`  wrote ${seq} ${signed ? 'signed' : 'unsigned'} entries (${((performance.now() - t) / 1000).toFixed(0)} s)`);
  }
  await write({ kind: 'end', entries: seq });
  await new Promise<void>((resolve) => out.end(resolve));
  return seq;
}

async function verifyFile(file: string, label: string) {
  const verifier = new ExportVerifier(nodeVerifyCrypto());
  const t = performance.now();
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    await verifier.line(line);
    if (++n % 200_000 === 0) progress(`  ${label}: verified ${n} lines (${((performance.now() - t) / 1000).toFixed(0)} s)`);
  }
  const report = verifier.finish();
  const seconds = (performance.now() - t) / 1000;
  if (!report.ok) throw new Error(`${label} export did not verify: ${JSON.stringify(report.firstBad)}`);
  return { seconds, entriesPerSecond: report.counts.entries / seconds, bytes: statSync(file).size, signed: report.counts.signed };
}

progress(`writing an export of ${ENTRIES} signed entries…`);
const signedFile = path.join(dir, 'signed.ndjson');
await writeExport(signedFile, true);
progress(`writing an export of ${ENTRIES} unsigned entries…`);
const plainFile = path.join(dir, 'plain.ndjson');
await writeExport(plainFile, false);
progress('verifying…');
const verifySigned = await verifyFile(signedFile, 'signed');
const verifyPlain = await verifyFile(plainFile, 'unsigned');
rmSync(dir, { recursive: true, force: true });

const result = {
  at: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  perMessageMicros: {
    client: { signed: clientSigned, unsigned: clientUnsigned },
    server: { signed: serverSigned, unsigned: serverUnsigned },
  },
  export: { entries: ENTRIES, signed: verifySigned, unsigned: verifyPlain },
};
const f = (n: number, d = 1) => n.toFixed(d);
process.stdout.write(
  [
    '',
    `Signing costs (${result.node}, ${result.cpus} cores; ${OPS} messages; ${ENTRIES} export entries)`,
    '',
    '| | signed | unsigned path | ratio |',
    '|---|---|---|---|',
    `| client, per message (WebCrypto ECDSA P-256 sign + canonical JSON) | ${f(clientSigned)} µs | ${f(clientUnsigned)} µs | ${f(clientSigned / clientUnsigned)}× |`,
    `| server, per message (verify + entry hash) | ${f(serverSigned)} µs | ${f(serverUnsigned)} µs | ${f(serverSigned / serverUnsigned)}× |`,
    `| verify an export of ${ENTRIES} entries | ${f(verifySigned.seconds)} s (${f(verifySigned.entriesPerSecond, 0)}/s) | ${f(verifyPlain.seconds)} s (${f(verifyPlain.entriesPerSecond, 0)}/s) | ${f(verifySigned.seconds / verifyPlain.seconds)}× |`,
    `| export size | ${f(verifySigned.bytes / 1e6)} MB | ${f(verifyPlain.bytes / 1e6)} MB | ${f(verifySigned.bytes / verifyPlain.bytes, 2)}× |`,
    '',
  ].join('\n'),
);
if (values.json) {
  const { writeFileSync, mkdirSync } = await import('node:fs');
  mkdirSync(path.dirname(values.json), { recursive: true });
  writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
}
