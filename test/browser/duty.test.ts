import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Entry, EntryOf } from '@hotline/shared';
import type { TestCluster } from '../helpers/cluster.js';
import { tokenFor } from '../helpers/clients.js';
import { headSeqs, readLog } from '../helpers/log.js';
import { ROOT } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { VIEWPORT, buildConsoleDir, inPage, launchBrowser, openConsole, screenshot, startConsoleCluster, type ConsolePage } from './harness.js';

/**
 * Who is on duty, in a real Chromium against two real server nodes: op-a1 (node 0) hands post A1 over
 * to its second operator sup-a1; op-b1 at the other end (node 1) and a monitor see the new operator on
 * duty and the handover line, live; the entries are signed by op-a1's console key and the record
 * verifies. A handover to someone who is not an operator of the post is refused, said in the dialog,
 * and writes nothing. Then the thread head, the dialog and the roster at phone and desktop size in
 * every language, for looking at.
 */
const run = promisify(execFile);
const PHONE = { width: 390, height: 844 };
const NOTE = 'Quiet night; pillar 41 patrol due at 06:00.';
const LANGUAGES = ['en', 'ur', 'ps', 'fa-AF'] as const;

let built: Awaited<ReturnType<typeof buildConsoleDir>>;
let cluster: TestCluster;
let browser: Browser;
let dir: string;
const pages: ConsolePage[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hotline-duty-'));
  built = await buildConsoleDir();
  cluster = await startConsoleCluster(built.dir, 2);
  browser = await launchBrowser();
});

