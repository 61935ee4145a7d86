import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { verifyExport, type Entry, type IncidentReport, type VerifyReport } from '@hotline/shared';
import { HotlineClient } from '../../client-sdk/src/client.js';
import { ActionSigner } from '../../client-sdk/src/signer.js';
import { MemoryStorage } from '../../client-sdk/src/storage.js';
import { nodeVerifyCrypto } from '../../scripts/lib/node-verify-crypto.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, emitAck, rawSigner, rawSocket, tokenFor, type TestClient } from '../helpers/clients.js';
import { headSeqs, headsBeforeRefusals, keys, readLog, rewriteLog as rewriteLogIn } from '../helpers/log.js';
import { ROOT } from '../helpers/server.js';
import { nextEvent, waitFor } from '../helpers/wait.js';

const run = promisify(execFile);
let cluster: TestCluster;
let redis: Redis;
const clients: TestClient[] = [];
const dir = mkdtempSync(path.join(os.tmpdir(), 'hotline-export-'));

async function exportLink(linkId: string, query = '', as: [string, 'monitor' | 'admin' | 'commander'] = ['monitor', 'monitor']): Promise<string> {
  const res = await fetch(`${cluster.nodes[0]!.url}/api/links/${linkId}/export${query}`, { headers: { authorization: `Bearer ${tokenFor(...as)}` } });
  if (!res.ok) throw new Error(`export failed: ${res.status} ${await res.text()}`);
  return res.text();
}

async function verifyText(text: string): Promise<VerifyReport> {
  return verifyExport(text.split('\n'), nodeVerifyCrypto());
}

async function checkpointNow(): Promise<number> {
  const res = await fetch(`${cluster.nodes[1]!.url}/api/checkpoints`, { method: 'POST', headers: { authorization: `Bearer ${tokenFor('admin', 'admin')}` } });
  return ((await res.json()) as { made: number }).made;
}

/** Rewrites a link's log in this cluster's Redis (see test/helpers/log.ts). */
const rewriteLog = (linkId: string, entries: Entry[], options: { rechain?: boolean } = {}) => rewriteLogIn(redis, linkId, entries, options);

