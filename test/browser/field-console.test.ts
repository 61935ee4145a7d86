import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { TestCluster } from '../helpers/cluster.js';
import { tokenFor } from '../helpers/clients.js';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { buildConsoleDir, launchBrowser, openConsole, startConsoleCluster, type ConsolePage } from './harness.js';

/**
 * The console where a border post works it: on a phone or a small tablet as well as a desktop, in the
 * operator's own language (Urdu, Pashto, Dari, English), on a line that may die silently, and reloaded
 * without network. Debian's Chromium against a real server and a private Redis.
 */

const SHOTS = process.env.HOTLINE_SHOTS_DIR ?? path.join('/tmp', 'hotline-field-shots');
const VIEWPORTS = [
  { width: 360, height: 640 },
  { width: 390, height: 844 },
  { width: 768, height: 1024 },
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
] as const;
const PHONE = VIEWPORTS[1];
/** Browser noise while a test cuts the network on purpose. */
const NETWORK_NOISE = /WebSocket connection to .* failed|Failed to load resource|net::ERR_|socket\.io/;

let built: Awaited<ReturnType<typeof buildConsoleDir>>;
let cluster: TestCluster;
let browser: Browser;
const pages: ConsolePage[] = [];
const proxies: TcpProxy[] = [];
let noisy = new Set<ConsolePage>();

