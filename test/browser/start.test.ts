import { readFileSync, rmSync, writeFileSync } from 'node:fs';
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