afterAll(async () => {
  await Promise.allSettled(pages.map((p) => p.context.close()));
  await browser?.close();
  await cluster?.stop();
  built?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function open(node: number, user: string, options: { viewport?: { width: number; height: number }; language?: string } = {}): Promise<ConsolePage> {
  const p = await openConsole(browser, cluster.nodes[node]!.url, user, options);
  pages.push(p);
  return p;
}

async function selectLink(page: Page, linkId: string): Promise<void> {
  if (!(await page.locator('#panel-hotline').isVisible())) await page.locator('#tab-hotline').click();
  await page.locator(`.link-item[data-link="${linkId}"]`).click();
  await page.locator(`.messages[data-link="${linkId}"]`).waitFor({ state: 'attached' });
}

const dutyLine = (page: Page, post: string) => page.locator(`.thread-head .duty-line[data-post="${post}"]`);

async function handovers(linkId: string): Promise<EntryOf<'duty.handover'>[]> {
  return (await readLog(cluster.redis.client(), linkId)).filter((e): e is EntryOf<'duty.handover'> => e.type === 'duty.handover');
}

describe('who is on duty, and the shift handover', () => {
  it('hands a post over from the console: both ends see it live, signed by the device key; a bad choice is refused and writes nothing', async () => {
    const a = await open(0, 'op-a1');
    const b = await open(1, 'op-b1');
    const monitor = await open(1, 'monitor');
    await selectLink(a.page, 'l1');
    await selectLink(b.page, 'l1');
    await selectLink(monitor.page, 'l1');

    // No handover yet: who is logged in as the post's operator now, at both ends.
    await expect.poll(() => dutyLine(a.page, 'a1').getAttribute('data-duty')).toBe('logged-in');
    expect(await dutyLine(a.page, 'a1').getAttribute('data-user')).toBe('op-a1');
    await expect.poll(() => dutyLine(b.page, 'a1').getAttribute('data-user')).toBe('op-a1');
    expect(await dutyLine(b.page, 'a1').textContent()).toContain('On duty: logged in now: Operator a1');
    await expect.poll(() => dutyLine(a.page, 'b1').getAttribute('data-user')).toBe('op-b1');
    await expect.poll(() => dutyLine(monitor.page, 'a1').getAttribute('data-user')).toBe('op-a1');
    // The other end has no button to hand A1 over; the monitor none at all.
    expect(await b.page.locator('.duty-handover-open').count()).toBe(1); // for its own post, B1
    expect(await monitor.page.locator('.duty-handover-open').count()).toBe(0);

    // A handover to someone who is not an operator of A1 (op-a2, an operator of A2): the console
    // offers only A1's operators, so the choice is put in by hand as a tampered page would.
    const before = await headSeqs(cluster.redis.client(), ['l1', 'l4']);
    await a.page.locator('.duty-handover-open').click();
    const dialog = a.page.locator('dialog.duty-dialog');
    await dialog.waitFor();
    const offered = await dialog.locator('#duty-to option:not([disabled])').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    // A1's operators; op-a1 itself too (nobody has taken the shift yet: taking it is a handover to oneself).
    expect(offered).toEqual(['op-a1', 'sup-a1']);
    expect(await dialog.locator('#duty-to option[value="op-a1"]').textContent()).toBe('Operator a1 (you)');
    await dialog.locator('#duty-to').evaluate((select) => {
      const s = select as unknown as { ownerDocument: { createElement(tag: string): { value: string; textContent: string } }; append(o: unknown): void };
      const o = s.ownerDocument.createElement('option');
      o.value = 'op-a2';
      o.textContent = 'Operator a2';
      s.append(o);
    });
    await dialog.locator('#duty-to').selectOption('op-a2');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.getByRole('button', { name: 'Confirm handover' }).click();
    // op-a2 is not in op-a1's view of the topology: named by its id.
    await expect.poll(() => dialog.locator('.duty-error').textContent()).toBe('op-a2 is not an operator of Post A1: the handover was refused and nothing was written.');
    expect(await dialog.evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(true);
    await screenshot(a.page, 'duty-error-desktop-en');
    expect(await headSeqs(cluster.redis.client(), ['l1', 'l4'])).toEqual(before);
    expect(await handovers('l1')).toEqual([]);
    expect(await handovers('l4')).toEqual([]);

    // The real handover: to sup-a1, with a note, confirmed.
    await dialog.locator('#duty-to').selectOption('sup-a1');
    await dialog.locator('#duty-note').fill(NOTE);
    await dialog.getByRole('button', { name: 'Continue' }).click();
    expect(await dialog.locator('.duty-confirm').textContent()).toBe(
      'Hand Post A1 over from Operator a1 to Supervisor a1? The handover is signed by this console and written on 2 hotlines of the post, seen at both ends.',
    );
    expect(await dialog.locator('.duty-error').textContent()).toBe('');
    await dialog.getByRole('button', { name: 'Confirm handover' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // Both ends, and the monitor: sup-a1 on duty at A1, not connected yet, the handover line in the thread.
    for (const p of [a.page, b.page, monitor.page]) {
      await expect.poll(() => dutyLine(p, 'a1').getAttribute('data-user')).toBe('sup-a1');
      expect(await dutyLine(p, 'a1').getAttribute('data-duty')).toBe('handover');
      expect(await dutyLine(p, 'a1').getAttribute('title')).toBe(`Handover note: ${NOTE}`);
      expect(await dutyLine(p, 'a1').locator('.duty-who').textContent()).toBe('On duty: Supervisor a1');
      expect(await dutyLine(p, 'a1').locator('.duty-presence').textContent()).toBe('not connected');
      const line = p.locator('.messages[data-link="l1"] li.duty-handover[data-post="a1"]');
      await line.waitFor();
      expect(await line.locator('.thread-alert-text').textContent()).toBe(`Post A1: shift handed over: Operator a1 → Supervisor a1 · ${NOTE}`);
    }
    // The handover went on A1's other link too, and op-a1's console shows it there.
    await selectLink(a.page, 'l4');
    await a.page.locator('.messages[data-link="l4"] li.duty-handover[data-post="a1"]').waitFor();
    await selectLink(a.page, 'l1');

    // The incoming operator logs in: the other end sees them online, live (presence, no polling).
    const incoming = await open(0, 'sup-a1');
    await expect.poll(() => dutyLine(b.page, 'a1').locator('.duty-presence').textContent()).toBe('online');
    await selectLink(incoming.page, 'l1');
    await expect.poll(() => dutyLine(incoming.page, 'a1').getAttribute('data-user')).toBe('sup-a1');

    // The note on tap, and the roster at both ends.
    await dutyLine(b.page, 'a1').locator('summary').click();
    expect(await dutyLine(b.page, 'a1').locator('.duty-note-text').isVisible()).toBe(true);
    for (const p of [a.page, b.page]) {
      await p.locator('.thread-head .duty-roster-toggle').click();
      const item = p.locator('.duty-roster-post[data-post="a1"] .duty-roster-item');
      await expect.poll(() => item.count()).toBe(1);
      expect(await item.locator('.duty-roster-who').textContent()).toBe('Operator a1 → Supervisor a1');
      expect(await item.locator('.duty-roster-note').textContent()).toBe(NOTE);
      expect(await p.locator('.duty-roster-post[data-post="b1"] .empty').textContent()).toBe('No handover recorded yet.');
    }
    await screenshot(b.page, 'duty-other-end-desktop-en');

    // The entries: one per link of A1, signed by op-a1's console key (registered on that link), and
    // the record verifies with signatures required.
    for (const linkId of ['l1', 'l4']) {
      const log = await readLog(cluster.redis.client(), linkId);
      const entry = log.find((e): e is EntryOf<'duty.handover'> => e.type === 'duty.handover')!;
      expect(entry.payload).toEqual({ postId: 'a1', from: null, to: 'sup-a1', note: NOTE });
      expect(entry.actor).toMatchObject({ userId: 'op-a1', postId: 'a1' });
      const key = log.find((e): e is Extract<Entry, { type: 'key.registered' }> => e.type === 'key.registered' && e.payload.keyId === entry.sig?.keyId);
      expect(key?.actor.userId).toBe('op-a1');
      const res = await fetch(`${cluster.nodes[0]!.url}/api/links/${linkId}/export`, { headers: { authorization: `Bearer ${tokenFor('monitor', 'monitor')}` } });
      expect(res.status).toBe(200);
      const file = path.join(dir, `${linkId}.ndjson`);
      writeFileSync(file, await res.text());
      const verify = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/verify.ts'), file, '--require-signatures'], { cwd: ROOT });
      expect(verify.stdout).toContain('INTACT');
    }

    // The refused handover is the one failed load the browser logged; nothing else went wrong.
    expect(a.errors).toEqual(['op-a1 console: Failed to load resource: the server responded with a status of 400 (Bad Request)']);
    expect([...b.errors, ...monitor.errors, ...incoming.errors]).toEqual([]);
  });

  it('shows the thread head, the roster and the handover dialog at phone and desktop size in every language', async () => {
    // A handover exists (the test above); this looks at the views, each language in its own context.
    await waitFor(async () => (await handovers('l1')).length > 0);
    for (const lang of LANGUAGES) {
      const p = await open(0, 'sup-a1', { language: lang });
      const page = p.page;
      await selectLink(page, 'l1');
      await dutyLine(page, 'a1').locator('.duty-note').waitFor();
      expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { dir: string } } }).document.documentElement.dir)).toBe(lang === 'en' ? 'ltr' : 'rtl');
      // The handover line in the thread: the sentence in the page's direction (not the first name's),
      // the post and the people in it isolated.
      const event = page.locator('.messages[data-link="l1"] li.duty-handover[data-post="a1"] .thread-alert-text').first();
      await event.waitFor();
      expect(await inPage<string>(event, 'return getComputedStyle(e).direction')).toBe(lang === 'en' ? 'ltr' : 'rtl');
      expect(await event.locator('bdi').allTextContents()).toEqual(['Post A1', 'Operator a1', 'Supervisor a1']);
      expect(await dutyLine(page, 'a1').locator('.duty-who bdi').textContent()).toBe('Supervisor a1');
      for (const [size, viewport] of [
        ['desktop', VIEWPORT],
        ['phone', PHONE],
      ] as const) {
        await page.setViewportSize(viewport);
        await page.locator('.thread-head .duty-roster-toggle').click();
        await page.locator('.thread-head .duty-roster').waitFor();
        await dutyLine(page, 'a1').locator('summary').click();
        await screenshot(page, `duty-head-roster-${size}-${lang}`);
        await dutyLine(page, 'a1').locator('summary').click();
        await page.locator('.thread-head .duty-roster-toggle').click();
        await page.locator('.thread-head .duty-roster').waitFor({ state: 'detached' });
        await screenshot(page, `duty-head-${size}-${lang}`);
        await page.locator('.duty-handover-open').click();
        const dialog = page.locator('dialog.duty-dialog');
        await dialog.waitFor();
        await dialog.locator('#duty-to').selectOption('op-a1');
        await dialog.locator('#duty-note').fill(lang === 'en' ? NOTE : `${NOTE} ${lang}`);
        await screenshot(page, `duty-dialog-${size}-${lang}`);
        await dialog.locator('button.duty-next').click();
        await dialog.locator('.duty-confirm').waitFor();
        await screenshot(page, `duty-confirm-${size}-${lang}`);
        await dialog.locator('button.duty-back').click();
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'hidden' });
      }
      expect(p.errors).toEqual([]);
      await p.context.close();
    }
  });
});
