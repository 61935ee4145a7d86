import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildServiceWorker, precompress } from '../../scripts/build.js';
import { PROFILES, startThrottleProxy } from '../../scripts/lib/throttle-proxy.js';
import type { TestCluster } from '../helpers/cluster.js';
import { tokenFor } from '../helpers/clients.js';
import { TEST_PASSWORD } from '../helpers/topology.js';
import { buildConsoleDir, launchBrowser, screenshot, startConsoleCluster } from './harness.js';

/**
 * How the console starts: on a satellite-like link (VSAT: 256 kbit/s down, 64 up, 700 ms round trip,
 * through the bench's throttling proxy) a cold start asks the API once (the login, carrying the boot
 * answer) and a reload once (GET /api/boot), over WebSocket with no long-polling, the page from the
 * service worker; a new deployment opens on the load after its worker took over; the user's language
 * comes with the boot answer, and a reload follows a language changed elsewhere. Counts, not times.
 */
let built: { dir: string; remove(): void };
let cluster: TestCluster;
let browser: Browser;

beforeAll(async () => {
  built = await buildConsoleDir();
  cluster = await startConsoleCluster(built.dir);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
  built?.remove();
});

/** The paths in the service worker's (one) cache. */
const cachedPaths = (page: Page) =>
  page.evaluate<string[]>(`caches.keys().then((k) => caches.open(k[0])).then((c) => c.keys()).then((r) => r.map((q) => new URL(q.url).pathname))`);

const synced = (page: Page) => page.locator('.conn[data-synced="true"]').waitFor({ timeout: 120_000 });

async function logIn(page: Page, user: string): Promise<void> {
  await page.locator('#login-user').fill(user);
  await page.locator('#login-password').fill(TEST_PASSWORD);
  await page.locator('.login-form button[type="submit"]').click();
}

describe('the console on a satellite link', () => {
  it('cold: one API request (the login) before it is synced; reload: the page from the service worker and one API request (GET /api/boot); WebSocket throughout', async () => {
    const proxy = await startThrottleProxy(cluster.nodes[0]!.port, PROFILES.vsat);
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
    try {
      const page = await context.newPage();
      await page.goto(proxy.url, { waitUntil: 'commit', timeout: 120_000 });
      await page.locator('#login-user').waitFor({ timeout: 120_000 });
      const beforeLogin = proxy.requests.length;
      await logIn(page, 'op-a1');
      await synced(page);
      const cold = proxy.requests.slice(beforeLogin);
      // What the console fetched one request at a time before it could connect (what follows the first
      // sync, the inbox, deadlines and presence, is not counted).
      const beforeConnect = /^\S+ \/api\/(auth\/login|boot|me|me\/preferences|topology|server-key)[ ?]/;
      expect(cold.filter((r) => beforeConnect.test(r))).toEqual(['POST /api/auth/login HTTP/1.1']);
      expect(cold.filter((r) => r.includes('/socket.io/'))).toEqual([expect.stringContaining('transport=websocket')]);

      await expect.poll(() => page.evaluate('navigator.serviceWorker.controller !== null'), { timeout: 120_000 }).toBe(true);
      proxy.resetCounters();
      await page.reload({ waitUntil: 'commit', timeout: 120_000 });
      await synced(page);
      const warm = [...proxy.requests];
      expect(warm.filter((r) => r.startsWith('GET / '))).toEqual([]);
      expect(warm.filter((r) => beforeConnect.test(r))).toEqual(['GET /api/boot HTTP/1.1']);
      expect(warm.filter((r) => r.includes('/socket.io/'))).toEqual([expect.stringContaining('transport=websocket')]);
      console.info(`VSAT: cold start (after the login form) ${cold.length} HTTP requests, reload ${warm.length}: ${warm.join(', ')}`);
    } finally {
      await context.close();
      await proxy.close();
    }
  }, 240_000);
});

