/**
 * Verifies a link export offline: the hash chain, every signature against the key registered at the
 * time, every quoted hash, every server checkpoint and the sides' cosignatures. Needs no server and no
 * Redis. Strict by default: a user action the record's signature policy required to be signed must be.
 *   npm run verify -- <export.ndjson> [--lenient | --require-signatures] [--server-key <keyId>]
 *                     [--trusted-keys <side.json>]... [--report] [--json]
 * Exit code 0 when the record is intact, 1 when it is not, 2 on a usage error.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ExportVerifier, incidentReport, parseTrustedKeys, replayAlerts, type Entry, type ExportLine, type TrustedKeysFile, type VerifyReport } from '@hotline/shared';
import { nodeVerifyCrypto } from './lib/node-verify-crypto.js';

const USAGE =
  'usage: npm run verify -- <export.ndjson> [--lenient | --require-signatures] [--server-key <keyId>] [--trusted-keys <side.json>]... [--report] [--json]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

/** The signature mode, the cosigned checkpoints and coverage, and the keys the verdict rests on. */
function trustLines(report: VerifyReport): string[] {
  const out: string[] = [];
  const sig = report.signatures;
  const policy = sig.policy.map((p) => `${p.signatures}${p.seq === null ? ' (no policy entry: the default)' : ` from seq ${p.seq}`}`).join(', then ');
  if (sig.mode === 'lenient') {
    out.push(`  signatures: LENIENT (--lenient): unsigned user actions accepted; ${sig.lenientUnsigned} of them had to be signed under the record's policy (${policy})`);
  } else {
    out.push(`  signatures: ${sig.mode === 'all' ? 'every user action must be signed (--require-signatures)' : `strict, as the record's policy states (${policy})`}; unsigned allowed by the policy ${sig.allowedUnsigned}`);
  }
  for (const cp of report.cosigned) {
    const by = cp.sides.map((c) => `${c.side} (${c.userId}, key ${c.keyId}${c.pinned === true ? ', pinned' : c.pinned === false ? ', NOT in the trusted keys' : ''})`).join(', ');
    out.push(`  checkpoint ${cp.seq} cosigned by ${by}`);
  }
  const cov = report.coverage;
  if (cov) {
    if (report.cosigned.length === 0) out.push('  no checkpoint of this export is cosigned by a side');
    if (cov.notCovered) {
      out.push(`  entries ${cov.notCovered.fromSeq}..${cov.notCovered.toSeq} are NOT covered by any ${cov.pinnedSides.length > 0 ? 'pinned ' : ''}cosignature (only the server's checkpoints and the chain hold them)`);
    }
    if (cov.lastCoveredByAllSides !== null) out.push(`  both sides cosigned the history up to seq ${cov.lastCoveredByAllSides}`);
  }
  const t = report.trust;
  out.push(`  verdict rests on: server key ${t.serverKeyId ?? 'none'} (${t.serverKeyPinned ? 'pinned with --server-key' : 'not pinned'})`);
  if (cov && cov.pinnedSides.length > 0) out.push(`  trusted keys given for: ${cov.pinnedSides.join(', ')}`);
  else if (t.cosigningKeys.length > 0) out.push('  no trusted keys given (--trusted-keys): the cosigning keys below are only the export\'s word');
  for (const k of t.cosigningKeys) {
    out.push(`    cosigning key ${k.keyId}: ${k.side}, ${k.userId}${k.pinned === true ? ', pinned' : k.pinned === false ? ', not pinned (not counted)' : ', not pinned'}`);
  }
  return out;
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      'require-signatures': { type: 'boolean' },
      lenient: { type: 'boolean' },
      'trusted-keys': { type: 'string', multiple: true },
      'server-key': { type: 'string' },
      report: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
} catch (err) {
  fail((err as Error).message);
}
const { values, positionals } = parsed;
if (positionals.length !== 1) fail('give exactly one export file');
const file = positionals[0]!;
if (!existsSync(file)) fail(`no such file: ${file}`);

if (values.lenient && values['require-signatures']) fail('--lenient and --require-signatures exclude each other');
const trustedKeys: TrustedKeysFile[] = [];
for (const path of values['trusted-keys'] ?? []) {
  if (!existsSync(path)) fail(`no such file: ${path}`);
  try {
    trustedKeys.push(parseTrustedKeys(readFileSync(path, 'utf8')));
  } catch (err) {
    fail(`${path}: ${(err as Error).message}`);
  }
}
if (new Set(trustedKeys.map((t) => t.side)).size !== trustedKeys.length) fail('give one trusted-keys file per side');
const mode = values.lenient ? 'lenient' : values['require-signatures'] ? 'all' : 'strict';
const verifier = new ExportVerifier(nodeVerifyCrypto(), {
  signatures: mode,
  trustedKeys,
  ...(values['server-key'] ? { serverKeyId: values['server-key'] } : {}),
});
const alertEntries: Entry[] = [];
const started = performance.now();
const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
let tick = Date.now();
for await (const line of lines) {
  await verifier.line(line);
  if (verifier.failed) break;
  if (values.report && line.includes('"type":"alert.')) {
    const record = JSON.parse(line) as ExportLine;
    if (record.kind === 'entry') alertEntries.push(record.entry);
  }
  if (process.stderr.isTTY && Date.now() - tick > 500) {
    tick = Date.now();
    process.stderr.write(`\r  verified ${verifier.report.counts.entries} entries…`);
  }
}
lines.close();
if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
const report: VerifyReport = verifier.finish();
const seconds = (performance.now() - started) / 1000;

if (values.json) {
  const out: Record<string, unknown> = { ...report, seconds };
  if (values.report && report.ok) {
    const alerts = replayAlerts(alertEntries);
    const times = alerts.map((a) => a.raisedAt);
    out.incidents = incidentReport(alerts, { from: Math.min(...times, 0), to: Math.max(...times, 0) }, report.linkId ? [report.linkId] : []);
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} else {
  const c = report.counts;
  const types = Object.entries(c.byType)
    .sort((a, b) => b[1] - a[1])
    .map(([t, n]) => `${n} ${t}`)
    .join(', ');
  const out = [`Record of link ${report.linkId ?? '?'} (${file}): ${report.ok ? 'INTACT' : 'NOT INTACT'}`];
  if (report.firstBad) {
    const where = report.firstBad.seq === null ? `line ${report.firstBad.line}` : `seq ${report.firstBad.seq} (line ${report.firstBad.line})`;
    out.push(`  first bad: ${where}: ${report.firstBad.reason}`);
  }
  out.push(
    `  entries ${report.range.fromSeq ?? '-'}..${report.range.toSeq ?? '-'} (${c.entries}): ${types || 'none'}`,
    `  signatures verified ${c.signed}, unsigned user actions ${c.unsigned}, server entries ${c.serverEntries}, keys ${c.keys}`,
    `  quoted hashes checked ${c.quotesChecked}, checkpoints verified ${c.checkpoints} (server key ${report.serverKeyId ?? 'none'})`,
    ...trustLines(report),
  );
  if (report.head) out.push(`  last entry ${report.head.seq} ${report.head.hash}`);
  out.push(`  ${(c.entries / Math.max(seconds, 1e-9)).toFixed(0)} entries/s, ${seconds.toFixed(2)} s`);
  if (values.report && report.ok) {
    const alerts = replayAlerts(alertEntries);
    const r = incidentReport(alerts, { from: 0, to: Number.MAX_SAFE_INTEGER }, report.linkId ? [report.linkId] : []);
    for (const [name, s] of [['real incidents', r.real], ['drills', r.drill]] as const) {
      const sec = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);
      out.push(
        `  ${name}: ${s.incidents} (${Object.entries(s.byKind).map(([k, n]) => `${n} ${k}`).join(', ') || 'none'})`,
        `    acknowledged ${s.acknowledged}; time to acknowledge median ${sec(s.ackTimes.medianMs)}, p90 ${sec(s.ackTimes.p90Ms)}, worst ${sec(s.ackTimes.worstMs)}`,
        `    escalations ${s.escalations} (${Object.entries(s.escalationsByLevel).map(([l, n]) => `level ${l}: ${n}`).join(', ') || 'none'})`,
      );
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
process.exit(report.ok ? 0 : 1);