beforeAll(async () => {
  cluster = await startCluster({ nodes: 2, env: { HOTLINE_CHECKPOINT_INTERVAL: '1h' } });
  redis = cluster.redis.client();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('a busy link’s record', () => {
  let original: Entry[];

  it('exports and verifies as intact, whole and by range, with the CLI and the library', async () => {
    const a = await connectClient(cluster.nodes[0]!.url, 'op-a1');
    const b = await connectClient(cluster.nodes[1]!.url, 'op-b1');
    const cmd = await connectClient(cluster.nodes[1]!.url, 'cmd-sb1');
    clients.push(a, b, cmd);
    for (let i = 0; i < 60; i++) await (i % 3 ? a : b).send('l1', `traffic ${i} سلام`, { precedence: i % 10 === 0 ? 'flash' : 'routine' });
    const last = (await a.send('l1', 'read this')).entry;
    await waitFor(() => b.cursor('l1') >= last.seq);
    b.markRead('l1', last.seq);
    const one = (await a.raiseAlert({ linkId: 'l1', kind: 'small-arms-fire', severity: 2, description: 'shots' })).alert;
    await b.ackAlert(one.alertId, 'seen');
    await cmd.commentAlert(one.alertId, 'patrol sent');
    await b.resolveAlert(one.alertId, 'over');
    const two = (await a.raiseAlert({ linkId: 'l1', kind: 'drone', severity: 1, description: 'drone' })).alert;
    await waitFor(async () => (await readLog(redis, 'l1')).some((e) => e.type === 'alert.escalated' && e.payload.alertId === two.alertId));
    await waitFor(async () => (await readLog(redis, 'l1')).some((e) => e.type === 'receipt' && e.payload.kind === 'read'));
    await b.ackAlert(two.alertId);
    expect(await checkpointNow()).toBeGreaterThan(0);
    const after = (await a.send('l1', 'after the checkpoint')).entry;
    // Let the counterpart's delivered receipt land, so the log is quiet while we compare.
    await waitFor(async () => (await readLog(redis, 'l1')).some((e) => e.type === 'receipt' && e.payload.kind === 'delivered' && e.payload.uptoSeq >= after.seq));

    const text = await exportLink('l1');
    const file = path.join(dir, 'l1.ndjson');
    writeFileSync(file, text);
    const cli = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/verify.ts'), file, '--require-signatures', '--json'], { cwd: ROOT });
    const report = JSON.parse(cli.stdout) as VerifyReport;
    original = await readLog(redis, 'l1');
    expect(report).toMatchObject({ ok: true, firstBad: null, linkId: 'l1' });
    expect(report.counts.entries).toBe(original.length);
    expect(report.counts.unsigned).toBe(0);
    expect(report.counts.signed + report.counts.serverEntries + report.counts.keys).toBe(original.length);
    expect(report.counts.keys).toBeGreaterThanOrEqual(3);
    expect(report.counts.checkpoints).toBe(1);
    expect(report.counts.quotesChecked).toBeGreaterThan(2);
    expect(report.counts.byType['alert.escalated']).toBeGreaterThanOrEqual(1);

    const human = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/verify.ts'), file], { cwd: ROOT });
    expect(human.stdout).toContain('INTACT');

    const ranged = await exportLink('l1', '?fromSeq=30&toSeq=50');
    const rangedReport = await verifyText(ranged);
    expect(rangedReport).toMatchObject({ ok: true, range: { fromSeq: 30, toSeq: 50 } });
    expect(rangedReport.counts.entries).toBe(21);
    const byTime = await verifyText(await exportLink('l1', `?from=${original[10]!.ts}&to=${original[20]!.ts}`));
    expect(byTime.ok).toBe(true);
    expect(byTime.range.fromSeq).toBeLessThanOrEqual(11);
  });

  it('is exported only by monitors, admins and commanders in scope', async () => {
    const op = await fetch(`${cluster.nodes[0]!.url}/api/links/l1/export`, { headers: { authorization: `Bearer ${tokenFor('op-a1', 'operator')}` } });
    expect(op.status).toBe(403);
    const outsider = await fetch(`${cluster.nodes[0]!.url}/api/links/l1/export`, { headers: { authorization: `Bearer ${tokenFor('cmd-sa2', 'commander')}` } });
    expect(outsider.status).toBe(403);
    expect((await verifyText(await exportLink('l1', '', ['cmd-sb1', 'commander']))).ok).toBe(true);
  });

  describe('catches and names each kind of tampering', () => {
    const seqOf = (type: string, from = 1) => original.find((e) => e.type === type && e.seq >= from)!.seq;
    const restore = () => rewriteLog('l1', original);

    it('an entry’s text edited in Redis', async () => {
      const n = seqOf('message', 10);
      const edited = original.map((e) => (e.seq === n && e.type === 'message' ? { ...e, payload: { ...e.payload, text: 'we never said that' } } : e));
      await rewriteLog('l1', edited as Entry[]);
      expect((await verifyText(await exportLink('l1'))).firstBad).toMatchObject({ seq: n, reason: expect.stringContaining('hash does not match') });
      await restore();
    });

    it('an entry deleted', async () => {
      const n = seqOf('message', 20);
      await redis.xdel(keys.log('l1'), `${n}-0`);
      expect((await verifyText(await exportLink('l1'))).firstBad).toMatchObject({ seq: n, reason: expect.stringContaining('missing') });
      await restore();
    });

    it('two entries swapped', async () => {
      const n = seqOf('message', 25);
      const swapped = [...original];
      [swapped[n - 1], swapped[n]] = [swapped[n]!, swapped[n - 1]!];
      await rewriteLog('l1', swapped);
      // At seq n the verifier finds n+1: it cannot yet tell a swap from a deletion, and says so.
      expect((await verifyText(await exportLink('l1'))).firstBad).toMatchObject({ seq: n, reason: expect.stringMatching(/missing|out of order/) });
      await restore();
    });

    it('a signature replaced, even with the chain recomputed', async () => {
      const n = seqOf('message', 30);
      const donor = original.find((e) => e.seq > n && e.type === 'message' && e.sig?.keyId === original[n - 1]!.sig?.keyId)!;
      const forged = original.map((e) => (e.seq === n ? { ...e, sig: donor.sig } : e));
      await rewriteLog('l1', forged as Entry[], { rechain: true });
      expect((await verifyText(await exportLink('l1'))).firstBad).toMatchObject({ seq: n, reason: expect.stringContaining('signature') });
      await restore();
    });

    it('a key swapped in the registry, even with the chain recomputed', async () => {
      const keyEntry = original.find((e) => e.type === 'key.registered')!;
      const impostor = await ActionSigner.generate();
      const swapped = original.map((e) => (e.seq === keyEntry.seq && e.type === 'key.registered' ? { ...e, payload: { ...e.payload, publicKey: impostor.publicKey } } : e));
      await rewriteLog('l1', swapped as Entry[], { rechain: true });
      expect((await verifyText(await exportLink('l1'))).firstBad).toMatchObject({ seq: keyEntry.seq, reason: expect.stringContaining('not the id of the public key') });
      await restore();
    });

    it('a log rewritten after a checkpoint a console already holds', async () => {
      const storage = new MemoryStorage();
      const monitor = await connectClient(cluster.nodes[1]!.url, 'monitor', { storage });
      const cp = monitor.checkpoint('l1')!;
      expect(cp).toBeDefined();
      monitor.close();
      // A rewrite no signature can catch: the host removes a target from an escalation (its own entry)
      // before the checkpoint, and recomputes the chain. Users' signatures all still verify.
      const n = seqOf('alert.escalated');
      expect(n).toBeLessThan(cp.seq);
      const rewritten = original.map((e) => (e.seq === n && e.type === 'alert.escalated' ? { ...e, payload: { ...e.payload, targets: [] } } : e));
      await rewriteLog('l1', rewritten as Entry[], { rechain: true });
      // The console that holds the checkpoint notices at its next sync…
      const forks: { seq: number; detail: string }[] = [];
      const again = new HotlineClient({
        url: cluster.nodes[1]!.url,
        token: tokenFor('monitor', 'monitor'),
        storage,
        links: ['l1'],
        healthCheckMs: 0,
        socket: { transports: ['websocket'] },
      });
      again.on('fork', (f) => forks.push(f));
      await again.connect();
      again.close();
      expect(forks.some((f) => f.seq === cp.seq && f.detail.includes('signed'))).toBe(true);
      // …and so does the verifier, from the checkpoint in the export.
      // (The operators' consoles cosigned that checkpoint too: the verifier names their cosignatures first.)
      expect((await verifyText(await exportLink('l1'))).firstBad).toMatchObject({
        seq: cp.seq,
        reason: expect.stringMatching(/rewritten after (that checkpoint|the side cosigned it)/),
      });
      await restore();
      expect((await verifyText(await exportLink('l1'))).ok).toBe(true);
    });
  });
});

describe('signatures at the door', () => {
  it('refuses a client with no key, an unknown key, another user’s key, a wrong signature or an expired key, writing nothing', async () => {
    // One message on the link first, so that "nothing written" compares with a log that holds something.
    const counterpart = await connectClient(cluster.nodes[1]!.url, 'op-b2');
    clients.push(counterpart);
    await counterpart.send('l2', 'line check before the signature tests');
    const head = () => headSeqs(redis, ['l2']);
    const before = await headsBeforeRefusals(redis, ['l2']);
    const socket = rawSocket(cluster.nodes[0]!.url, tokenFor('op-a2', 'operator'));
    const other = rawSocket(cluster.nodes[0]!.url, tokenFor('op-b2', 'operator'));
    await Promise.all([nextEvent(socket, 'connect'), nextEvent(other, 'connect')]);
    const msg = { linkId: 'l2', clientMsgId: 'sig-test-0001', text: 'hello', precedence: 'routine', drill: false };
    expect((await emitAck(socket, 'hotline:send', msg)).error.code).toBe('SIGNATURE_REQUIRED');

    const unregistered = await ActionSigner.generate();
    const withUnknown = { ...msg, sig: await unregistered.sign('hotline:send', 'op-a2', msg) };
    expect((await emitAck(socket, 'hotline:send', withUnknown)).error).toMatchObject({ code: 'BAD_SIGNATURE', details: { reason: 'unknown-key' } });

    const theirs = await rawSigner(other, 'op-b2');
    const withTheirs = { ...msg, sig: await theirs.signer.sign('hotline:send', 'op-a2', msg) };
    expect((await emitAck(socket, 'hotline:send', withTheirs)).error).toMatchObject({ code: 'BAD_SIGNATURE', details: { reason: 'unknown-key' } });

    const mine = await rawSigner(socket, 'op-a2');
    const signedOther = { ...msg, text: 'something else', sig: (await mine.sign('hotline:send', msg)).sig };
    expect((await emitAck(socket, 'hotline:send', signedOther)).error).toMatchObject({ code: 'BAD_SIGNATURE', details: { reason: 'bad-signature' } });

    const expiry = Date.now() + 300;
    const shortLived = await rawSigner(socket, 'op-a2', expiry);
    const late = await shortLived.sign('hotline:send', msg);
    await waitFor(() => Date.now() > expiry + 20); // the key's validity runs out: the clock is the condition
    expect((await emitAck(socket, 'hotline:send', late)).error).toMatchObject({ code: 'BAD_SIGNATURE', details: { reason: 'key-expired' } });

    // Bad registrations.
    const bogus = await ActionSigner.generate();
    const validUntil = Date.now() + 60_000;
    const wrongProof = await bogus.sign('key:register', 'op-a2', { keyId: bogus.keyId, publicKey: bogus.publicKey, validUntil: validUntil + 1 });
    expect((await emitAck(socket, 'key:register', { publicKey: bogus.publicKey, validUntil, sig: wrongProof })).error.code).toBe('BAD_SIGNATURE');
    const tooLong = Date.now() + 30 * 86_400_000;
    const proof = await bogus.sign('key:register', 'op-a2', { keyId: bogus.keyId, publicKey: bogus.publicKey, validUntil: tooLong });
    expect((await emitAck(socket, 'key:register', { publicKey: bogus.publicKey, validUntil: tooLong, sig: proof })).error.code).toBe('VALIDATION_FAILED');
    expect((await emitAck(socket, 'key:register', { publicKey: 'A'.repeat(120), validUntil, sig: proof })).error.code).toBe('VALIDATION_FAILED');

    expect(await head()).toEqual(before);
    const ok = await emitAck(socket, 'hotline:send', await mine.sign('hotline:send', msg));
    expect(ok.ok).toBe(true);
    expect(ok.entry.sig.keyId).toBe(mine.signer.keyId);
    socket.close();
    other.close();
  });
});

describe('incident reports', () => {
  it('match the entries they come from, as JSON, CSV and offline from the export', async () => {
    const a = await connectClient(cluster.nodes[0]!.url, 'op-a3');
    const b = await connectClient(cluster.nodes[1]!.url, 'op-b3');
    clients.push(a, b);
    const from = Date.now() - 1;
    const raise = (kind: 'drone' | 'explosion' | 'small-arms-fire', severity: 1 | 2 | 3, drill = false) =>
      a.raiseAlert({ linkId: 'l3', kind, severity, description: `${kind} ${severity}`, drill }).then((r) => r.alert);
    const alerts = [await raise('drone', 1), await raise('drone', 2), await raise('explosion', 2), await raise('small-arms-fire', 1), await raise('drone', 1, true)];
    await b.ackAlert(alerts[0]!.alertId);
    await b.ackAlert(alerts[2]!.alertId);
    await b.resolveAlert(alerts[2]!.alertId, 'done');
    // alerts[1] and [3] stay open and climb the fast policy (5 steps); the drill one climbs the drill policy (1 step).
    await waitFor(
      async () => {
        const log = await readLog(redis, 'l3');
        const steps = (id: string) => log.filter((e) => e.type === 'alert.escalated' && e.payload.alertId === id).length;
        return steps(alerts[1]!.alertId) === 5 && steps(alerts[3]!.alertId) === 5 && steps(alerts[4]!.alertId) === 1;
      },
      { timeout: 20_000 },
    );
    await b.ackAlert(alerts[3]!.alertId);
    const to = Date.now();

    // Expected figures, straight from the log entries.
    const log = (await readLog(redis, 'l3')).filter((e) => 'alertId' in e.payload && alerts.some((x) => x.alertId === (e.payload as { alertId: string }).alertId));
    const raisedAt = new Map(log.filter((e) => e.type === 'alert.raised').map((e) => [(e.payload as { alertId: string }).alertId, e.ts]));
    const ackMs = log.filter((e) => e.type === 'alert.acknowledged' && !e.drill).map((e) => e.ts - raisedAt.get((e.payload as { alertId: string }).alertId)!).sort((x, y) => x - y);
    const levels: Record<string, number> = {};
    for (const e of log) if (e.type === 'alert.escalated' && !e.drill) levels[e.payload.level] = (levels[e.payload.level] ?? 0) + 1;

    const res = await fetch(`${cluster.nodes[0]!.url}/api/reports/incidents?link=l3&from=${from}&to=${to}`, { headers: { authorization: `Bearer ${tokenFor('monitor', 'monitor')}` } });
    const report = (await res.json()) as IncidentReport;
    expect(report.real).toMatchObject({
      incidents: 4,
      byKind: { drone: 2, explosion: 1, 'small-arms-fire': 1 },
      bySeverity: { '1': 2, '2': 2 },
      byState: { acknowledged: 2, resolved: 1, open: 1 },
      acknowledged: 3,
      ackTimes: { count: 3, medianMs: ackMs[1], p90Ms: ackMs[2], worstMs: ackMs[2] },
      escalationsByLevel: levels,
      escalations: 10,
    });
    expect(report.drill).toMatchObject({ incidents: 1, byKind: { drone: 1 }, acknowledged: 0, escalations: 1, escalationsByLevel: { '1': 1 } });

    const csv = await (await fetch(`${cluster.nodes[0]!.url}/api/reports/incidents?link=l3&from=${from}&to=${to}&format=csv`, { headers: { authorization: `Bearer ${tokenFor('monitor', 'monitor')}` } })).text();
    const [header, ...rows] = csv.trim().split('\n');
    const cols = header!.split(',');
    const realRow = rows.find((r) => r.split(',')[2] === 'l3' && r.split(',')[3] === 'real')!.split(',');
    const col = (name: string) => realRow[cols.indexOf(name)];
    expect(col('incidents')).toBe('4');
    expect(col('kind_drone')).toBe('2');
    expect(col('acknowledged')).toBe('3');
    expect(col('ack_worst_s')).toBe((ackMs[2]! / 1000).toFixed(1));
    expect(col('escalations_level_1')).toBe(String(levels['1']));

    // The same figures offline, from the export.
    const file = path.join(dir, 'l3.ndjson');
    writeFileSync(file, await exportLink('l3'));
    const cli = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/verify.ts'), file, '--report', '--json'], { cwd: ROOT });
    const offline = JSON.parse(cli.stdout) as VerifyReport & { incidents: IncidentReport };
    expect(offline.ok).toBe(true);
    expect(offline.incidents.real).toEqual(report.real);
    expect(offline.incidents.drill).toEqual(report.drill);
    const refused = await fetch(`${cluster.nodes[0]!.url}/api/reports/incidents`, { headers: { authorization: `Bearer ${tokenFor('op-a3', 'operator')}` } });
    expect(refused.status).toBe(403);
  });
});