describe('a new deployment', () => {
  it('opens on the load after its service worker took over; until then the cached one opens, with no network asked for the page', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
    try {
      const page = await context.newPage();
      await page.goto(cluster.nodes[0]!.url);
      await logIn(page, 'op-a2');
      await synced(page);
      await expect.poll(() => page.evaluate('navigator.serviceWorker.controller !== null')).toBe(true);
      const before = await page.evaluate<string[]>('caches.keys()');
      expect(before).toHaveLength(1);
      // The language files this console used are cached as they pass: its own language's catalog and
      // the font (op-a2 reads Urdu, its side's language), and here Pashto's catalog, fetched directly;
      // Dari's, never used, is not.
      const onDemand = (paths: string[]) => paths.filter((p) => p.startsWith('/lang-') || p.endsWith('.woff2')).sort();
      const pashto = `/${readdirSync(built.dir).find((f) => /^lang-ps-[A-Z0-9]+\.js$/.test(f))}`;
      await page.evaluate(`fetch('${pashto}').then((r) => r.text())`);
      await page.evaluate('document.fonts.ready.then(() => undefined)');
      await expect.poll(async () => onDemand(await cachedPaths(page))).toEqual([expect.stringMatching(/^\/assets\/.*\.woff2$/), pashto, expect.stringMatching(/^\/lang-ur-/)]);
      const usedBefore = onDemand(await cachedPaths(page));
      const marker = 'meta[name="deployment"]';
      expect(await page.locator(marker).count()).toBe(0);

      // The deployment: a changed page, so a new shell version and worker.
      const index = path.join(built.dir, 'index.html');
      writeFileSync(index, readFileSync(index, 'utf8').replace('</head>', '<meta name="deployment" content="2"></head>'));
      for (const copy of ['index.html.br', 'index.html.gz']) rmSync(path.join(built.dir, copy), { force: true });
      await buildServiceWorker(built.dir, true);
      precompress(built.dir);

      await page.reload();
      await synced(page);
      // This load is the cached one; the browser meanwhile fetched the new /sw.js, which installs and takes over.
      expect(await page.locator(marker).count()).toBe(0);
      await expect.poll(() => page.evaluate<string[]>('caches.keys()'), { timeout: 60_000 }).toEqual([expect.not.stringMatching(before[0]!)]);
      // The new worker cached at install the language files the old cache had, and only those.
      expect(onDemand(await cachedPaths(page))).toEqual(usedBefore);
      await page.reload();
      await page.locator(marker).waitFor({ state: 'attached' });
      await synced(page);
    } finally {
      await context.close();
    }
  }, 120_000);
});

