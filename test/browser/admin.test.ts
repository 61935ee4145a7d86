import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ADMIN_LOG_ID, type Entry } from '@hotline/shared';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { readLog } from '../helpers/log.js';
import { waitFor } from '../helpers/wait.js';
import { VIEWPORT, buildConsoleDir, launchBrowser, login, openConsole, screenshot, type ConsolePage } from './harness.js';

/**
 * The administration view in a real Chromium: an admin adds a user (a bad try first, its error shown
 * at the field), the new user logs in from a second browser context, and the admin revokes that
 * session, which ends it on the spot.
 */
let built: Awaited<ReturnType<typeof buildConsoleDir>>;
let cluster: TestCluster;
let browser: Browser;
const pages: ConsolePage[] = [];
const PHONE = { width: 390, height: 844 };
const NEW_PASSWORD = 'brand-new-password';

beforeAll(async () => {
  built = await buildConsoleDir();
  cluster = await startCluster({ nodes: 2, env: { HOTLINE_CONSOLE_DIR: built.dir } });
  browser = await launchBrowser();
});

afterAll(async () => {
  await Promise.allSettled(pages.map((p) => p.context.close()));
  await browser?.close();
  await cluster?.stop();
  built?.remove();
});

describe('the administration view', () => {
  it('adds a user, who logs in from a second context; shows errors at the field; revokes the session', async () => {
    const admin = await openConsole(browser, cluster.nodes[0]!.url, 'admin');
    pages.push(admin);
    const page = admin.page;
    await page.getByRole('tab', { name: 'Admin' }).click();
    await page.locator('.admin-users tr[data-user="op-a1"]').waitFor();
    await screenshot(page, 'admin-desktop');

    // An operator without a post: refused, the error at the Post field, nothing applied.
    const form = page.getByRole('form', { name: 'Add or change a user' });
    await form.getByLabel('User id').fill('op-a9');
    await form.getByLabel('Name').fill('Operator Nine');
    await form.getByLabel('Role').selectOption('operator');
    await form.getByLabel('Password (new users; blank keeps it)').fill(NEW_PASSWORD);
    await form.getByRole('button', { name: 'Save user' }).click();
    const postError = form.locator('[data-field="post"] .field-error');
    await expect.poll(async () => `${await postError.textContent()} (${await page.locator('.admin-view .record-status').textContent()})`).toMatch(/^an operator needs a known post \(Not saved: users\[\d+\]\.post: an operator needs a known post\)$/);
    expect(await form.getByLabel('Post').getAttribute('aria-invalid')).not.toBeNull();
    await screenshot(page, 'admin-field-error');
    expect(await page.locator('.admin-users tr[data-user="op-a9"]').count()).toBe(0);

    await form.getByLabel('Post').selectOption('a1');
    await form.getByRole('button', { name: 'Save user' }).click();
    await page.locator('.admin-users tr[data-user="op-a9"]').waitFor();
    expect(await postError.textContent()).toBe('');
    // The change is on the administration log, signed by the admin's console key.
    const logged = await waitFor(async () =>
      (await readLog(cluster.redis.client(), ADMIN_LOG_ID)).find((e): e is Extract<Entry, { type: 'config.changed' }> => e.type === 'config.changed' && e.payload.itemId === 'op-a9'),
    );
    expect(logged.actor.userId).toBe('admin');
    expect(logged.sig?.keyId).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(logged)).not.toContain(NEW_PASSWORD);

    // The new user, in a second context, on the other node.
    const context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-GB', timezoneId: 'Asia/Karachi' });
    const second = await context.newPage();
    const errors: string[] = [];
    second.on('pageerror', (err) => errors.push(err.message));
    pages.push({ context, page: second, user: 'op-a9', errors });
    await second.goto(cluster.nodes[1]!.url);
    await login(second, 'op-a9', NEW_PASSWORD);
    await second.getByRole('textbox', { name: 'Message' }).waitFor();
    await screenshot(second, 'admin-new-user-console');

    // Its session as the admin sees it, then revoked: the second context is back at the login.
    await page.locator('.admin-users tr[data-user="op-a9"]').getByRole('button', { name: 'Sessions' }).click();
    const row = page.locator('.admin-sessions tbody tr').first();
    await row.waitFor();
    expect(await row.textContent()).toContain('active');
    await screenshot(page, 'admin-sessions');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => row.textContent()).toContain('revoked');
    await second.locator('#login-user').waitFor({ timeout: 10_000 });
    expect(errors).toEqual([]);

    // The phone layout of the same view.
    await page.setViewportSize(PHONE);
    await page.locator('.admin-users').scrollIntoViewIfNeeded();
    await screenshot(page, 'admin-phone');
    await page.setViewportSize(VIEWPORT);
    // The browser logs the refused change (HTTP 400) as a failed load: that one, and nothing else.
    expect(admin.errors).toEqual(['admin console: Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  });
});
