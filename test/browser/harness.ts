import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { TopologyInput } from '@hotline/shared';
import { buildConsole } from '../../scripts/build.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { ROOT } from '../helpers/server.js';
import { FAST_POLICIES, TEST_PASSWORD } from '../helpers/topology.js';

/**
 * Real-browser tests of the console: Debian's Chromium (never a downloaded one) driven by
 * playwright-core against real server processes and a private redis-server.
 */

export const ARTIFACTS = path.join(ROOT, 'test/artifacts');
export const VIEWPORT = { width: 1366, height: 768 };

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Builds the console into a private folder (so parallel runs never share a half-written bundle). */
export async function buildConsoleDir(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hotline-console-'));
  const built = await buildConsole({ quiet: true, outDir: dir });
  if (!built) throw new Error('console/src/main.ts is missing');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The test topology's map: a border between the a-posts (north) and the b-posts (south). */
export const TEST_MAP: NonNullable<TopologyInput['map']> = {
  border: [
    [69.9, 34.0],
    [70.1, 34.01],
    [70.3, 33.99],
    [70.5, 34.02],
    [70.7, 34.0],
  ],
  regions: [
    { side: 'a', polygon: [[69.9, 34.0], [70.1, 34.01], [70.3, 33.99], [70.5, 34.02], [70.7, 34.0], [70.7, 34.3], [69.9, 34.3]] },
    { side: 'b', polygon: [[69.9, 34.0], [70.1, 34.01], [70.3, 33.99], [70.5, 34.02], [70.7, 34.0], [70.7, 33.7], [69.9, 33.7]] },
  ],
};

/**
 * A private Redis and server nodes serving the console. Link l1 escalates slowly (10 minutes, so its
 * countdown is visible), l2 fast (commander escalations in under a second), drills after 300 ms.
 */
export async function startConsoleCluster(consoleDir: string, nodes = 1): Promise<TestCluster> {
  return startCluster({
    nodes,
    env: { HOTLINE_CONSOLE_DIR: consoleDir },
    topology: {
      policies: [...FAST_POLICIES, { id: 'steady', name: 'Steady: joint command after 10 minutes', onCounterpartOffline: 'wait', levels: [{ delay: '10m', targets: ['joint-command'] }] }],
      policySelection: { default: 'fast', bySeverity: { '4': 'urgent' }, byLink: { l1: 'steady', l3: 'steady' }, drill: 'drill' },
      extra: {
        sides: [
          { id: 'a', name: 'Side A', languages: ['ur', 'en'], color: '#2f6fb3' },
          { id: 'b', name: 'Side B', languages: ['ps', 'en'], color: '#b3562f' },
        ],
        map: TEST_MAP,
        phrases: [
          { id: 'cease-fire', text: { en: 'Cease fire.', ur: 'فائرنگ بند کریں۔', ps: 'ډزې ودروئ.' } },
          { id: 'received', text: { en: 'Message received and understood.', ur: 'پیغام موصول ہوا اور سمجھ لیا گیا۔', ps: 'پیغام ترلاسه او پوه شو.' } },
        ],
      },
    },
  });
}

/** Line checks on link l3 in the discipline cluster: every few seconds, a window of a couple. */
export const LINE_CHECK = { every: 5000, window: 2500 };
/** The flash deadline in the discipline cluster: long enough for a person to acknowledge, short enough to wait out. */
export const FLASH_DEADLINE = 8000;

/**
 * A cluster for hotline discipline and the record: flash messages must be acknowledged within
 * FLASH_DEADLINE and then escalate at once to the counterpart's supervisors and sector commanders; link
 * l3 is checked every LINE_CHECK.every; alerts on l2 (and drills) escalate once at once, then wait an
 * hour, so the incident report's figures are known; everything else escalates after an hour.
 * Checkpoints are made only on request (POST /api/checkpoints).
 */
export async function startDisciplineCluster(consoleDir: string, nodes = 2): Promise<TestCluster> {
  return startCluster({
    nodes,
    env: { HOTLINE_CONSOLE_DIR: consoleDir, HOTLINE_LINECHECK_TICK: '100ms', HOTLINE_CHECKPOINT_INTERVAL: '1h' },
    topology: {
      policies: [
        ...FAST_POLICIES,
        { id: 'flash-traffic', name: 'Flash traffic', onCounterpartOffline: 'wait', levels: [{ delay: 0, targets: ['counterpart-supervisors', 'counterpart-commanders'] }] },
        {
          id: 'once',
          name: 'Joint command at once, then after an hour',
          onCounterpartOffline: 'wait',
          levels: [
            { delay: 0, targets: ['joint-command'] },
            { delay: '1h', targets: ['counterpart-commanders'] },
          ],
        },
      ],
      policySelection: { default: 'slow', drill: 'once', lineFault: 'slow', byLink: { l2: 'once' } },
      extra: {
        sides: [
          { id: 'a', name: 'Side A', languages: ['ur', 'en'], color: '#2f6fb3' },
          { id: 'b', name: 'Side B', languages: ['ps', 'en'], color: '#b3562f' },
        ],
        links: [
          { id: 'l1', name: 'Link 1', posts: ['a1', 'b1'] },
          { id: 'l2', name: 'Link 2', posts: ['a2', 'b2'] },
          { id: 'l3', name: 'Link 3', posts: ['a3', 'b3'], lineCheck: { every: LINE_CHECK.every, window: LINE_CHECK.window } },
          { id: 'l4', name: 'Link 4', posts: ['a1', 'b2'] },
        ],
        precedence: { flash: { deadline: FLASH_DEADLINE, policy: 'flash-traffic' }, immediate: { deadline: '30m', policy: 'flash-traffic' } },
        map: TEST_MAP,
        phrases: [{ id: 'cease-fire', text: { en: 'Cease fire.', ur: 'فائرنگ بند کریں۔', ps: 'ډزې ودروئ.' } }],
      },
    },
  });
}

export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** A browser context for one user, with every console error and page error collected. */
export interface ConsolePage {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly user: string;
  /** Console errors and uncaught page errors; the tests expect none. */
  readonly errors: string[];
}

export async function openConsole(
  browser: Browser,
  url: string,
  user: string,
  options: { viewport?: { width: number; height: number }; language?: string | null } = {},
): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport: options.viewport ?? VIEWPORT, locale: 'en-GB', timezoneId: 'Asia/Karachi' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`${user} console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`${user} pageerror: ${err.message}`));
  await page.goto(url);
  await login(page, user, TEST_PASSWORD, options.language === undefined ? 'en' : options.language);
  return { context, page, user, errors };
}

/**
 * Logs in through the form, as a person would. `language` is chosen on the login page first (English
 * by default, so tests read English labels whatever the user's side); null keeps the user's own.
 */
export async function login(page: Page, user: string, password = TEST_PASSWORD, language: string | null = 'en'): Promise<void> {
  if (language) {
    await page.locator('#login-language').selectOption(language);
    // A language other than English is fetched first, then the login page is drawn again in it.
    await page.locator(`html[lang="${language}"] #login-language:not([disabled])`).waitFor();
  }
  if (language && language !== 'en') {
    await page.locator('#login-user').fill(user);
    await page.locator('#login-password').fill(password);
    await page.locator('.login-form button[type="submit"]').click();
    await page.locator('.conn[data-status="connected"]').waitFor();
    return;
  }
  await page.getByLabel('User').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('.conn[data-status="connected"]').waitFor();
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * Runs `body` in the page with the locator's element as `e` (or, with `all`, its elements as `els`).
 * A string body, because these tests compile without the DOM's types; Playwright sends the function's
 * source to the page.
 */
export function inPage<T>(locator: Locator, body: string): Promise<T> {
  return locator.evaluate(new Function('e', body) as (e: unknown) => T);
}
export function inPageAll<T>(locator: Locator, body: string): Promise<T> {
  return locator.evaluateAll(new Function('els', body) as (els: unknown[]) => T);
}

export { rewriteLog } from '../helpers/log.js';