describe("the user's language", () => {
  const put = (user: string, language: string) =>
    fetch(`${cluster.nodes[0]!.url}/api/me/preferences`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenFor(user, 'operator')}` },
      body: JSON.stringify({ language }),
    }).then((r) => expect(r.status).toBe(200));

  it('comes with the login; a reload follows a language chosen on another device (phone and desktop, four languages)', async () => {
    await put('op-b2', 'ur');
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB', timezoneId: 'Asia/Karachi' });
    try {
      const page = await context.newPage();
      await page.goto(cluster.nodes[0]!.url);
      await logIn(page, 'op-b2');
      await synced(page);
      expect(await page.evaluate('[document.documentElement.lang, document.documentElement.dir]')).toEqual(['ur', 'rtl']);
      for (const lang of ['ps', 'fa-AF', 'en', 'ur']) {
        await put('op-b2', lang);
        await page.reload();
        // Opened in the language it had, then again in the one the boot answer names.
        await expect.poll(() => page.evaluate('document.documentElement.lang')).toBe(lang);
        await synced(page);
        for (const size of [{ width: 390, height: 844 }, { width: 1366, height: 768 }]) {
          await page.setViewportSize(size);
          await screenshot(page, `start-reload-${size.width}x${size.height}-${lang}`);
        }
        await page.setViewportSize({ width: 390, height: 844 });
      }
    } finally {
      await context.close();
    }
  }, 180_000);
});

describe('the language files', () => {
  it('an English cold start fetches neither the Arabic-script font nor another catalog; Urdu, chosen on a satellite link, is fetched while the switch says so, then shown whole; a reload with the server gone opens in Urdu from the service worker', async () => {
    const proxy = await startThrottleProxy(cluster.nodes[0]!.port, PROFILES.vsat);
    const context = await browser.newContext({ viewport: { width: 360, height: 640 }, locale: 'en-GB', timezoneId: 'Asia/Karachi' });
    // The language of the page when the console first draws anything into #app (a flash of English would say "en").
    await context.addInitScript(`new MutationObserver((_, obs) => {
      const app = document.getElementById('app');
      if (app && app.firstChild) { window.__firstPaintLang = document.documentElement.lang; obs.disconnect(); }
    }).observe(document, { childList: true, subtree: true });`);
    try {
      const page = await context.newPage();
      await page.goto(proxy.url, { waitUntil: 'commit', timeout: 120_000 });
      await page.locator('#login-user').waitFor({ timeout: 120_000 });
      await expect.poll(() => page.evaluate('navigator.serviceWorker.controller !== null'), { timeout: 120_000 }).toBe(true);
      // The worker has cached the shell by now (it took over): its fetches are counted too.
      const english = [...proxy.requests];
      expect(english.filter((r) => /\.woff2|\/lang-/.test(r))).toEqual([]);
      expect(english.filter((r) => /\/app-[A-Z0-9]+\.js /.test(r)).length).toBeGreaterThan(0);
      console.info(`VSAT: English cold start, login page and service worker: ${proxy.bytes.down} bytes down in ${english.length} requests`);
      expect(await page.evaluate('window.__firstPaintLang')).toBe('en');

      await page.locator('#login-language').selectOption('ur');
      // Loading on a slow link: said in the language shown, the switch disabled, nothing half translated.
      await expect.poll(() => page.locator('#login-language-status').textContent()).toBe('Loading the language…');
      expect(await page.locator('#login-language').isDisabled()).toBe(true);
      expect(await page.locator('#login-title').textContent()).toBe('Border hotline');
      await screenshot(page, 'lean-login-loading-360x640-en');
      await page.locator('html[lang="ur"][dir="rtl"]').waitFor({ timeout: 60_000 });
      expect(await page.locator('#login-title').textContent()).toBe('سرحدی ہاٹ لائن');
      expect(await page.locator('label[for="login-user"] span').textContent()).toBe('صارف');
      expect(proxy.requests.filter((r) => r.includes('/lang-'))).toEqual([expect.stringMatching(/^GET \/lang-ur-[A-Z0-9]+\.js /)]);
      // Now the page is in Urdu, its font is needed (and fetched once).
      await expect.poll(() => proxy.requests.filter((r) => r.includes('.woff2')).length, { timeout: 60_000 }).toBe(1);

      await logIn(page, 'op-a1');
      await synced(page);
      expect(await page.evaluate('[document.documentElement.lang, document.documentElement.dir]')).toEqual(['ur', 'rtl']);
      // Both on-demand files are in the worker's cache (a network answer is stored as it passes).
      await expect
        .poll(() => page.evaluate<string[]>(`caches.keys().then((k) => caches.open(k[0])).then((c) => c.keys()).then((r) => r.map((q) => new URL(q.url).pathname).filter((p) => p.startsWith('/lang-') || p.endsWith('.woff2')))`))
        .toEqual(expect.arrayContaining([expect.stringMatching(/^\/lang-ur-/), expect.stringMatching(/\.woff2$/)]));

      // The server out of reach (the proxy gone): the console opens from the worker's cache, in Urdu from its first paint.
      await proxy.close();
      await page.reload({ waitUntil: 'commit' });
      await page.locator('html[lang="ur"] .topbar').waitFor({ timeout: 60_000 });
      expect(await page.evaluate('window.__firstPaintLang')).toBe('ur');
      expect(await page.locator('.logout').textContent()).toBe('لاگ آؤٹ');
      await screenshot(page, 'lean-offline-start-360x640-ur');
    } finally {
      await context.close();
      await proxy.close().catch(() => undefined);
    }
  }, 300_000);

  it('login page and console in each language, phone and desktop (screenshots)', async () => {
    const titles: Record<string, string> = { en: 'Border hotline', ur: 'سرحدی ہاٹ لائن' };
    for (const lang of ['en', 'ur', 'ps', 'fa-AF']) {
      const context = await browser.newContext({ viewport: { width: 360, height: 640 }, locale: 'en-GB', timezoneId: 'Asia/Karachi' });
      try {
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (err) => errors.push(err.message));
        await page.goto(cluster.nodes[0]!.url);
        await page.locator('#login-language').selectOption(lang);
        await page.locator(`html[lang="${lang}"] #login-language:not([disabled])`).waitFor();
        if (titles[lang]) expect(await page.locator('#login-title').textContent()).toBe(titles[lang]);
        for (const size of [{ width: 360, height: 640 }, { width: 1366, height: 768 }]) {
          await page.setViewportSize(size);
          await screenshot(page, `lean-login-${size.width}x${size.height}-${lang}`);
        }
        await logIn(page, 'op-a3');
        await synced(page);
        for (const size of [{ width: 360, height: 640 }, { width: 1366, height: 768 }]) {
          await page.setViewportSize(size);
          await screenshot(page, `lean-console-${size.width}x${size.height}-${lang}`);
        }
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    }
  }, 240_000);
});
