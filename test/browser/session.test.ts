import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Entry } from '@hotline/shared';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { readLog } from '../helpers/log.js';
import { waitFor } from '../helpers/wait.js';
import { buildConsoleDir, inPage, launchBrowser, openConsole, screenshot, type ConsolePage } from './harness.js';

/**
 * The console's session outliving its first token: the server issues short tokens here, the console
 * renews them through the SDK's getToken (half-way through their life, as they are shorter than the
 * console's two hours of margin) and goes on signing and sending past the first token's expiry.
 */

const TOKEN_TTL_MS = 8000;

let built: Awaited<ReturnType<typeof buildConsoleDir>>;
let cluster: TestCluster;
let browser: Browser;
const pages: ConsolePage[] = [];

beforeAll(async () => {
  built = await buildConsoleDir();
  cluster = await startCluster({ nodes: 1, env: { HOTLINE_CONSOLE_DIR: built.dir, HOTLINE_TOKEN_TTL: `${TOKEN_TTL_MS}ms` } });
  browser = await launchBrowser();
});

afterAll(async () => {
  await Promise.allSettled(pages.map((p) => p.context.close()));
  await browser?.close();
  await cluster?.stop();
  built?.remove();
});

interface StoredSession {
  token: string;
  expiresAt: number;
}

describe('the console session', () => {
  it('renews its token through the SDK before it expires, and keeps sending signed messages past the first expiry', async () => {
    const a = await openConsole(browser, cluster.nodes[0]!.url, 'op-a1');
    pages.push(a);
    const stored = () => inPage<StoredSession | null>(a.page.locator('html'), "return JSON.parse(localStorage.getItem('hotline:session') ?? 'null')");
    const first = (await stored())!;
    expect(first.expiresAt - Date.now()).toBeLessThanOrEqual(TOKEN_TTL_MS);

    // Past the first token's expiry (the server would have dropped its socket and refused its events).
    await waitFor(() => Date.now() > first.expiresAt + 1000, { timeout: 20_000 });
    const renewed = (await stored())!;
    expect(renewed.token).not.toBe(first.token);
    expect(renewed.expiresAt).toBeGreaterThan(first.expiresAt);
    await a.page.locator('.conn[data-status="connected"]').waitFor();
    expect(await a.page.locator('#login-user').count()).toBe(0);

    const text = 'Sent on a renewed token.';
    const composer = a.page.getByRole('textbox', { name: 'Message' });
    await composer.fill(text);
    await composer.press('Enter');
    const entry = await waitFor(async () => (await readLog(cluster.redis.client(), 'l1')).find((e): e is Extract<Entry, { type: 'message' }> => e.type === 'message' && e.payload.text === text), {
      timeout: 20_000,
      message: 'the message stored',
    });
    expect(entry.sig?.keyId).toMatch(/^[0-9a-f]{32}$/);
    expect(entry.ts).toBeGreaterThan(first.expiresAt);
    await a.page.locator('.msg.mine', { hasText: text }).locator('.msg-mark', { hasText: 'Sent' }).waitFor();
    await screenshot(a.page, 'session-renewed');
    expect(a.errors).toEqual([]);
  });
});
