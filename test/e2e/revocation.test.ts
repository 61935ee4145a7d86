import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryHashInput, type Entry } from '@hotline/shared';
import { adminSession, api, login, sidOf } from '../helpers/admin.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, emitAck, rawSigner, rawSocket, tokenFor, type TestClient } from '../helpers/clients.js';
import { readLog, sha256 } from '../helpers/log.js';
import { ROOT } from '../helpers/server.js';
import { nextEvent, waitFor } from '../helpers/wait.js';

/**
 * Cutting off a user or a device at once, on three real nodes: sockets closed on every node, tokens
 * refused, signing keys revoked on the record; and login throttling that never locks out the user at
 * their own console.
 */
const run = promisify(execFile);
let cluster: TestCluster;
const sockets: Socket[] = [];
const clients: TestClient[] = [];
const dir = mkdtempSync(path.join(os.tmpdir(), 'hotline-revocation-'));
const url = (i: number) => cluster.nodes[i]!.url;

beforeAll(async () => {
  cluster = await startCluster({
    nodes: 3,
    env: { HOTLINE_CHECKPOINT_INTERVAL: '1h', HOTLINE_LOGIN_THROTTLE: '2/300ms', HOTLINE_LOGIN_ADDRESS_FAILURES: '8/1m' },
  });
});

afterAll(async () => {
  for (const s of sockets) s.close();
  for (const c of clients) c.close();
  await cluster?.stop();
});

/** A device: a login of `userId` on node `node`, a socket of that session and its registered signing key. */
async function device(node: number, userId: string) {
  const { body } = await login(url(node), userId);
  const socket = rawSocket(url(node), body.token);
  sockets.push(socket);
  await nextEvent(socket, 'connect');
  const signer = await rawSigner(socket, userId);
  let disconnectedAt: number | null = null;
  socket.on('disconnect', () => {
    disconnectedAt ??= Date.now();
  });
  const send = async (linkId: string, text: string) => {
    const clientMsgId = `m-${Math.random().toString(36).slice(2, 12)}`;
    return emitAck(socket, 'hotline:send', await signer.sign('hotline:send', { linkId, clientMsgId, text, precedence: 'routine', drill: false }));
  };
  return { token: body.token, socket, signer, send, disconnectedAt: () => disconnectedAt };
}

async function refusedHandshake(token: string): Promise<string> {
  const s = rawSocket(url(1), token);
  sockets.push(s);
  const [err] = await nextEvent<[Error & { data?: { reason?: string } }]>(s, 'connect_error');
  expect(err.message).toBe('UNAUTHENTICATED');
  return err.data?.reason ?? '';
}

