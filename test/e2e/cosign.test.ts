import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { parseTrustedKeys, verifyExport, type Checkpoint, type Cosignature, type Entry, type TrustedKeysFile, type VerifyOptions } from '@hotline/shared';
import { HotlineClient } from '../../client-sdk/src/client.js';
import { MemoryStorage } from '../../client-sdk/src/storage.js';
import { nodeVerifyCrypto } from '../../scripts/lib/node-verify-crypto.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, emitAck, rawSigner, rawSocket, tokenFor, type TestClient } from '../helpers/clients.js';
import { forge, type ForgedEntry, type Line } from '../helpers/forge.js';
import { keys, readLog, rewriteLog } from '../helpers/log.js';
import { ROOT } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Both sides' consoles (real SDK clients over real sockets) cosign the checkpoints of their link; the
 * export carries the cosignatures; `npm run export-keys` gives each side its trusted keys; the verifier
 * with both files refuses a history the host rewrote with keys of its own, naming the checkpoint the
 * sides cosigned, and reports a rewritten tail after it as not covered.
 */

const run = promisify(execFile);
const dir = mkdtempSync(path.join(os.tmpdir(), 'hotline-cosign-'));
let cluster: TestCluster;
let redis: Redis;
const clients: HotlineClient[] = [];
const crypto = nodeVerifyCrypto();

const url = (i = 0) => cluster.nodes[i]!.url;
const admin = () => ({ authorization: `Bearer ${tokenFor('admin', 'admin')}` });

