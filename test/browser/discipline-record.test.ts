import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Entry } from '@hotline/shared';
import { waitFor } from '../helpers/wait.js';
import type { TestCluster } from '../helpers/cluster.js';
import { readLog } from '../helpers/log.js';
import { FLASH_DEADLINE, LINE_CHECK, buildConsoleDir, inPageAll, launchBrowser, openConsole, screenshot, startDisciplineCluster, type ConsolePage } from './harness.js';

/**
 * Hotline discipline and the verifiable record in the console, in Debian's Chromium against real
 * servers: flash deadlines with their countdown, acknowledgement and escalation; line checks; the
 * record verified in the browser; reports; a log rewritten behind a console's back.
 */

let built: Awaited<ReturnType<typeof buildConsoleDir>>;
let cluster: TestCluster;
let browser: Browser;
const pages: ConsolePage[] = [];
/** Console messages the browser itself logs while a test stops the servers on purpose. */
const NETWORK_NOISE = /WebSocket connection to .* failed|Failed to load resource|net::ERR_/;
let expectedNetworkNoise = new Set<ConsolePage>();

async function open(node: number, user: string): Promise<ConsolePage> {
  const p = await openConsole(browser, cluster.nodes[node]!.url, user);
  pages.push(p);
  return p;
}

async function close(...ps: ConsolePage[]): Promise<void> {
  for (const p of ps) {
    expect(p.errors.filter((e) => !(expectedNetworkNoise.has(p) && NETWORK_NOISE.test(e)))).toEqual([]);
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
  const errors = pages.flatMap((p) => p.errors.filter((e) => !(expectedNetworkNoise.has(p) && NETWORK_NOISE.test(e))));
  for (const p of pages) p.errors.length = 0;
  expectedNetworkNoise = new Set();
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

  it('a line check prompts both posts; one answers, the other does not: the answer, the miss and the line-fault alert; a late check says what it stands for', async () => {
    const a = await open(0, 'op-a3');
    const b = await open(1, 'op-b3');
    // Checks have run on l3 since the servers started. Wait for one that starts now that both are here.
    const since = Date.now();
    const prompts = (p: ConsolePage) => inPageAll<string[]>(p.page.locator('.linecheck-prompt'), 'return els.map((e) => e.dataset.check)');
    const checkId = await waitFor(async () => (await prompts(a)).find((id) => Number(id.split('-').pop()) > since), {
      timeout: LINE_CHECK.every + 10_000,
      message: 'no line check prompt at A3',
    });
    // Both posts are prompted (at B3 perhaps inside the takeover of an earlier line fault).
    const promptA = a.page.locator(`.console > .linecheck-bar .linecheck-prompt[data-check="${checkId}"]`);
    expect(await promptA.locator('.lc-title').textContent()).toMatch(/^Line check: answer within 0:0[0-3]$/);
    await b.page.locator(`.linecheck-prompt.state-unanswered[data-check="${checkId}"]`).first().waitFor();
    await screenshot(a.page, 'linecheck-prompt');

    // A3 answers from the keyboard: Alt+L puts the focus on ANSWER.
    await a.page.keyboard.press('Alt+L');
    expect(await a.page.evaluate('document.activeElement.className')).toBe('linecheck-answer');
    await a.page.keyboard.press('Enter');
    await a.page.locator(`.linecheck-prompt.state-answered[data-check="${checkId}"]`).waitFor();
    expect(await a.page.locator(`.linecheck-prompt[data-check="${checkId}"] .lc-title`).textContent()).toMatch(/^✓ Line check answered at \d\d:\d\d:\d\d by Operator a3/);
    // B3 never answers. When the window closes, both consoles show the answer, the miss and the fault.
    const closed = a.page.locator(`.thread-event.linecheck-closed[data-check="${checkId}"]`);
    await closed.waitFor({ timeout: LINE_CHECK.window + 10_000 });
    expect(await closed.textContent()).toContain('Line check closed: answered by Post A3; MISSED by Post B3: a line-fault alert was raised');
    await a.page.locator(`.linecheck-prompt[data-check="${checkId}"]`).waitFor({ state: 'detached' });
    const head = a.page.locator(`.thread-linecheck[data-check="${checkId}"]`);
    expect(await inPageAll(head.locator('.lc-post'), 'return els.map((e) => e.textContent)')).toEqual([
      expect.stringMatching(/^✓ Post A3 answered \d\d:\d\d:\d\d$/),
      '✗ Post B3 MISSED',
    ]);
    expect(await a.page.locator(`.thread-event.linecheck-answered[data-check="${checkId}"]`).textContent()).toContain('Post A3 answered the line check (Operator a3)');
    await a.page.locator('.notice', { hasText: 'Link 3: Line check closed: answered by Post A3; MISSED by Post B3' }).waitFor();
    const log = await readLog(cluster.redis.client(), 'l3');
    const closedEntry = log.find((e) => e.type === 'linecheck.closed' && e.payload.checkId === checkId) as Entry & { type: 'linecheck.closed' };
    expect(closedEntry.payload).toMatchObject({ answered: ['a3'], missed: ['b3'] });
    const faultId = closedEntry.payload.alertId!;
    // The fault is an ordinary alert, raised by the system against the silent post.
    const card = a.page.locator(`.alert-card[data-alert="${faultId}"]`);
    await card.waitFor();
    expect(await card.locator('.alert-card-where').textContent()).toMatch(/^Link 3: raised by the system: Post B3 did not answer the line check, \d\d:\d\d:\d\d$/);
    await screenshot(a.page, 'linecheck-outcome');

    // At B3 it takes over the screen like any incoming alert (after any older faults, oldest first).
    for (let i = 0; ; i++) {
      expect(i).toBeLessThan(20);
      await b.page.locator('dialog.takeover[open]').waitFor();
      const showing = await b.page.locator('html').getAttribute('data-takeover');
      if (showing === faultId) break;
      await b.page.locator('.takeover-ack:not([disabled])').click();
      await b.page.locator(`html:not([data-takeover="${showing}"])`).waitFor({ state: 'attached' });
    }
    const takeover = b.page.locator('dialog.takeover[open]');
    expect(await takeover.locator('.takeover-title').textContent()).toBe('LINE FAULT');
    expect(await takeover.locator('.takeover-kicker').textContent()).toBe('INCOMING ALERT · Link 3 · raised by the system');
    expect(await takeover.locator('.takeover-facts').textContent()).toMatch(/by the system \(line check not answered\)$/);
    expect(await takeover.locator('.takeover-desc').textContent()).toMatch(/^Line check of \d\d:\d\d:\d\d not answered by Post B3$/);
    await screenshot(b.page, 'linecheck-fault-takeover');
    await close(b);

    // All servers down across two scheduled times: the first check after the restart is late and says
    // it stands for the times missed.
    expectedNetworkNoise.add(a);
    await Promise.all(cluster.nodes.map((n) => n.kill()));
    const last = Date.now();
    await a.page.locator('.conn:not([data-status="connected"])').waitFor();
    await waitFor(() => Date.now() > last + 2 * LINE_CHECK.every + 500, { timeout: 3 * LINE_CHECK.every });
    await Promise.all(cluster.nodes.map((n) => n.start()));
    const lateCheck = await waitFor(async () =>
      (await readLog(cluster.redis.client(), 'l3')).find((e): e is Entry & { type: 'linecheck.started' } => e.type === 'linecheck.started' && e.ts > last),
    );
    expect(lateCheck.payload).toMatchObject({ late: true });
    // The console, back on line, shows it in the thread (and prompts for it, if its window is still open).
    const late = a.page.locator(`.thread-event.linecheck-started.late[data-check="${lateCheck.payload.checkId}"]`);
    await late.waitFor({ timeout: 20_000 });
    expect(await late.locator('.thread-alert-text').textContent()).toMatch(
      /LATE: the service was down; this one check stands for the [2-9] scheduled checks due up to \d\d:\d\d:\d\d\.$/,
    );
    await a.page.locator('.conn[data-status="connected"]').waitFor();
    await screenshot(a.page, 'linecheck-late');
    await close(a);
  });
});
