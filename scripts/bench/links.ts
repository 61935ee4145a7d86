/**
 * Consoles on poor links: the console in real Chromium, and SDK consoles, reaching a node through a
 * throttling TCP proxy (scripts/lib/throttle-proxy.ts) with the VSAT and GPRS profiles. Per profile:
 * a cold start (empty cache) until the login form is usable and until the console is connected after
 * logging in, with the bytes each way; a warm start (cached shell: a reload) until connected again;
 * raise → ring (an alert raised at the other end, directly on the node, until the alert entry reaches
 * the console behind the link; median of 5); bytes on the wire per hotline message each way, sent and
 * received (signature, ack, entry and delivered receipt included) against a bare Socket.IO message
 * through the same proxy; and the same SDK bytes with WebSocket permessage-deflate on.
 */
import { performance } from 'node:perf_hooks';
import type { Browser, Page, Request } from 'playwright-core';
import { io } from 'socket.io-client';
import type { Entry, SessionUser } from '@hotline/shared';
import { HotlineClient } from '../../client-sdk/src/index.js';
import { buildConsoleDir, launchBrowser } from '../../test/browser/harness.js';
import { startServer, type ServerProcess } from '../../test/helpers/server.js';
import { TEST_PASSWORD } from '../../test/helpers/topology.js';
import { median } from '../lib/stats.js';
import { PROFILES, startThrottleProxy, type LinkProfile } from '../lib/throttle-proxy.js';
import { spawnBench } from './procs.js';
import type { BenchCluster } from './setup.js';

export interface LinkProfileResult {
  profile: string;
  cold: { shellMs: number; usableMs: number; syncedMs?: number; bytesDown: number; bytesUp: number; requests?: string[]; timeline?: TimelineItem[] };
  warm: { usableMs: number; syncedMs?: number; bytesDown: number; bytesUp: number; requests?: string[]; timeline?: TimelineItem[] };
  raiseToRingMs: number;
  /** per hotline message, bytes: sent by this console (up / down) and received by it (down / up) */
  perMessage: { sent: { up: number; down: number }; received: { down: number; up: number } };
  /** the same with permessage-deflate */
  perMessageDeflate: { sent: { up: number; down: number }; received: { down: number; up: number } };
  /** a bare Socket.IO message through the same link: emit + ack + the room's echo */
  bare: { up: number; down: number };
}

/**
 * What the page did on the wire, in order: each HTTP request (start and end, ms from the start of the
 * measurement; `sw` when the service worker answered it, `cache` from the HTTP cache) and each
 * Socket.IO frame (its first characters).
 */
export interface TimelineItem {
  what: string;
  startMs: number;
  endMs?: number;
  from?: 'sw' | 'cache';
}

export interface LinksResult {
  profiles: LinkProfileResult[];
}

const MESSAGES = 20;

function user(id: string, post: string): SessionUser {
  return { id, name: id, role: 'operator', side: post[0]!, post, supervisor: false, sectors: [], joint: false, drillOfficer: false };
}

async function messageBytes(cluster: BenchCluster, node: ServerProcess, profile: LinkProfile): Promise<LinkProfileResult['perMessage']> {
  const { topo, signer } = cluster;
  const p = topo.pair(0);
  const proxy = await startThrottleProxy(node.port, profile);
  const make = (url: string, id: string, post: string) =>
    new HotlineClient({ url, token: signer.issue({ id, role: 'operator' }).token, user: user(id, post), links: [p.linkId], healthCheckMs: 0, ackTimeoutMs: 60_000, socket: { transports: ['websocket'] } });
  const far = make(proxy.url, p.b.user, p.b.post);
  const near = make(node.url, p.a.user, p.a.post);
  try {
    await Promise.all([far.connect(), near.connect()]);
    // Sent by the console behind the link.
    await new Promise((r) => setTimeout(r, 1500));
    proxy.resetCounters();
    for (let i = 0; i < MESSAGES; i++) await far.send(p.linkId, `Routine report ${i}: all quiet on the line, nothing to add.`);
    await new Promise((r) => setTimeout(r, profile.rttMs * 2));
    const sent = { up: Math.round(proxy.bytes.up / MESSAGES), down: Math.round(proxy.bytes.down / MESSAGES) };
    // Received by it (with its delivered receipt going back).
    let got = 0;
    far.on('entry', (e: Entry) => {
      if (e.type === 'message' && e.actor.postId === p.a.post) got++;
    });
    proxy.resetCounters();
    for (let i = 0; i < MESSAGES; i++) await near.send(p.linkId, `Routine report ${i}: all quiet on the line, nothing to add.`);
    while (got < MESSAGES) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, profile.rttMs * 2 + 1000));
    return { sent, received: { down: Math.round(proxy.bytes.down / MESSAGES), up: Math.round(proxy.bytes.up / MESSAGES) } };
  } finally {
    far.close();
    near.close();
    await proxy.close();
  }
}