async function open(user: string, options: { viewport?: { width: number; height: number }; language?: string | null; url?: string } = {}): Promise<ConsolePage> {
  const p = await openConsole(browser, options.url ?? cluster.nodes[0]!.url, user, options);
  pages.push(p);
  return p;
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/** What breaks a small screen: sideways scroll, elements wider than the screen, touch targets under 44 px. */
function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const W = document.documentElement.clientWidth;
    const out = [];
    const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    if (document.documentElement.scrollWidth > W + 1) out.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + W);
    for (const el of document.querySelectorAll('body *')) {
      if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
      if (!el.checkVisibility()) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.width > W + 1) out.push(name(el) + ' is ' + Math.round(r.width) + ' px wide (screen ' + W + ')');
      const target = el.matches('button, select, textarea, input:not([type=radio]):not([type=checkbox]), label.tile, label.prec-option, label.exercise-toggle, label.inline');
      if (target && !el.closest('.sr-only') && (r.height < 43.5 || r.width < 43.5)) out.push(name(el) + ' is a ' + Math.round(r.width) + '×' + Math.round(r.height) + ' touch target');
    }
    // The top bar's items (name, line status, buttons) never lie over one another.
    const items = [...document.querySelectorAll('.topbar > *')].filter((el) => el.checkVisibility());
    const boxes = items.map((el) => {
      // What is drawn of an item: its own box, or wider where a child spills out of it.
      const r = el.getBoundingClientRect();
      let left = r.left, right = r.right;
      for (const c of el.querySelectorAll('*')) {
        if (!c.checkVisibility() || getComputedStyle(el).overflow === 'hidden') continue;
        const cr = c.getBoundingClientRect();
        if (cr.width > 0) { left = Math.min(left, cr.left); right = Math.max(right, cr.right); }
      }
      return { el, left, right, top: r.top, bottom: r.bottom };
    });
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) out.push(name(a.el) + ' overlaps ' + name(b.el));
      }
    return out.slice(0, 20);
  })()`);
}

/** Whether each element is fully inside the viewport. */
function inViewport(page: Page, selectors: string[]): Promise<Record<string, boolean>> {
  return page.evaluate(`(() => {
    const out = {};
    for (const s of ${JSON.stringify(selectors)}) {
      const r = document.querySelector(s)?.getBoundingClientRect();
      out[s] = !!r && r.width > 0 && r.left >= -1 && r.top >= -1 && r.right <= innerWidth + 1 && r.bottom <= innerHeight + 1;
    }
    return out;
  })()`);
}

/**
 * Latin-script words in the visible interface, outside what is exempt: proper names and ids from the
 * topology, what people typed or the topology's phrases carry (elements with dir="auto": messages,
 * descriptions, phrase lines), and each language named in itself in the language switch.
 */
function untranslated(page: Page, exempt: string[]): Promise<string[]> {
  return page.evaluate(`(() => {
    const exempt = ${JSON.stringify(exempt)}.sort((a, b) => b.length - a.length);
    const found = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest('[dir="auto"], [lang="en"], option, script, style, noscript') || !el.checkVisibility()) continue;
      let text = n.textContent;
      for (const e of exempt) text = text.split(e).join(' ');
      text = text.replace(/\\b(AL|MSG|LC)-[\\w-]+/g, ' ');
      for (const m of text.matchAll(/[A-Za-z]{2,}/g)) found.add(m[0] + ' in "' + n.textContent.trim().slice(0, 80) + '"');
    }
    return [...found];
  })()`);
}

async function preferences(url: string, user: string, role: 'operator' | 'commander' | 'monitor', body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${url}/api/me/preferences`, {
    method: body === undefined ? 'GET' : 'PUT',
    headers: { authorization: `Bearer ${tokenFor(user, role)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

beforeAll(async () => {
  built = await buildConsoleDir();
  cluster = await startConsoleCluster(built.dir, 1);
  browser = await launchBrowser();
});

afterEach(async () => {
  const errors = pages.flatMap((p) => p.errors.filter((e) => !(noisy.has(p) && NETWORK_NOISE.test(e))));
  noisy = new Set();
  // Each test opens its own consoles: close them, so none is left talking to the server behind the next.
  await Promise.allSettled(pages.map((p) => p.context.close()));
  pages.length = 0;
  expect(errors).toEqual([]);
});

afterAll(async () => {
  for (const n of cluster?.nodes ?? []) if (!n.running) console.error(`server ${n.nodeId} died:\n${n.output.slice(-40).join('\n')}`);
  await Promise.allSettled(pages.map((p) => p.context.close()));
  await browser?.close();
  await Promise.allSettled(proxies.map((p) => p.close()));
  await cluster?.stop();
  built?.remove();
});

describe('the console on a phone', () => {
  it('fits every listed screen for every role: no sideways scroll, nothing wider than the screen, 44 px targets', async () => {
    const roles = [
      { user: 'sup-a2', tab: 'hotline' },
      { user: 'cmd-sb2', tab: 'alerts' },
      { user: 'monitor', tab: 'alerts' },
    ];
    const problems: string[] = [];
    for (const { user, tab } of roles) {
      const p = await open(user, { viewport: VIEWPORTS[0] });
      // A name as long as a real one ("Duty operator, Kharlan Pass North Post"): cut short, never over the line status.
      await p.page.locator('.user-name').evaluate((el) => (el.textContent = 'Duty operator, Kharlan Pass North Post'));
      for (const vp of VIEWPORTS) {
        await p.page.setViewportSize(vp);
        for (const t of [tab, 'map']) {
          await p.page.locator(`#tab-${t}`).click();
          for (const found of await layoutProblems(p.page)) problems.push(`${user} ${vp.width}×${vp.height} ${t}: ${found}`);
          await shot(p.page, `${user}-${t}-${vp.width}x${vp.height}-en`);
        }
      }
      await p.context.close();
      pages.splice(pages.indexOf(p), 1);
    }
    expect(problems).toEqual([]);
  }, 300_000);

  it('raises in three taps, takes over the other phone with every control in sight at every size, and acknowledges', async () => {
    const raiser = await open('sup-a1', { viewport: PHONE });
    const receiver = await open('sup-b1', { viewport: PHONE });
    // Three taps: Raise alert, the kind, RAISE ALERT (severity and place have defaults).
    await raiser.page.locator('.raise-btn').click();
    await raiser.page.locator('dialog.raise-dialog label.tile', { hasText: 'Drone' }).click();
    await raiser.page.locator('dialog.raise-dialog .raise-submit').click();
    const takeover = receiver.page.locator('dialog.takeover[open]');
    await takeover.waitFor();
    expect(await takeover.locator('.takeover-title').textContent()).toBe('DRONE');
    const controls = ['.takeover-title', '.takeover-sev .sev-chip', '.takeover-countdown', '.takeover-ack', '.takeover-silence'];
    const outside: string[] = [];
    for (const vp of VIEWPORTS) {
      await receiver.page.setViewportSize(vp);
      const seen = await inViewport(receiver.page, controls);
      for (const [sel, ok] of Object.entries(seen)) if (!ok) outside.push(`${vp.width}×${vp.height}: ${sel}`);
      for (const found of await layoutProblems(receiver.page)) outside.push(`${vp.width}×${vp.height}: ${found}`);
      await shot(receiver.page, `takeover-${vp.width}x${vp.height}-en`);
    }
    expect(outside).toEqual([]);
    await receiver.page.setViewportSize(PHONE);
    const ack = takeover.locator('.takeover-ack');
    await expect.poll(() => ack.isEnabled()).toBe(true);
    await ack.click();
    await takeover.waitFor({ state: 'detached' }).catch(() => receiver.page.locator('dialog.takeover:not([open])').waitFor());
    // The raiser is told plainly, and the alert leaves "Open alerts" for the acknowledged group.
    const notice = raiser.page.locator('.notice', { hasText: 'ACKNOWLEDGED by Post B1' });
    await notice.waitFor();
    await shot(raiser.page, 'raiser-acknowledged-390x844-en');
    await raiser.page.locator('.side-toggle').click();
    await raiser.page.locator('.acked-alerts .alert-card', { hasText: 'Drone' }).waitFor();
    expect(await raiser.page.locator('.side-alerts:not(.acked-alerts) .alert-card', { hasText: 'Drone' }).count()).toBe(0);
    expect(await raiser.page.locator('.acked-alerts .alert-card').first().textContent()).not.toMatch(/waiting for/);
    await shot(raiser.page, 'raiser-side-390x844-en');
   }, 180_000);
});

