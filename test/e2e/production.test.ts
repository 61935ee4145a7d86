import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, emitAck, rawSigner, rawSocket, tokenFor, type TestClient } from '../helpers/clients.js';
import { readLog, verifiedLog } from '../helpers/log.js';
import { TEST_PASSWORD } from '../helpers/topology.js';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { nextEvent, waitFor } from '../helpers/wait.js';

let cluster: TestCluster;
const clients: TestClient[] = [];

beforeAll(async () => {
  cluster = await startCluster({
    nodes: 2,
    env: {
      HOTLINE_RATE_USER: '20/1s',
      HOTLINE_RATE_POST: '1000/1s',
      HOTLINE_RATE_LOGIN: '1000/1m',
      HOTLINE_LOGIN_THROTTLE: '3/1m',
      HOTLINE_CORS_ORIGINS: 'https://console.example',
    },
  });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

const url = () => cluster.nodes[0]!.url;

describe('observability', () => {
  it('answers health, readiness and Prometheus metrics', async () => {
    expect((await fetch(`${url()}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${url()}/readyz`)).json()).toEqual({ ok: true });
    const a = await connectClient(url(), 'op-a1');
    clients.push(a);
    await a.send('l1', 'metrics please');
    await expect(a.request('hotline:send', { linkId: 'l2', clientMsgId: 'metric-forbidden', text: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const text = await (await fetch(`${url()}/metrics`)).text();
    for (const name of [
      'hotline_connections{',
      'hotline_entries_appended_total{',
      'hotline_event_duration_seconds_bucket{',
      'hotline_send_to_deliver_seconds_bucket{',
      'hotline_requests_rejected_total{',
      'hotline_alerts{',
      'hotline_queue_jobs{',
      'hotline_process_resident_memory_bytes',
    ]) {
      expect(text, name).toContain(name);
    }
    expect(text).toMatch(/hotline_requests_rejected_total\{code="FORBIDDEN",source="socket"[^}]*\} 1/);
    expect(text).toMatch(/hotline_entries_appended_total\{type="message"[^}]*\} [1-9]/);
  });

  it('tags requests with ids and never logs tokens', async () => {
    const res = await fetch(`${url()}/api/topology`, { headers: { authorization: 'Bearer bogus-token-value', 'x-request-id': 'req-test-42' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBe('req-test-42');
    await waitFor(() => cluster.nodes[0]!.logs().some((l) => l.reqId === 'req-test-42'));
    const session = await (await fetch(`${url()}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'op-a2', password: TEST_PASSWORD }) })).json() as { token: string };
    await fetch(`${url()}/api/topology`, { headers: { authorization: `Bearer ${session.token}` } });
    const all = cluster.nodes.flatMap((n) => n.output).join('\n');
    expect(all).not.toContain(session.token);
    expect(all).not.toContain(TEST_PASSWORD);
  });

  it('sets security headers and answers CORS only for allowed origins', async () => {
    const res = await fetch(`${url()}/api/server-key`, { headers: { origin: 'https://console.example' } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('access-control-allow-origin')).toBe('https://console.example');
    const other = await fetch(`${url()}/api/server-key`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('opens the queue dashboard to admins only', async () => {
    const first = await fetch(`${url()}/admin/queues?token=${tokenFor('admin', 'admin')}`, { redirect: 'manual' });
    expect(first.status).toBe(302);
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toMatch(/^hotline_admin=/);
    const page = await fetch(`${url()}/admin/queues`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const api = await fetch(`${url()}/admin/queues/api/queues`, { headers: { cookie } });
    expect(JSON.stringify(await api.json())).toContain('escalations');
    expect((await fetch(`${url()}/admin/queues?token=${tokenFor('monitor', 'monitor')}`, { redirect: 'manual' })).status).toBe(403);
    expect((await fetch(`${url()}/admin/queues`)).status).toBe(401);
  });
});

describe('transports', () => {
  it('serves consoles on long-polling (the load balancer fallback) as well as WebSocket', async () => {
    const polling = await connectClient(url(), 'op-a2', { socket: { transports: ['polling'] } });
    const ws = await connectClient(cluster.nodes[1]!.url, 'op-b2', { socket: { transports: ['websocket'] } });
    clients.push(polling, ws);
    await polling.send('l2', 'over long-polling');
    await ws.send('l2', 'over websocket');
    const texts = (c: TestClient) => c.entries.flatMap((e) => (e.type === 'message' ? [e.payload.text] : []));
    await waitFor(() => texts(polling).includes('over websocket') && texts(ws).includes('over long-polling'));
  });
});

describe('abuse', () => {
  it('rate-limits a flooding user with RATE_LIMITED and retryAfterMs, writing nothing for refused events, and leaves others alone', async () => {
    const flood = rawSocket(url(), tokenFor('op-a3', 'operator'));
    await nextEvent(flood, 'connect');
    const other = await connectClient(cluster.nodes[1]!.url, 'op-b3');
    clients.push(other);
    const { sign } = await rawSigner(flood, 'op-a3');
    const msgs = await Promise.all(
      Array.from({ length: 60 }, (_, i) => sign('hotline:send', { linkId: 'l3', clientMsgId: `flood-${String(i).padStart(4, '0')}`, text: `flood ${i}`, precedence: 'routine', drill: false })),
    );
    const acks = await Promise.all(msgs.map((m) => emitAck(flood, 'hotline:send', m)));
    const limited = acks.filter((a) => !a.ok);
    expect(limited.length).toBeGreaterThan(0);
    for (const a of limited) {
      expect(a.error.code).toBe('RATE_LIMITED');
      expect(a.error.details.retryAfterMs).toBeGreaterThan(0);
      expect(a.error.retryable).toBe(true);
    }
    const accepted = acks.filter((a) => a.ok);
    expect(accepted.length).toBeGreaterThan(0); // so that the count below is of something
    const written = (await readLog(cluster.redis.client(), 'l3')).filter((e) => e.type === 'message' && e.actor.userId === 'op-a3');
    expect(written.map((e) => e.seq)).toEqual(accepted.map((a) => a.entry.seq).sort((x, y) => x - y));
    // The counterpart is not slowed down: its own sends go through at once.
    const mine = await other.send('l3', 'still here');
    expect(mine.entry.actor.userId).toBe('op-b3');
    flood.close();
  });

  it('delays a username from an address after repeated failed logins there, shared by every node', async () => {
    const login = (node: number, password: string) =>
      fetch(`${cluster.nodes[node]!.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sup-a1', password }) });
    expect((await login(0, 'wrong-1')).status).toBe(401);
    expect((await login(1, 'wrong-2')).status).toBe(401);
    expect((await login(0, 'wrong-3')).status).toBe(401);
    const locked = await login(1, TEST_PASSWORD);
    expect(locked.status).toBe(429);
    const body = (await locked.json()) as { error: { code: string; details: { retryAfterMs: number } } };
    expect(body.error.code).toBe('RATE_LIMITED');
    expect(body.error.details.retryAfterMs).toBeGreaterThan(0);
  });

  it('closes a connection whose packet is over the size limit and keeps serving everyone else', async () => {
    const big = rawSocket(url(), tokenFor('op-a2', 'operator'));
    await nextEvent(big, 'connect');
    const disconnected = nextEvent(big, 'disconnect');
    big.emit('hotline:send', { linkId: 'l2', clientMsgId: 'too-big-0001', text: 'x'.repeat(3_000_000) }, () => undefined);
    await disconnected;
    expect((await fetch(`${url()}/healthz`)).status).toBe(200);
    const a = await connectClient(url(), 'op-a2');
    clients.push(a);
    expect((await a.send('l2', 'after the big one')).entry.type).toBe('message');
    const body = await fetch(`${url()}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'x'.repeat(100_000), password: 'y' }) });
    expect(body.status).toBe(413);
  });
});

describe('graceful shutdown', () => {
  let proxy: TcpProxy | undefined;
  afterAll(async () => {
    await proxy?.close();
  });

  it('on SIGTERM, in-flight sends finish and ack, the node exits 0, and consoles carry on through another node', async () => {
    const [node0, node1] = cluster.nodes as [NonNullable<TestCluster['nodes'][0]>, NonNullable<TestCluster['nodes'][0]>];
    proxy = await startProxy([node0.port]);
    const sender = await connectClient(proxy.url, 'op-a1', { ackTimeoutMs: 2000 });
    clients.push(sender);
    const total = 200;
    const acked: number[] = [];
    const sends = Array.from({ length: total }, (_, i) =>
      sender.send('l4', `drain ${i}`, { clientMsgId: `drain-${String(i).padStart(4, '0')}` }).then((r) => acked.push(r.entry.seq)),
    );
    await waitFor(() => acked.length >= 50);
    proxy.setBackends([node1.port]);
    const code = await node0.stop();
    expect(code).toBe(0);
    await Promise.all(sends);
    const log = await verifiedLog(cluster.redis.client(), 'l4');
    const ids = log.flatMap((e) => (e.type === 'message' && e.payload.clientMsgId.startsWith('drain-') ? [e.payload.clientMsgId] : []));
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    expect(node0.logs().some((l) => l.msg === 'shutting down')).toBe(true);
    expect(node0.logs().some((l) => l.msg === 'shutdown grace ran out with events in flight')).toBe(false);
    await node0.start();
  });
});
