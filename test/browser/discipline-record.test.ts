import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Entry } from '@hotline/shared';
import type { TestCluster } from '../helpers/cluster.js';
import { readLog } from '../helpers/log.js';
import { FLASH_DEADLINE, buildConsoleDir, launchBrowser, openConsole, screenshot, startDisciplineCluster, type ConsolePage } from './harness.js';

/**
 * Hotline discipline and the verifiable record in the console, in Debian's Chromium against real
 * servers: flash deadlines with their countdown, acknowledgement and escalation; line checks; the
 * record verified in the browser; reports; a log rewritten behind a console's back.
 */

let built: Awaited<ReturnType<typeof buildConsoleDir>>;
let cluster: TestCluster;
let browser: Browser;
const pages: ConsolePage[] = [];

async function open(node: number, user: string): Promise<ConsolePage> {
  const p = await openConsole(browser, cluster.nodes[node]!.url, user);
  pages.push(p);
  return p;
}

async function close(...ps: ConsolePage[]): Promise<void> {
  for (const p of ps) {
    expect(p.errors).toEqual([]);
    pages.splice(pages.indexOf(p), 1);
    await p.context.close();
  }
}

/** Sends a message through the composer with a precedence, as an operator would. */
async function send(p: ConsolePage, text: string, precedence?: 'flash' | 'immediate'): Promise<void> {
  if (precedence) await p.page.locator(`label.prec-option.prec-${precedence}`).click();
  const box = p.page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

/** The seq of the message with this text, once the page holds it from the log. */
async function seqOf(p: ConsolePage, text: string): Promise<number> {
  const li = p.page.locator('.msg:not(.pending)', { hasText: text });
  await li.waitFor();
  return Number(await li.getAttribute('data-seq'));
}

beforeAll(async () => {
  built = await buildConsoleDir();
  cluster = await startDisciplineCluster(built.dir, 2);
  browser = await launchBrowser();
});

afterEach(() => {
  const errors = pages.flatMap((p) => p.errors);
  for (const p of pages) p.errors.length = 0;
  expect(errors).toEqual([]);
});

afterAll(async () => {
  for (const n of cluster?.nodes ?? []) if (!n.running) console.error(`server ${n.nodeId} died:\n${n.output.slice(-40).join('\n')}`);
  await Promise.allSettled(pages.map((p) => p.context.close()));
  await browser?.close();
  await cluster?.stop();
  built?.remove();
});

describe('hotline discipline in the console', () => {
  it('a flash message counts down at both posts until the counterpart acknowledges; unacknowledged, it escalates to the supervisor’s inbox', async () => {
    const a = await open(0, 'op-a1');
    const b = await open(1, 'op-b1');
    const sup = await open(0, 'sup-b1');

    await send(a, 'FLASH: cease fire at pillar 7', 'flash');
    const seq = await seqOf(a, 'FLASH: cease fire at pillar 7');
    const id = `MSG-l1-${seq}`;
    // Both ends: the message stands apart with a countdown to its deadline, in the thread and the side list.
    for (const p of [a, b]) {
      const msg = p.page.locator(`.msg[data-seq="${seq}"][data-ack="awaiting"]`);
      await msg.waitFor();
      expect(await msg.locator('.deadline-line.awaiting').textContent()).toMatch(/^Awaiting acknowledgement by Post B1: 0:0[1-8]$/);
      await p.page.locator(`.deadline-card[data-deadline-id="${id}"] .countdown`).waitFor();
    }
    // Only the counterpart may acknowledge.
    expect(await a.page.locator(`.msg[data-seq="${seq}"] .msg-ack`).count()).toBe(0);
    await screenshot(b.page, 'flash-awaiting');

    // B acknowledges with the keyboard.
    await b.page.locator(`.msg[data-seq="${seq}"] .msg-ack`).focus();
    await b.page.keyboard.press('Enter');
    for (const p of [a, b]) {
      const msg = p.page.locator(`.msg[data-seq="${seq}"][data-ack="acknowledged"]`);
      await msg.waitFor();
      expect(await msg.locator('.deadline-line.acked').textContent()).toMatch(/^✓ Acknowledged by Post B1 \(Operator b1\) at \d\d:\d\d:\d\d \(after \d+ s\)$/);
      expect(await msg.locator('.countdown').count()).toBe(0);
      await p.page.locator(`.deadline-card.state-acknowledged[data-deadline-id="${id}"]`).waitFor();
      expect(await p.page.locator(`.deadline-card[data-deadline-id="${id}"] .countdown`).count()).toBe(0);
    }
    const log = await readLog(cluster.redis.client(), 'l1');
    const message = log.find((e) => e.seq === seq)!;
    expect(log.find((e) => e.type === 'receipt' && e.payload.kind === 'ack' && e.payload.uptoSeq === seq)).toMatchObject({
      actor: { userId: 'op-b1', postId: 'b1' },
      payload: { uptoHash: message.hash },
    });

    // Nobody acknowledges the next one: at its deadline it escalates, and both ends say to whom.
    await send(a, 'FLASH: nobody answers this one', 'flash');
    const late = await seqOf(a, 'FLASH: nobody answers this one');
    for (const p of [a, b]) {
      const line = p.page.locator(`.msg[data-seq="${late}"] .deadline-line.escalated`);
      await line.waitFor({ timeout: FLASH_DEADLINE + 10_000 });
      expect(await line.textContent()).toMatch(/^⬆ Escalated at \d\d:\d\d:\d\d: level 1, notified Supervisor b1, Commander sb1$/);
      expect(await p.page.locator(`.msg[data-seq="${late}"] .deadline-line.overdue`).textContent()).toMatch(/^NOT ACKNOWLEDGED by Post B1/);
      await p.page.locator('.thread-event.msg-escalated', { hasText: 'not acknowledged by Post B1 in time' }).waitFor();
    }
    await screenshot(a.page, 'flash-escalated');

    // The supervisor's inbox has it as a message escalation, with the excerpt, and it chimes.
    const esc = sup.page.locator(`.esc.msg-esc.unread[data-deadline-id="MSG-l1-${late}"]`);
    await sup.page.locator('.inbox-btn').click();
    await esc.waitFor();
    expect(await esc.locator('.esc-excerpt').textContent()).toBe('FLASH: nobody answers this one');
    expect(await esc.locator('.esc-step').textContent()).toBe('Escalation step 1 · level 1');
    await sup.page.locator('html[data-chime="ringing"]').waitFor({ state: 'attached' });
    await screenshot(sup.page, 'message-escalation-inbox');

    // The supervisor is at the counterpart post: acknowledging from the inbox stops it at both ends.
    await esc.locator('.msg-ack').click();
    await a.page.locator(`.msg[data-seq="${late}"][data-ack="acknowledged"]`).waitFor();
    expect(await a.page.locator(`.msg[data-seq="${late}"] .deadline-line.acked`).textContent()).toContain('Acknowledged by Post B1 (Supervisor b1)');
    await esc.locator('.state-chip.state-acknowledged').waitFor();
    await sup.page.getByRole('button', { name: 'Mark all read (stops the chime)' }).click();
    await sup.page.locator('html[data-chime="idle"]').waitFor({ state: 'attached' });
    const entries = (await readLog(cluster.redis.client(), 'l1')) as Entry[];
    expect(entries.filter((e) => e.type === 'message.escalated' && e.payload.messageSeq === seq)).toEqual([]);
    await close(a, b, sup);
  });
});