describe('revocation', () => {
  it('disabling a user mid-conversation closes their sockets on every node, refuses their tokens and logins, and revokes their keys', async () => {
    const devices = [await device(0, 'op-a1'), await device(1, 'op-a1'), await device(2, 'op-a1')];
    const peer = await connectClient(url(2), 'op-b1');
    clients.push(peer);
    // The conversation: two of the devices sign on l1 and l4, so their keys are on those records.
    expect((await devices[0]!.send('l1', 'are you there?')).ok).toBe(true);
    expect((await devices[1]!.send('l4', 'and on the other line?')).ok).toBe(true);
    await peer.send('l1', 'yes, go ahead');

    const admin = await adminSession(url(2));
    const started = Date.now();
    const r = await admin.change('PUT', 'users', 'op-a1', await admin.version(), { name: 'Operator a1', role: 'operator', post: 'a1', disabled: true });
    const answered = Date.now();
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    await waitFor(() => devices.every((d) => d.disconnectedAt() !== null));
    const last = Math.max(...devices.map((d) => d.disconnectedAt()!));
    // The figure: from the admin's request to the last socket closed, on three nodes.
    console.info(`revocation: all ${devices.length} sockets on 3 nodes closed ${last - started} ms after the request (${last - answered} ms after its answer)`);

    expect(await refusedHandshake(devices[0]!.token)).toBe('this user is disabled');
    expect((await api(url(0), devices[1]!.token, 'GET', '/api/me')).status).toBe(401);
    expect((await login(url(1), 'op-a1')).status).toBe(401);

    // Each key is revoked on the record where it signed.
    const redis = cluster.redis.client();
    await waitFor(async () => (await readLog(redis, 'l4')).some((e) => e.type === 'key.revoked'));
    const l1 = await readLog(redis, 'l1');
    const revoked = l1.filter((e): e is Extract<Entry, { type: 'key.revoked' }> => e.type === 'key.revoked');
    expect(revoked.map((e) => e.payload.keyId)).toEqual([devices[0]!.signer.signer.keyId]);
    expect(revoked[0]!.payload).toMatchObject({ reason: 'user-disabled', by: 'admin' });
    const l4 = await readLog(redis, 'l4');
    expect(l4.filter((e) => e.type === 'key.revoked').map((e) => (e.payload as { keyId: string }).keyId)).toEqual([devices[1]!.signer.signer.keyId]);

    // An export with an entry signed by the revoked key after its revocation fails verification, naming it.
    const res = await fetch(`${url(0)}/api/links/l1/export`, { headers: { authorization: `Bearer ${tokenFor('monitor', 'monitor')}` } });
    const lines = (await res.text()).split('\n').filter(Boolean);
    const entries = lines.map((l) => JSON.parse(l) as { kind: string; entry?: Entry }).filter((l) => l.kind === 'entry').map((l) => l.entry!);
    const head = entries[entries.length - 1]!;
    const fields = { linkId: 'l1', clientMsgId: 'forged-after-revocation', text: 'written after the key was revoked', precedence: 'routine', drill: false } as const;
    const forged = {
      linkId: 'l1',
      seq: head.seq + 1,
      ts: head.ts + 1000,
      actor: { userId: 'op-a1', role: 'operator', postId: 'a1' },
      drill: false,
      prevHash: head.hash,
      sig: (await devices[0]!.signer.sign('hotline:send', fields)).sig,
      type: 'message',
      payload: { clientMsgId: fields.clientMsgId, text: fields.text, precedence: fields.precedence },
    } as Record<string, unknown>;
    forged.hash = sha256(entryHashInput(forged));
    const end = lines.pop()!;
    const endLine = JSON.parse(end) as { entries: number };
    lines.push(JSON.stringify({ kind: 'entry', entry: forged }), JSON.stringify({ ...endLine, entries: endLine.entries + 1, last: { seq: forged.seq, hash: forged.hash } }));
    const file = path.join(dir, 'l1-forged.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const verify = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/verify.ts'), file], { cwd: ROOT }).then(
      () => null,
      (err: { code: number; stdout: string }) => err,
    );
    expect(verify?.code).toBe(1);
    expect(verify?.stdout).toContain(`first bad: seq ${forged.seq as number}`);
    expect(verify?.stdout).toContain(`signed with key ${devices[0]!.signer.signer.keyId}, which was revoked`);
    // Without the forged entry the same record is intact.
    writeFileSync(file, `${[...lines.slice(0, -2), end].join('\n')}\n`);
    expect((await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/verify.ts'), file], { cwd: ROOT })).stdout).toContain('INTACT');
    admin.close();
  });

  it('revoking one device cuts it off while the same user’s other device keeps working', async () => {
    const first = await device(0, 'op-a2');
    const second = await device(1, 'op-a2');
    const admin = await adminSession(url(2));
    const listed = await api(url(2), admin.token, 'GET', '/api/admin/users/op-a2/sessions');
    const sessions = listed.body.sessions as { sid: string; device: string; address: string; firstSeen: number; lastSeen: number; revokedAt: number | null }[];
    expect(sessions.map((s) => s.sid).sort()).toEqual([sidOf(first.token), sidOf(second.token)].sort());
    for (const s of sessions) {
      expect(s.address).toMatch(/127\.0\.0\.1/);
      expect(s.lastSeen).toBeGreaterThanOrEqual(s.firstSeen);
      expect(s.revokedAt).toBeNull();
    }
    const revoked = await api(url(2), admin.token, 'POST', `/api/admin/users/op-a2/sessions/${sidOf(first.token)}/revoke`);
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    expect(revoked.body.keysRevoked).toBe(1);
    await waitFor(() => first.disconnectedAt() !== null);
    expect(await refusedHandshake(first.token)).toBe('this session was revoked');
    // The other device: still connected, still signing.
    expect(second.disconnectedAt()).toBeNull();
    const ack = await second.send('l2', 'still on duty');
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    expect((await api(url(0), second.token, 'GET', '/api/me')).status).toBe(200);
    const after = (await api(url(0), admin.token, 'GET', '/api/admin/users/op-a2/sessions')).body.sessions as { sid: string; revokedAt: number | null }[];
    expect(after.find((s) => s.sid === sidOf(first.token))!.revokedAt).not.toBeNull();
    admin.close();
  });

  it('a user logs out everywhere: every session closed and refused', async () => {
    const first = await device(0, 'op-a3');
    const second = await device(2, 'op-a3');
    const out = await api(url(1), first.token, 'POST', '/api/auth/logout', { everywhere: true });
    expect(out.status, JSON.stringify(out.body)).toBe(200);
    expect(out.body.sessions).toBe(2);
    await waitFor(() => first.disconnectedAt() !== null && second.disconnectedAt() !== null);
    expect(await refusedHandshake(second.token)).toBe('this session was revoked');
    // Logging in again opens a new session.
    expect((await login(url(0), 'op-a3')).status).toBe(200);
  });
});