describe('the console in the operator’s language', () => {
  it('defaults to the user’s side’s language, stores a choice on the server for any device, and refuses a bad one', async () => {
    const url = cluster.nodes[0]!.url;
    expect(await preferences(url, 'op-a3', 'operator')).toEqual({ status: 200, json: { preferences: { language: 'ur' }, chosen: false } });
    expect(await preferences(url, 'op-b3', 'operator')).toEqual({ status: 200, json: { preferences: { language: 'ps' }, chosen: false } });
    expect(await preferences(url, 'joint', 'commander')).toEqual({ status: 200, json: { preferences: { language: 'en' }, chosen: false } });
    for (const bad of [{ language: 'xx' }, { language: 7 }, { language: 'fa-AF', extra: true }, []]) {
      const res = await preferences(url, 'op-a3', 'operator', bad);
      expect(res.status).toBe(400);
      expect((res.json as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    }
    expect((await preferences(url, 'op-a3', 'operator')).json).toEqual({ preferences: { language: 'ur' }, chosen: false });

    // Chosen in the console on one device (Dari), it follows the user to another.
    const first = await open('op-a3', { viewport: PHONE, language: null });
    expect(await first.page.locator('html').getAttribute('lang')).toBe('ur');
    expect(await first.page.locator('html').getAttribute('dir')).toBe('rtl');
    await first.page.locator('#console-language').selectOption('fa-AF');
    await first.page.locator('html[lang="fa-AF"] .conn[data-status="connected"]').waitFor();
    expect((await preferences(url, 'op-a3', 'operator')).json).toEqual({ preferences: { language: 'fa-AF' }, chosen: true });
    const second = await open('op-a3', { viewport: { width: 1366, height: 768 }, language: null });
    expect(await second.page.locator('html').getAttribute('lang')).toBe('fa-AF');
    expect(await second.page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await second.page.locator('#tab-alerts').textContent()).toContain('هشدارها');
    await shot(second.page, 'operator-hotline-1366x768-fa-AF');
   }, 180_000);

  it('in Urdu and Pashto (and Dari): right to left, mirrored, no untranslated English in operator, takeover, commander and monitor views', async () => {
    const t = cluster.topology;
    const exempt = [
      ...t.posts.map((p) => p.name),
      ...t.users.map((u) => u.name),
      ...t.links.map((l) => l.name),
      ...(t.sides ?? []).map((s) => s.name),
      ...(t.sectors ?? []).map((s) => s.name),
      ...t.escalationPolicies.map((p) => p.name),
      'English',
      // Key names, as printed on keyboards.
      'Alt',
      'Enter',
      'Shift',
      'Space',
    ];
    const found: string[] = [];
    const scan = async (p: ConsolePage, what: string) => {
      for (const word of await untranslated(p.page, exempt)) found.push(`${p.user} ${what}: ${word}`);
    };
    // Defaults from the sides: Urdu at A1, Pashto at B1 and for the B sector's commander; Dari chosen by the monitor.
    const a = await open('op-a1', { viewport: PHONE, language: null });
    const b = await open('op-b1', { viewport: PHONE, language: null });
    const cmd = await open('cmd-sb1', { viewport: { width: 1366, height: 768 }, language: null });
    const mon = await open('monitor', { viewport: { width: 1366, height: 768 }, language: 'fa-AF' });
    for (const [p, lang] of [[a, 'ur'], [b, 'ps'], [cmd, 'ps'], [mon, 'fa-AF']] as const) {
      expect(await p.page.locator('html').getAttribute('lang')).toBe(lang);
      expect(await p.page.locator('html').getAttribute('dir')).toBe('rtl');
    }
    // Mirrored: the identity (start of the top bar) sits at the right.
    const identity = await a.page.locator('.identity').boundingBox();
    expect(identity!.x + identity!.width).toBeGreaterThan(PHONE.width - 60);
    await scan(a, 'hotline');
    await scan(b, 'hotline');
    await shot(a.page, 'operator-hotline-390x844-ur');
    await a.page.setViewportSize({ width: 1366, height: 768 });
    await shot(a.page, 'operator-hotline-1366x768-ur');
    await a.page.setViewportSize(PHONE);

    // A critical alert from A1 (in Urdu) takes over B1 (in Pashto) and is escalated to the commander.
    await a.page.locator('.raise-btn').click();
    await a.page.locator('dialog.raise-dialog label.tile').first().click();
    await a.page.locator('dialog.raise-dialog label.tile.sev-4').click();
    await a.page.locator('dialog.raise-dialog .raise-submit').click();
    const takeover = b.page.locator('dialog.takeover[open]');
    await takeover.waitFor();
    expect(await takeover.locator('.takeover-title').textContent()).toBe('د سپکو وسلو ډزې');
    await scan(b, 'takeover');
    await shot(b.page, 'takeover-390x844-ps');
    await b.page.setViewportSize({ width: 1366, height: 768 });
    await shot(b.page, 'takeover-1366x768-ps');
    await b.page.setViewportSize(PHONE);
    await cmd.page.locator('.alert-row.state-open').first().waitFor();
    await scan(cmd, 'alerts');
    await shot(cmd.page, 'commander-alerts-1366x768-ps');
    await cmd.page.setViewportSize(PHONE);
    await shot(cmd.page, 'commander-alerts-390x844-ps');
    await mon.page.locator('.alert-row.state-open').first().click();
    await scan(mon, 'alerts');
    await shot(mon.page, 'monitor-alerts-1366x768-fa-AF');
    await mon.page.locator('#tab-map').click();
    await scan(mon, 'map');
    await shot(mon.page, 'monitor-map-1366x768-fa-AF');
    await mon.page.setViewportSize(PHONE);
    await shot(mon.page, 'monitor-map-390x844-fa-AF');
    await mon.page.locator('#tab-alerts').click();
    await shot(mon.page, 'monitor-alerts-390x844-fa-AF');

    // Acknowledged at B1: A1 is told in Urdu.
    await expect.poll(() => takeover.locator('.takeover-ack').isEnabled()).toBe(true);
    await takeover.locator('.takeover-ack').click();
    await a.page.locator('.notice-success', { hasText: 'Post B1' }).waitFor();
    await scan(a, 'acknowledged notice');
    await shot(a.page, 'operator-acknowledged-390x844-ur');
    expect(found).toEqual([]);
   }, 180_000);
});

describe('a dead line', () => {
  it('is seen by the console within 5 s of a silent cut, and by the counterpart post within 10 s', async () => {
    const proxy = await startProxy([cluster.nodes[0]!.port]);
    proxies.push(proxy);
    const cut = await open('op-a2', { url: proxy.url });
    const peer = await open('op-b2');
    noisy.add(cut);
    await peer.page.locator('.thread-head .peer.presence-online').waitFor();
    const started = Date.now();
    proxy.stall();
    await cut.page.locator('.conn:not([data-status="connected"])').waitFor({ timeout: 15_000 });
    const consoleMs = Date.now() - started;
    await peer.page.locator('.thread-head .peer.presence-offline').waitFor({ timeout: 20_000 });
    const counterpartMs = Date.now() - started;
    console.info(`silent cut: the console showed it after ${consoleMs} ms, the counterpart post after ${counterpartMs} ms`);
    await shot(cut.page, 'silent-cut-console-1366x768-en');
    expect(consoleMs).toBeLessThan(5000);
    expect(counterpartMs).toBeLessThan(10_000);
   }, 180_000);
});

describe('offline', () => {
  it('reloads with no network from the service worker with its history and outbox, then delivers the outbox exactly once', async () => {
    const p = await open('op-a2');
    noisy.add(p);
    const manifest = await p.page.evaluate(`fetch('/manifest.webmanifest').then((r) => r.json())`);
    expect(manifest).toMatchObject({ display: 'standalone', start_url: '/' });
    await p.page.waitForFunction(`navigator.serviceWorker.controller !== null`);
    const before = `before the cut ${Date.now()}`;
    await p.page.getByRole('textbox', { name: 'Message' }).fill(before);
    await p.page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await p.page.locator('.msg.mine', { hasText: before }).waitFor();
    await p.context.setOffline(true);
    const queued = `sent while offline ${Date.now()}`;
    await p.page.getByRole('textbox', { name: 'Message' }).fill(queued);
    await p.page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await p.page.locator('.msg.pending', { hasText: queued }).waitFor();
    await p.page.reload();
    // Opened from the service worker: history from IndexedDB, the outbox from storage.
    await p.page.locator('.msg.mine', { hasText: before }).waitFor();
    await p.page.locator('.msg.pending', { hasText: queued }).waitFor();
    await shot(p.page, 'offline-reload-1366x768-en');
    await p.context.setOffline(false);
    await p.page.locator('.msg.mine', { hasText: queued }).waitFor({ timeout: 30_000 });
    await p.page.locator('.msg.pending').waitFor({ state: 'detached' });
    const log = await fetch(`${cluster.nodes[0]!.url}/api/links/l2/export`, { headers: { authorization: `Bearer ${tokenFor('monitor', 'monitor')}` } }).then((r) => r.text());
    expect(log.split('\n').filter((line) => line.includes(queued))).toHaveLength(1);
   }, 180_000);
});