async function exportLines(linkId: string): Promise<Line[]> {
  const res = await fetch(`${url()}/api/links/${linkId}/export`, { headers: { authorization: `Bearer ${tokenFor('monitor', 'monitor')}` } });
  expect(res.status).toBe(200);
  return (await res.text())
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Line);
}
const verify = (ls: readonly Line[], options: VerifyOptions = {}) => verifyExport(ls.map((l) => JSON.stringify(l)), crypto, options);
const checkpointNow = async () => ((await (await fetch(`${url(1)}/api/checkpoints`, { method: 'POST', headers: admin() })).json()) as { made: number }).made;
const cli = (script: string, args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', script), ...args], { cwd: ROOT, env: { ...process.env, ...env } }).then(
    (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
  );

beforeAll(async () => {
  cluster = await startCluster({ nodes: 2, env: { HOTLINE_CHECKPOINT_INTERVAL: '1h' } });
  redis = cluster.redis.client();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('two sides cosign the checkpoints of their link', () => {
  let a: TestClient;
  let b: TestClient;
  const storageA = new MemoryStorage();
  let cp: Checkpoint;
  let trusted: TrustedKeysFile[];
  const files = { a: path.join(dir, 'a.json'), b: path.join(dir, 'b.json') };

  it('each console cosigns the checkpoint it holds, and the export carries both cosignatures', async () => {
    a = await connectClient(url(0), 'op-a1', { storage: storageA, links: ['l1'] });
    b = await connectClient(url(1), 'op-b1', { links: ['l1'] });
    clients.push(a, b);
    for (let i = 0; i < 6; i++) await (i % 2 ? a : b).send('l1', `traffic ${i}`);
    const last = (await a.send('l1', 'last before the checkpoint')).entry;
    await waitFor(() => b.cursor('l1') >= last.seq);
    const cosigned: Cosignature[] = [];
    a.on('cosigned', (c) => cosigned.push(c));
    b.on('cosigned', (c) => cosigned.push(c));
    expect(await checkpointNow()).toBeGreaterThan(0);
    await waitFor(() => a.cosignedHead('l1') && b.cosignedHead('l1'), { message: 'both consoles cosigned' });
    expect(cosigned.map((c) => c.side).sort()).toEqual(['a', 'b']);
    cp = a.checkpoint('l1')!;
    expect(a.cosignedHead('l1')).toEqual({ seq: cp.seq, hash: cp.hash });
    expect(b.cosignedHead('l1')).toEqual({ seq: cp.seq, hash: cp.hash });

    const ls = await exportLines('l1');
    const line = ls.find((l) => l.kind === 'checkpoint' && (l.checkpoint as Checkpoint).seq === cp.seq)!;
    const cosigs = line.cosignatures as Cosignature[];
    expect(cosigs.map((c) => [c.side, c.userId, c.key.keyId])).toEqual(
      expect.arrayContaining([
        ['a', 'op-a1', a.keyId],
        ['b', 'op-b1', b.keyId],
      ]),
    );
    expect(cosigs).toHaveLength(2);
  });

  it('npm run export-keys writes each side’s trusted keys; npm run verify with both: intact, cosigned by both sides with pinned keys', async () => {
    for (const side of ['a', 'b'] as const) {
      const r = await cli('export-keys.ts', ['--url', url(), '--side', side, '--out', files[side]], { HOTLINE_TOKEN: tokenFor('admin', 'admin') });
      expect(r.code, r.err).toBe(0);
    }
    trusted = [parseTrustedKeys(readFileSync(files.a, 'utf8')), parseTrustedKeys(readFileSync(files.b, 'utf8'))];
    expect(trusted[0]!.keys.map((k) => k.keyId)).toContain(a.keyId);
    expect(trusted[0]!.keys.map((k) => k.userId)).not.toContain('op-b1');
    expect(trusted[1]!.keys.map((k) => k.keyId)).toContain(b.keyId);
    // An operator may not export keys; a made-up side is not found.
    expect((await fetch(`${url()}/api/trusted-keys?side=a`, { headers: { authorization: `Bearer ${tokenFor('op-a1', 'operator')}` } })).status).toBe(403);
    expect((await fetch(`${url()}/api/trusted-keys?side=zz`, { headers: admin() })).status).toBe(404);
    expect((await fetch(`${url()}/api/trusted-keys?side=a&x=1`, { headers: admin() })).status).toBe(400);

    const file = path.join(dir, 'l1.ndjson');
    writeFileSync(file, `${(await exportLines('l1')).map((l) => JSON.stringify(l)).join('\n')}\n`);
    const r = await cli('verify.ts', [file, '--trusted-keys', files.a, '--trusted-keys', files.b]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('INTACT');
    expect(r.out).toContain(`checkpoint ${cp.seq} cosigned by`);
    expect(r.out).toContain(`a (op-a1, key ${a.keyId}, pinned)`);
    expect(r.out).toContain(`b (op-b1, key ${b.keyId}, pinned)`);
    expect(r.out).toContain(`both sides cosigned the history up to seq ${cp.seq}`);
  });

  it('the host’s full forgery (own user keys, own server key, chain and checkpoints recomputed) is refused, naming the cosigned checkpoint', async () => {
    const ls = await exportLines('l1');
    const forged = forge(ls, {
      from: 1,
      edit: (tail) => {
        const msg = tail.find((e) => e.type === 'message' && e.actor.userId === 'op-b1')!;
        msg.payload.text = 'we never said anything';
      },
    });
    const report = await verify(forged, { trustedKeys: trusted });
    expect(report.ok).toBe(false);
    expect(report.firstBad?.seq).toBe(cp.seq);
    expect(report.firstBad?.reason).toMatch(new RegExp(`^checkpoint ${cp.seq} contradicts what side a \\(op-a1, key ${a.keyId}, pinned\\) cosigned`));
  });

  it('a forged tail after the last cosigned checkpoint is reported as not covered by any cosignature', async () => {
    const after = (await a.send('l1', 'after the checkpoint')).entry;
    await waitFor(() => b.cursor('l1') >= after.seq);
    const forged = forge(await exportLines('l1'), {
      from: cp.seq + 1,
      edit: (tail) => {
        const msg = tail.find((e) => e.type === 'message')!;
        msg.payload.text = 'something else after the checkpoint';
      },
    });
    expect(forged.some((l) => l.kind === 'entry' && (l.entry as ForgedEntry).payload.text === 'something else after the checkpoint')).toBe(true);
    const report = await verify(forged, { trustedKeys: trusted });
    expect(report.ok).toBe(true);
    expect(report.coverage?.lastCoveredByAllSides).toBe(cp.seq);
    expect(report.coverage?.notCovered).toEqual({ fromSeq: cp.seq + 1, toSeq: report.head!.seq });
  });

  it('refuses cosignatures that are not a side’s word on a real checkpoint, writing nothing', async () => {
    const before = await redis.hgetall(keys.cosignatures('l1'));
    const socket = rawSocket(url(), tokenFor('op-a1', 'operator'));
    try {
      const signer = await rawSigner(socket, 'op-a1');
      const req = { linkId: 'l1', seq: cp.seq, hash: cp.hash, side: 'a' };
      const cases: [string, Record<string, unknown>, string][] = [
        ['no signature', { ...req }, 'VALIDATION_FAILED'],
        ['unknown member', await signer.sign('checkpoint:cosign', { ...req, extra: 1 }), 'VALIDATION_FAILED'],
        ['another hash', await signer.sign('checkpoint:cosign', { ...req, hash: 'f'.repeat(64) }), 'CONFLICT'],
        ['no checkpoint at that seq', await signer.sign('checkpoint:cosign', { ...req, seq: cp.seq - 1, hash: cp.hash }), 'NOT_FOUND'],
        ['the other side', await signer.sign('checkpoint:cosign', { ...req, side: 'b' }), 'FORBIDDEN'],
        ['a link not readable', await signer.sign('checkpoint:cosign', { ...req, linkId: 'l2' }), 'FORBIDDEN'],
        ['a signature over something else', { ...req, sig: (await signer.sign('checkpoint:cosign', { ...req, seq: cp.seq + 1 })).sig }, 'BAD_SIGNATURE'],
      ];
      for (const [name, payload, code] of cases) {
        const ack = await emitAck(socket, 'checkpoint:cosign', payload);
        expect(ack.ok, name).toBe(false);
        expect(ack.error.code, name).toBe(code);
      }
      // The side already cosigned: a second cosignature by another console of side a changes nothing.
      const dup = await emitAck(socket, 'checkpoint:cosign', await signer.sign('checkpoint:cosign', req));
      expect(dup.ok).toBe(true);
      expect(dup.duplicate).toBe(true);
      expect(dup.cosignature.key.keyId).toBe(a.keyId);
    } finally {
      socket.close();
    }
    // A user without a side (the joint commander) and a drill session do not cosign.
    for (const [userId, token, code] of [
      ['joint', tokenFor('joint', 'commander'), 'FORBIDDEN'],
      ['op-a1', tokenFor('op-a1', 'operator', { drill: true }), 'FORBIDDEN'],
    ] as const) {
      const s = rawSocket(url(), token);
      try {
        const signer = await rawSigner(s, userId);
        const ack = await emitAck(s, 'checkpoint:cosign', await signer.sign('checkpoint:cosign', { linkId: 'l1', seq: cp.seq, hash: cp.hash, side: 'a' }));
        expect(ack.error?.code).toBe(code);
      } finally {
        s.close();
      }
    }
    expect(await redis.hgetall(keys.cosignatures('l1'))).toEqual(before);
  });

  it('a console shown a history that contradicts what its side cosigned raises the fork warning', async () => {
    const original = await readLog(redis, 'l1');
    const n = original.find((e) => e.type === 'message' && e.seq < cp.seq)!.seq;
    const edited = original.map((e) => (e.seq === n && e.type === 'message' ? { ...e, payload: { ...e.payload, text: 'rewritten' } } : e));
    await rewriteLog(redis, 'l1', edited as Entry[], { rechain: true });
    try {
      const forks: { seq: number; detail: string }[] = [];
      const again = new HotlineClient({
        url: url(1),
        token: tokenFor('op-a1', 'operator'),
        storage: storageA,
        links: ['l1'],
        healthCheckMs: 0,
        socket: { transports: ['websocket'] },
      });
      again.on('fork', (f) => forks.push(f));
      await again.connect();
      again.close();
      expect(forks).toContainEqual(expect.objectContaining({ seq: cp.seq, detail: expect.stringContaining('this side cosigned') as unknown }));
    } finally {
      await rewriteLog(redis, 'l1', original);
    }
  });
});

describe('the signature policy is on the record', () => {
  it('an optional-signature deployment records it before its first unsigned action; strict verification accepts those and only those', async () => {
    const optional = await cluster.addNode({ HOTLINE_SIGNATURES: 'optional' });
    const unsigned = await connectClient(optional.url, 'op-a2', { signing: false, links: ['l2'] });
    clients.push(unsigned);
    const sent = (await unsigned.send('l2', 'unsigned, the deployment allows it')).entry;
    expect(sent.sig).toBeUndefined();
    const log = await readLog(redis, 'l2');
    const policy = log.find((e) => e.type === 'signature.policy')!;
    expect(policy).toMatchObject({ seq: sent.seq - 1, actor: { role: 'system' }, payload: { signatures: 'optional' } });
    // A node under "required" records the change back before its first user action.
    const signed = await connectClient(url(0), 'op-b2', { links: ['l2'] });
    clients.push(signed);
    const back = (await signed.send('l2', 'signed again')).entry;
    const after = await readLog(redis, 'l2');
    expect(after.find((e) => e.type === 'signature.policy' && e.seq > policy.seq)).toMatchObject({ payload: { signatures: 'required' } });
    expect(after[after.length - 1]!.seq).toBeGreaterThanOrEqual(back.seq);

    const ls = await exportLines('l2');
    const report = await verify(ls);
    expect(report.ok).toBe(true);
    expect(report.signatures).toMatchObject({ mode: 'strict', allowedUnsigned: 1, lenientUnsigned: 0 });
    expect(report.signatures.policy.map((p) => p.signatures)).toEqual(['required', 'optional', 'required']);
    // A range from just after the policy entry carries it in a policy line.
    const res = await fetch(`${url()}/api/links/l2/export?fromSeq=${sent.seq}&toSeq=${sent.seq}`, { headers: { authorization: `Bearer ${tokenFor('monitor', 'monitor')}` } });
    const ranged = (await res.text()).split('\n').filter((l) => l.trim());
    expect(ranged.map((l) => (JSON.parse(l) as Line).kind)).toContain('policy');
    const rangedReport = await verifyExport(ranged, crypto);
    expect(rangedReport.ok).toBe(true);
    expect(rangedReport.signatures.allowedUnsigned).toBe(1);
    // Requiring every signature still refuses the unsigned action.
    expect((await verify(ls, { signatures: 'all' })).firstBad?.seq).toBe(sent.seq);
  });
});