describe('who is on duty', () => {
  it('a signed handover goes on every link of the post, and both ends see who is on duty', async () => {
    const outgoing = await device(0, 'op-b2');
    // op-b2 hands post b2 (links l2 and l4) over to sup-b2, signing the handover for each link.
    const note = 'Quiet night; pillar 41 patrol due at 06:00.';
    const sigs: Record<string, unknown> = {};
    for (const linkId of ['l2', 'l4']) sigs[linkId] = (await outgoing.signer.sign('duty:handover', { linkId, postId: 'b2', to: 'sup-b2', note })).sig;
    const r = await api(url(1), outgoing.token, 'POST', '/api/duty/handover', { postId: 'b2', to: 'sup-b2', note, sigs });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.entries.map((e: { linkId: string }) => e.linkId).sort()).toEqual(['l2', 'l4']);
    // Unsigned, or for another post: refused.
    expect((await api(url(1), outgoing.token, 'POST', '/api/duty/handover', { postId: 'b2', to: 'sup-b2', note })).body.error.code).toBe('SIGNATURE_REQUIRED');
    expect((await api(url(1), outgoing.token, 'POST', '/api/duty/handover', { postId: 'b1', to: 'op-b1', note, sigs })).status).toBe(403);
    // The other end of l4 (post a1's side: op-a1 is disabled, so its supervisor) sees who is on duty at b2.
    const other = await login(url(2), 'sup-a1');
    const duty = (await api(url(2), other.body.token, 'GET', '/api/duty')).body.duty as { linkId: string; posts: Record<string, { userId: string; note: string } | null> }[];
    expect(duty.find((d) => d.linkId === 'l4')!.posts.b2).toMatchObject({ userId: 'sup-b2', note });
    const entry = (await readLog(cluster.redis.client(), 'l4')).find((e) => e.type === 'duty.handover')!;
    expect(entry.payload).toEqual({ postId: 'b2', from: null, to: 'sup-b2', note });
    expect(entry.sig?.keyId).toBe(outgoing.signer.signer.keyId);
    // The record with the handover verifies.
    const res = await fetch(`${url(0)}/api/links/l4/export`, { headers: { authorization: `Bearer ${tokenFor('monitor', 'monitor')}` } });
    const file = path.join(dir, 'l4.ndjson');
    writeFileSync(file, await res.text());
    expect((await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/verify.ts'), file, '--require-signatures'], { cwd: ROOT })).stdout).toContain('INTACT');
  });
});

describe('login throttling', () => {
  it('never locks out the right password from another address; delays grow; a flood from one address is limited', async () => {
    const attacker = '10.1.1.1';
    expect((await login(url(0), 'sup-b2', 'wrong-1', attacker)).status).toBe(401);
    expect((await login(url(1), 'sup-b2', 'wrong-2', attacker)).status).toBe(401);
    const first = await login(url(0), 'sup-b2', undefined, attacker);
    expect(first.status).toBe(429);
    const firstWait = first.body.error!.details!.retryAfterMs as number;
    expect(firstWait).toBeGreaterThan(0);
    expect(firstWait).toBeLessThanOrEqual(300);
    // The operator at their own console logs in, whatever happens elsewhere.
    expect((await login(url(0), 'sup-b2', undefined, '10.2.2.2')).status).toBe(200);

    await new Promise((r) => setTimeout(r, firstWait + 20)); // the server's own delay, not a guess
    expect((await login(url(2), 'sup-b2', 'wrong-3', attacker)).status).toBe(401);
    const second = await login(url(0), 'sup-b2', undefined, attacker);
    expect(second.status).toBe(429);
    expect(second.body.error!.details!.retryAfterMs as number).toBeGreaterThan(firstWait);

    // Many names from one address: limited as a whole, even for a right password; other addresses are not.
    const flood = '10.3.3.3';
    for (let i = 0; i < 8; i++) expect((await login(url(i % 3), `flood-${i}`, 'guess', flood)).status).toBe(401);
    const limited = await login(url(0), 'sup-b3', undefined, flood);
    expect(limited.status).toBe(429);
    expect(limited.body.error!.details!.scope).toBe('address');
    expect((await login(url(0), 'sup-b3', undefined, '10.4.4.4')).status).toBe(200);

    // Visible to the admin and in metrics.
    const admin = await login(url(1), 'admin');
    const failures = (await api(url(1), admin.body.token, 'GET', '/api/admin/login-failures')).body.failures as { username: string; address: string; count: number }[];
    expect(failures).toContainEqual(expect.objectContaining({ username: 'sup-b2', address: attacker, count: 3 }));
    expect(failures.filter((f) => f.address === flood)).toHaveLength(8);
    expect((await api(url(1), tokenFor('op-b1', 'operator'), 'GET', '/api/admin/login-failures')).status).toBe(403);
    const metrics = (await (await fetch(`${url(0)}/metrics`)).text()).split('\n');
    const count = (outcome: string) => Number(metrics.find((l) => l.startsWith('hotline_login_refusals_total') && l.includes(`outcome="${outcome}"`))?.split(' ').pop() ?? 0);
    expect(count('failed')).toBeGreaterThanOrEqual(2);
    expect(count('throttled-pair')).toBeGreaterThanOrEqual(2);
    expect(count('throttled-address')).toBe(1);
  });
});
