import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Entry } from '@hotline/shared';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, emitAck, rawSigner, rawSocket, tokenFor, type TestClient } from '../helpers/clients.js';
import { headSeqs, headsBeforeRefusals, readLog, verifiedLog } from '../helpers/log.js';
import { nextEvent, waitFor } from '../helpers/wait.js';

let cluster: TestCluster;
const clients: TestClient[] = [];

async function client(node: number, userId: string, options: Parameters<typeof connectClient>[2] = {}) {
  const c = await connectClient(cluster.nodes[node]!.url, userId, options);
  clients.push(c);
  return c;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests assert on whatever the server answered
const json = (res: Response): Promise<any> => res.json();

const messages = (c: TestClient, linkId: string) => c.entries.filter((e) => e.linkId === linkId && e.type === 'message');

beforeAll(async () => {
  cluster = await startCluster({ nodes: 2 });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('hotline between paired posts on two nodes', () => {
  it('exchanges messages both ways across nodes with a gapless seq', async () => {
    const a = await client(0, 'op-a1');
    const b = await client(1, 'op-b1');
    for (let i = 0; i < 20; i++) {
      const sender = i % 2 === 0 ? a : b;
      const { entry, duplicate } = await sender.send('l1', `message ${i}`);
      expect(duplicate).toBe(false);
      expect(entry.type).toBe('message');
    }
    await waitFor(() => messages(a, 'l1').length === 20 && messages(b, 'l1').length === 20);
    for (const c of [a, b]) {
      expect(messages(c, 'l1').map((e) => (e.payload as { text: string }).text)).toEqual(Array.from({ length: 20 }, (_, i) => `message ${i}`));
    }
    const log = await verifiedLog(cluster.redis.client(), 'l1');
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    const senders = messages(b, 'l1').map((e) => e.actor.postId);
    expect(new Set(senders)).toEqual(new Set(['a1', 'b1']));
    // Each client got every entry of the link exactly once, in seq order.
    for (const c of [a, b]) {
      const seqs = c.entries.filter((e) => e.linkId === 'l1').map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(new Set(seqs).size).toBe(seqs.length);
    }
  });

  it('stores any script byte for byte: RTL, emoji, combining marks', async () => {
    const a = await client(0, 'op-a2');
    const b = await client(1, 'op-b2');
    const texts = [
      'فوری طور پر فائرنگ بند کریں۔',
      'سمدستي ډزې ودروئ.',
      'فوراً آتش را متوقف کنید.',
      'mixed: Kharlan پاس 12:05 🚁🇺🇳 e\u0301 a\u030A \u200d👩‍👩‍👧',
      'x'.repeat(4000),
      '🚨'.repeat(4000),
    ];
    for (const t of texts) await a.send('l2', t);
    await waitFor(() => messages(b, 'l2').length === texts.length);
    expect(messages(b, 'l2').map((e) => (e.payload as { text: string }).text)).toEqual(texts);
    const stored = (await readLog(cluster.redis.client(), 'l2')).filter((e) => e.type === 'message');
    expect(stored.map((e) => Buffer.from((e.payload as { text: string }).text, 'utf8').toString('hex'))).toEqual(
      texts.map((t) => Buffer.from(t, 'utf8').toString('hex')),
    );
  });

  it('a retry with the same clientMsgId yields one entry; other text under it is CONFLICT', async () => {
    const a = await client(0, 'op-a1');
    const first = await a.send('l1', 'only once', { clientMsgId: 'retry-test-0001' });
    const again = await a.send('l1', 'only once', { clientMsgId: 'retry-test-0001' });
    expect(again.duplicate).toBe(true);
    expect(again.entry).toEqual(first.entry);
    // The same id sent through another node is still the same entry.
    const b = await connectClient(cluster.nodes[1]!.url, 'op-a1');
    clients.push(b);
    const viaOther = await b.send('l1', 'only once', { clientMsgId: 'retry-test-0001' });
    expect(viaOther.entry.seq).toBe(first.entry.seq);
    await expect(a.send('l1', 'something else', { clientMsgId: 'retry-test-0001' })).rejects.toMatchObject({ code: 'CONFLICT' });
    const log = await readLog(cluster.redis.client(), 'l1');
    expect(log.filter((e) => e.type === 'message' && e.payload.clientMsgId === 'retry-test-0001')).toHaveLength(1);
  });

  it('a console disconnected while 500 messages flow catches up with all 500 in order', async () => {
    const sender = await client(0, 'op-a3');
    const receiver = await client(1, 'op-b3', { deliveredReceipts: false });
    const before = messages(receiver, 'l3').length;
    receiver.close();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 500; i++) sends.push(sender.send('l3', `burst ${i}`));
    await Promise.all(sends);
    expect(messages(receiver, 'l3').length).toBe(before);
    await receiver.connect();
    await waitFor(() => messages(receiver, 'l3').length === before + 500);
    const got = messages(receiver, 'l3').slice(before).map((e) => (e.payload as { text: string }).text);
    expect(got).toEqual(Array.from({ length: 500 }, (_, i) => `burst ${i}`));
    const seqs = receiver.entries.filter((e) => e.linkId === 'l3').map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  });

  it('records delivered and read receipts quoting the hash of what was received', async () => {
    const a = await client(0, 'op-a1');
    const b = await client(1, 'op-b2'); // b2 is a1's counterpart on l4
    const { entry } = await a.send('l4', 'please confirm');
    const [delivered] = await nextEvent<[Entry]>(a, 'entry', (e) => e.type === 'receipt' && e.payload.kind === 'delivered' && e.payload.uptoSeq >= entry.seq);
    expect(delivered.actor.postId).toBe('b2');
    expect(delivered.type === 'receipt' && delivered.payload.uptoHash).toBe(entry.hash);
    b.markRead('l4', entry.seq);
    const [read] = await nextEvent<[Entry]>(a, 'entry', (e) => e.type === 'receipt' && e.payload.kind === 'read');
    expect(read.type === 'receipt' && read.payload).toMatchObject({ postId: 'b2', uptoSeq: entry.seq, uptoHash: entry.hash });
    // An older or equal read mark writes nothing.
    const again = await b.request('hotline:read', { linkId: 'l4', uptoSeq: entry.seq });
    expect(again.entry).toBeNull();
    const summaries = await b.api<{ links: { linkId: string; posts: Record<string, { read: number; unread: number }> }[] }>('/api/links');
    expect(summaries.links.find((l) => l.linkId === 'l4')!.posts.b2).toMatchObject({ read: entry.seq, unread: 0 });
  });

  it('tells each post when its counterpart comes online and goes offline', async () => {
    const a = await client(0, 'op-a2');
    const online = nextEvent<[{ postId: string; online: boolean }]>(a, 'presence', (p) => p.postId === 'b2' && p.online);
    // b2 may already be online from an earlier test: close its consoles first.
    for (const c of clients.filter((c) => c.user?.post === 'b2')) c.close();
    await waitFor(async () => {
      const { presence } = await a.api<{ presence: { postId: string; online: boolean }[] }>('/api/presence');
      return presence.find((p) => p.postId === 'b2')?.online === false;
    });
    const b = await client(1, 'op-b2');
    await online;
    const offline = nextEvent<[{ postId: string; online: boolean }]>(a, 'presence', (p) => p.postId === 'b2' && !p.online);
    b.close();
    await offline;
  });
});

describe('refusals: the right code, nothing written, the server still serving', () => {
  it('refuses forged, expired and missing tokens at the handshake with UNAUTHENTICATED', async () => {
    const url = cluster.nodes[0]!.url;
    const forged = tokenFor('op-a1', 'operator').replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const expired = tokenFor('op-a1', 'operator', { now: Date.now() - 7_200_000, ttlMs: 3_600_000 });
    for (const token of [undefined, 'garbage', forged, expired, tokenFor('nobody', 'operator'), tokenFor('op-a1', 'admin')]) {
      const socket = rawSocket(url, token);
      const [err] = await nextEvent<[Error]>(socket, 'connect_error');
      expect(err.message).toBe('UNAUTHENTICATED');
      socket.close();
    }
  });

  it('answers every bad event with its code and writes nothing', async () => {
    const redis = cluster.redis.client();
    const links = ['l1', 'l2', 'l3', 'l4'];
    const heads = () => headSeqs(redis, links);
    const before = await headsBeforeRefusals(redis, links);
    const op = rawSocket(cluster.nodes[0]!.url, tokenFor('op-a1', 'operator'));
    const monitor = rawSocket(cluster.nodes[1]!.url, tokenFor('monitor', 'monitor'));
    const commander = rawSocket(cluster.nodes[1]!.url, tokenFor('cmd-sa1', 'commander'));
    await Promise.all([op, monitor, commander].map((s) => nextEvent(s, 'connect')));
    const ok = { linkId: 'l1', clientMsgId: 'bad-input-0001', text: 'hello' };
    const cases: [typeof op, string, unknown, string][] = [
      [op, 'hotline:send', { ...ok, linkId: 'l2' }, 'FORBIDDEN'], // another post's link
      [op, 'hotline:send', { ...ok, linkId: 'nope' }, 'NOT_FOUND'],
      [op, 'hotline:send', { ...ok, linkId: 'NOT VALID' }, 'VALIDATION_FAILED'],
      [monitor, 'hotline:send', ok, 'FORBIDDEN'],
      [commander, 'hotline:send', ok, 'FORBIDDEN'],
      [op, 'hotline:send', { ...ok, text: 42 }, 'VALIDATION_FAILED'],
      [op, 'hotline:send', { linkId: 'l1', text: 'no id' }, 'VALIDATION_FAILED'],
      [op, 'hotline:send', { ...ok, text: '' }, 'VALIDATION_FAILED'],
      [op, 'hotline:send', { ...ok, text: '   ' }, 'VALIDATION_FAILED'],
      [op, 'hotline:send', { ...ok, text: 'x'.repeat(4001) }, 'VALIDATION_FAILED'],
      [op, 'hotline:send', { ...ok, text: 'x'.repeat(1_000_000) }, 'VALIDATION_FAILED'],
      [op, 'hotline:send', { ...ok, text: 'lone \ud800 surrogate' }, 'VALIDATION_FAILED'],
      [op, 'hotline:send', { ...ok, precedence: 'urgent' }, 'VALIDATION_FAILED'],
      [op, 'hotline:send', { ...ok, extra: 'field' }, 'VALIDATION_FAILED'],
      [op, 'hotline:send', null, 'VALIDATION_FAILED'],
      [op, 'hotline:send', 'a string', 'VALIDATION_FAILED'],
      [op, 'hotline:send', [ok], 'VALIDATION_FAILED'],
      [op, 'hotline:send', { ...ok, clientMsgId: '../../etc' }, 'VALIDATION_FAILED'],
      [op, 'hotline:read', { linkId: 'l1', uptoSeq: -1 }, 'VALIDATION_FAILED'],
      [op, 'hotline:read', { linkId: 'l1', uptoSeq: 1e12 }, 'NOT_FOUND'],
      [op, 'hotline:read', { linkId: 'l2', uptoSeq: 1 }, 'FORBIDDEN'],
      [monitor, 'hotline:read', { linkId: 'l1', uptoSeq: 1 }, 'FORBIDDEN'],
      [op, 'sync', { cursors: { l2: 0 } }, 'FORBIDDEN'],
      [op, 'sync', { cursors: { nope: 0 } }, 'NOT_FOUND'],
      [op, 'sync', { cursors: { l1: 'zero' } }, 'VALIDATION_FAILED'],
      [op, 'sync', { cursors: { l1: 0 }, limit: 1_000_000 }, 'VALIDATION_FAILED'],
      [op, 'no-such-event', {}, 'VALIDATION_FAILED'],
    ];
    for (const [socket, event, payload, code] of cases) {
      const ack = await emitAck(socket, event, payload);
      expect({ event, payload: JSON.stringify(payload)?.slice(0, 60), ack: ack.ok ? 'ok' : ack.error.code }).toEqual({
        event,
        payload: JSON.stringify(payload)?.slice(0, 60),
        ack: code,
      });
      expect(typeof ack.error.message).toBe('string');
    }
    // Extra arguments and a missing payload are refused too.
    expect((await emitAck(op, 'hotline:send', ok, 'extra')).error.code).toBe('VALIDATION_FAILED');
    expect((await emitAck(op, 'hotline:send')).error.code).toBe('VALIDATION_FAILED');
    expect(await heads()).toEqual(before);
    // Still connected and serving the same sockets and others.
    expect(op.connected && monitor.connected).toBe(true);
    const sync = await emitAck(monitor, 'sync', { cursors: { l1: 0, l2: 0 } });
    expect(sync.ok).toBe(true);
    // Unsigned, the same good message is refused; signed, it goes through.
    const unsigned = await emitAck(op, 'hotline:send', { ...ok, clientMsgId: 'good-after-bad-1', precedence: 'routine', drill: false });
    expect(unsigned.error.code).toBe('SIGNATURE_REQUIRED');
    expect(await heads()).toEqual(before);
    const { sign } = await rawSigner(op, 'op-a1');
    const good = await emitAck(op, 'hotline:send', await sign('hotline:send', { ...ok, clientMsgId: 'good-after-bad-1', precedence: 'routine', drill: false }));
    expect(good.ok).toBe(true);
    for (const s of [op, monitor, commander]) s.close();
  });

  it('lets a commander read the links of their sectors only, and a monitor read everything', async () => {
    const cmd = await client(0, 'cmd-sa2');
    expect([...cmd.links].sort()).toEqual(['l3']);
    const joint = await client(1, 'joint');
    expect([...joint.links].sort()).toEqual(['l1', 'l2', 'l3', 'l4']);
    await expect(cmd.request('sync', { cursors: { l1: 0 } })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const monitor = await client(0, 'monitor');
    expect(monitor.entries.filter((e) => e.linkId === 'l1').length).toBeGreaterThan(0);
  });

  it('logs in over HTTP and refuses bad credentials and bad bodies with codes', async () => {
    const url = cluster.nodes[0]!.url;
    const post = (body: string) => fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const bad = await post(JSON.stringify({ username: 'op-a1', password: 'wrong' }));
    expect(bad.status).toBe(401);
    expect((await json(bad)).error.code).toBe('UNAUTHENTICATED');
    const malformed = await post('{not json');
    expect(malformed.status).toBe(400);
    expect((await json(malformed)).error.code).toBe('VALIDATION_FAILED');
    const wrongTypes = await post(JSON.stringify({ username: 5 }));
    expect((await json(wrongTypes)).error.code).toBe('VALIDATION_FAILED');
    const huge = await post(JSON.stringify({ username: 'x'.repeat(200_000), password: 'y' }));
    expect(huge.status).toBe(413);
    const topo = await fetch(`${url}/api/topology`, { headers: { authorization: `Bearer ${tokenFor('admin', 'admin')}` } });
    const body = await json(topo);
    expect(body.links).toHaveLength(4);
    expect(body.users.length).toBe(cluster.topology.users.length);
    expect(JSON.stringify(body)).not.toContain('scrypt');
    const opTopo = await json(await fetch(`${url}/api/topology`, { headers: { authorization: `Bearer ${tokenFor('op-a3', 'operator')}` } }));
    expect(opTopo.links.map((l: { id: string }) => l.id)).toEqual(['l3']);
    const anon = await fetch(`${url}/api/topology`);
    expect(anon.status).toBe(401);
  });
});