async function raiseToRing(cluster: BenchCluster, node: ServerProcess, profile: LinkProfile): Promise<number> {
  const { topo, signer } = cluster;
  const p = topo.pair(1);
  const proxy = await startThrottleProxy(node.port, profile);
  const far = new HotlineClient({ url: proxy.url, token: signer.issue({ id: p.b.user, role: 'operator' }).token, user: user(p.b.user, p.b.post), links: [p.linkId], healthCheckMs: 0, ackTimeoutMs: 60_000, socket: { transports: ['websocket'] } });
  const near = new HotlineClient({ url: node.url, token: signer.issue({ id: p.a.user, role: 'operator' }).token, user: user(p.a.user, p.a.post), links: [p.linkId], healthCheckMs: 0, socket: { transports: ['websocket'] } });
  const times: number[] = [];
  try {
    await Promise.all([far.connect(), near.connect()]);
    await new Promise((r) => setTimeout(r, 1500));
    for (let i = 0; i < 5; i++) {
      const rang = new Promise<number>((resolve) => {
        const off = far.on('entry', (e: Entry) => {
          if (e.type === 'alert.raised') {
            off();
            resolve(performance.now());
          }
        });
      });
      const t = performance.now();
      const { alert } = await near.raiseAlert({ linkId: p.linkId, kind: 'other', severity: 3, description: `ring ${i}` });
      times.push((await rang) - t);
      await near.cancelAlert(alert.alertId, 'bench').catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    far.close();
    near.close();
    await proxy.close();
  }
  return Math.round(median(times));
}

async function bareBytes(cluster: BenchCluster, profile: LinkProfile): Promise<{ up: number; down: number }> {
  const bare = await spawnBench('scripts/bench/bare-server.ts', { REDIS_URL: cluster.redis.url });
  cluster.extra.push(bare);
  const proxy = await startThrottleProxy(bare.port, profile);
  const s = io(proxy.url, { auth: { room: 'r' }, transports: ['websocket'], forceNew: true });
  try {
    await new Promise<void>((resolve) => s.once('connect', () => resolve()));
    await new Promise((r) => setTimeout(r, 1000));
    proxy.resetCounters();
    for (let i = 0; i < MESSAGES; i++) await s.timeout(60_000).emitWithAck('send', { room: 'r', text: `Routine report ${i}: all quiet on the line, nothing to add.` });
    await new Promise((r) => setTimeout(r, profile.rttMs * 2));
    return { up: Math.round(proxy.bytes.up / MESSAGES), down: Math.round(proxy.bytes.down / MESSAGES) };
  } finally {
    s.disconnect();
    await proxy.close();
    await bare.kill();
  }
}

/** Records a page's requests and WebSocket frames from `reset()` on. */
function recordTimeline(page: Page): { reset(): void; items: () => TimelineItem[] } {
  let t0 = performance.now();
  let items: TimelineItem[] = [];
  const open = new Map<Request, TimelineItem>();
  const at = () => Math.round(performance.now() - t0);
  const label = (url: string) => {
    const u = new URL(url);
    return u.pathname + (u.pathname.startsWith('/socket.io/') ? `?${u.searchParams.get('transport') ?? ''}` : '');
  };
  page.on('request', (r) => {
    const item: TimelineItem = { what: `${r.method()} ${label(r.url())}`, startMs: at() };
    open.set(r, item);
    items.push(item);
  });
  const done = (r: Request) => {
    const item = open.get(r);
    if (!item) return;
    open.delete(r);
    item.endMs = at();
    void r.response().then((res) => {
      if (res?.fromServiceWorker()) item.from = 'sw';
    });
  };
  page.on('requestfinished', (r) => done(r));
  page.on('requestfailed', (r) => done(r));
  page.on('websocket', (ws) => {
    items.push({ what: `WS open ${label(ws.url())}`, startMs: at() });
    const frame = (dir: string) => (f: { payload: string | Buffer }) => {
      const text = typeof f.payload === 'string' ? f.payload : `<${f.payload.length} bytes>`;
      items.push({ what: `WS ${dir} ${text.slice(0, 48)}`, startMs: at() });
    };
    ws.on('framesent', frame('→'));
    ws.on('framereceived', frame('←'));
  });
  return {
    reset() {
      t0 = performance.now();
      items = [];
    },
    items: () => items,
  };
}

export async function browserStarts(browser: Browser, node: ServerProcess, profile: LinkProfile, userId: string): Promise<Pick<LinkProfileResult, 'cold' | 'warm'>> {
  const proxy = await startThrottleProxy(node.port, profile);
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
  const page = await context.newPage();
  const timeline = recordTimeline(page);
  let stage = 'cold: the login form';
  try {
    const t0 = performance.now();
    // Until the login form is there, not the page's load event: that also waits for the Arabic-script
    // font (the language menu names Urdu, Pashto and Dari in their own script), which the form does
    // not need; it arrives while the user types.
    await page.goto(proxy.url, { timeout: 300_000, waitUntil: 'commit' });
    await page.getByLabel('User').waitFor({ timeout: 300_000 });
    const shellMs = performance.now() - t0;
    stage = 'cold: connected after the login';
    await page.getByLabel('User').fill(userId);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('.conn[data-status="connected"]').waitFor({ timeout: 300_000 });
    const usableMs = performance.now() - t0;
    const bytes = { bytesDown: proxy.bytes.down, bytesUp: proxy.bytes.up };
    stage = 'cold: synced';
    // Connected is when the line shows it; synced is when the key is registered and every link is at the head.
    await page.locator('.conn[data-synced="true"]').waitFor({ timeout: 300_000 });
    const syncedMs = performance.now() - t0;
    const cold = { shellMs: Math.round(shellMs), usableMs: Math.round(usableMs), syncedMs: Math.round(syncedMs), ...bytes, requests: [...proxy.requests], timeline: timeline.items() };
    // Warm is a reload with the shell cached: wait until the service worker has it (on GPRS its
    // install takes a while) and controls the page.
    stage = 'the service worker in control';
    const swDeadline = performance.now() + 300_000;
    while (!(await page.evaluate('navigator.serviceWorker.controller !== null'))) {
      if (performance.now() > swDeadline) throw new Error('no service worker after 300 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    // And has the language files this console used (the catalog, the font: the font is still on its
    // way for a few seconds after the console is synced on VSAT, longer on GPRS; a reload before it is
    // in would fetch it again and count it as warm).
    stage = 'the service worker holding the language files';
    await page.evaluate('document.fonts.ready.then(() => true)');
    const onDemandCached = `(async () => {
      const used = performance.getEntriesByType('resource').map((e) => new URL(e.name)).filter((u) => u.origin === location.origin && /^\\/lang-[^/]+\\.js$|\\.woff2$/.test(u.pathname)).map((u) => u.pathname);
      for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        if ((await Promise.all(used.map((p) => cache.match(p)))).every(Boolean)) return true;
      }
      return false;
    })()`;
    while (!(await page.evaluate(onDemandCached))) {
      if (performance.now() > swDeadline) throw new Error('the language files not cached after 300 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 1000));
    proxy.resetCounters();
    timeline.reset();
    stage = 'warm: connected';
    const t1 = performance.now();
    await page.reload({ timeout: 300_000, waitUntil: 'commit' });
    // A reload keeps the session where the console keeps it; otherwise it asks for a login again.
    const connected = page.locator('.conn[data-status="connected"]');
    const form = page.getByLabel('User');
    await Promise.race([connected.waitFor({ timeout: 300_000 }), form.waitFor({ timeout: 300_000 })]);
    if (await form.isVisible().catch(() => false)) {
      await form.fill(userId);
      await page.getByLabel('Password').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await connected.waitFor({ timeout: 300_000 });
    }
    const warmMs = Math.round(performance.now() - t1);
    const warmBytes = { bytesDown: proxy.bytes.down, bytesUp: proxy.bytes.up };
    stage = 'warm: synced';
    await page.locator('.conn[data-synced="true"]').waitFor({ timeout: 300_000 });
    const warm = { usableMs: warmMs, syncedMs: Math.round(performance.now() - t1), ...warmBytes, requests: [...proxy.requests], timeline: timeline.items() };
    return { cold, warm };
  } catch (err) {
    // Which step did not finish, and what the page did until then.
    throw Object.assign(new Error(`${stage}: ${(err as Error).message.split('\n')[0]}`, { cause: err }), { timeline: timeline.items() });
  } finally {
    await context.close();
    await proxy.close();
  }
}

export async function linksBench(cluster: BenchCluster, o: { profiles: (keyof typeof PROFILES)[]; log: (line: string) => void }): Promise<LinksResult> {
  const built = await buildConsoleDir();
  const node = await startServer({ redisUrl: cluster.redis.url, topology: cluster.topo.file, env: { HOTLINE_CONSOLE_DIR: built.dir } });
  const deflate = await startServer({ redisUrl: cluster.redis.url, topology: cluster.topo.file, env: { HOTLINE_CONSOLE_DIR: '', HOTLINE_WS_COMPRESSION: 'true' } });
  cluster.extra.push(node, deflate, { kill: async () => built.remove() });
  const browser = await launchBrowser();
  const profiles: LinkProfileResult[] = [];
  try {
    for (const key of o.profiles) {
      const profile = PROFILES[key];
      o.log(`links: ${profile.name}: the console in Chromium, cold and warm`);
      const none = { shellMs: -1, usableMs: -1, bytesDown: 0, bytesUp: 0 };
      const starts = await browserStarts(browser, node, profile, cluster.topo.pair(2).a.user).catch((err: unknown) => {
        o.log(`links: ${profile.name}: the browser run failed: ${(err as Error).message.split('\n')[0]}`);
        return { cold: none, warm: { usableMs: -1, bytesDown: 0, bytesUp: 0 } };
      });
      o.log(`links: ${profile.name}: raise → ring, bytes per message`);
      const ring = await raiseToRing(cluster, node, profile);
      const perMessage = await messageBytes(cluster, node, profile);
      const perMessageDeflate = await messageBytes(cluster, deflate, profile);
      const bare = await bareBytes(cluster, profile);
      const r: LinkProfileResult = { profile: profile.name, ...starts, raiseToRingMs: ring, perMessage, perMessageDeflate, bare };
      o.log(
        `links: ${profile.name}: cold shell ${r.cold.shellMs} ms, usable ${r.cold.usableMs} ms, synced ${r.cold.syncedMs} ms (${(r.cold.bytesDown / 1024).toFixed(0)} KiB down, ${r.cold.requests?.length} HTTP requests); ` +
          `warm ${r.warm.usableMs} ms, synced ${r.warm.syncedMs} ms (${(r.warm.bytesDown / 1024).toFixed(1)} KiB, ${r.warm.requests?.length} HTTP requests); ring ${ring} ms; ` +
          `message sent ${perMessage.sent.up}/${perMessage.sent.down} B, received ${perMessage.received.down}/${perMessage.received.up} B (deflate ${perMessageDeflate.sent.up}/${perMessageDeflate.sent.down}, ${perMessageDeflate.received.down}/${perMessageDeflate.received.up}); bare ${bare.up}/${bare.down} B`,
      );
      profiles.push(r);
    }
  } finally {
    await browser.close();
  }
  return { profiles };
}
