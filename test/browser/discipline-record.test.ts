import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Alert, Entry } from '@hotline/shared';
import { connectClient, tokenFor, type TestClient } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait.js';
import type { TestCluster } from '../helpers/cluster.js';
import { readLog } from '../helpers/log.js';
import { formatMs } from '../../console/src/format.js';
import {
  FLASH_DEADLINE,
  LINE_CHECK,
  buildConsoleDir,
  inPageAll,
  launchBrowser,
  openConsole,
  rewriteLog,
  screenshot,
  startDisciplineCluster,
  type ConsolePage,
} from './harness.js';

/**
 * Hotline discipline and the verifiable record in the console, in Debian's Chromium against real
 * servers: flash deadlines with their countdown, acknowledgement and escalation; line checks; the
 * record verified in the browser; reports; a log rewritten behind a console's back.
 */

let built: Awaited<ReturnType<typeof buildConsoleDir>>;
let cluster: TestCluster;
let browser: Browser;
const pages: ConsolePage[] = [];
const clients: TestClient[] = [];
/** Console messages the browser itself logs while a test stops the servers on purpose. */
const NETWORK_NOISE = /WebSocket connection to .* failed|Failed to load resource|net::ERR_/;
let expectedNetworkNoise = new Set<ConsolePage>();

async function open(node: number, user: string): Promise<ConsolePage> {
  const p = await openConsole(browser, cluster.nodes[node]!.url, user);
  pages.push(p);
  return p;
}

async function client(node: number, user: string): Promise<TestClient> {
  const c = await connectClient(cluster.nodes[node]!.url, user);
  clients.push(c);
  return c;
}

/** The monitor's console, opened once and kept for the record tests. */
async function monitor(): Promise<ConsolePage> {
  return pages.find((p) => p.user === 'monitor') ?? open(1, 'monitor');
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
  for (const c of clients) c.close();
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
    // A1's own signing key, in its about panel, is the key the record registers for op-a1 and signs with.
    await a.page.locator('button.identity').click();
    const keyId = await a.page.locator('.about-dialog[open] .key-id').getAttribute('data-key-id');
    const l1 = await readLog(cluster.redis.client(), 'l1');
    expect(l1.find((e) => e.seq === seq)!.sig?.keyId).toBe(keyId);
    expect(l1.filter((e) => e.type === 'key.registered' && e.actor.userId === 'op-a1').map((e) => e.type === 'key.registered' && e.payload.keyId)).toContain(keyId);
    expect(await a.page.locator('.about-dialog .key-id').textContent()).toBe(keyId!.replace(/(.{4})(?=.)/g, '$1 '));
    await screenshot(a.page, 'about-key');
    await a.page.keyboard.press('Escape');
    await a.page.locator('.about-dialog[open]').waitFor({ state: 'detached' });
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

    // Exercise traffic stays marked: an EXERCISE flash, in the thread and the side list at both ends.
    await a.page.locator('form.composer .exercise-toggle').click();
    await send(a, 'EXERCISE FLASH: simulated contact at pillar 9', 'flash');
    await a.page.locator('form.composer .exercise-toggle').click();
    const ex = await seqOf(a, 'EXERCISE FLASH: simulated contact at pillar 9');
    for (const p of [a, b]) {
      expect(await p.page.locator(`.msg.drill[data-seq="${ex}"] .exercise-badge`).textContent()).toBe('EXERCISE');
      await p.page.locator(`.deadline-card.drill[data-deadline-id="MSG-l1-${ex}"] .exercise-badge`).waitFor();
    }
    await b.page.locator(`.deadline-card[data-deadline-id="MSG-l1-${ex}"] .msg-ack`).click();
    await a.page.locator(`.msg[data-seq="${ex}"][data-ack="acknowledged"]`).waitFor();

    // Nobody acknowledges the next one: at its deadline it escalates, and both ends say to whom.
    await send(a, 'FLASH: nobody answers this one', 'flash');
    const late = await seqOf(a, 'FLASH: nobody answers this one');
    for (const p of [a, b]) {
      const line = p.page.locator(`.msg[data-seq="${late}"] .deadline-line.escalated`);
      await line.waitFor({ timeout: FLASH_DEADLINE + 10_000 });
      expect(await line.textContent()).toMatch(/^⬆ Escalated at \d\d:\d\d:\d\d: level 1, notified Supervisor b1 and Commander sb1$/);
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

describe('reports and the verifiable record in the console', () => {
  it('the reports view shows the figures of a known set of alerts and flash traffic, with CSV downloads', async () => {
    const a = await client(0, 'op-a2');
    const b = await client(1, 'op-b2');
    const raise = async (kind: 'small-arms-fire' | 'drone' | 'explosion', severity: 2 | 3 | 4, drill = false) =>
      (await a.raiseAlert({ linkId: 'l2', kind, severity, description: `report: ${kind}`, drill })).alert;
    const real = [await raise('small-arms-fire', 3), await raise('small-arms-fire', 4), await raise('drone', 2)];
    const drill = await raise('explosion', 2, true);
    // Alerts on l2 (and drills) escalate once, at once, to the joint command; wait for each.
    const redis = cluster.redis.client();
    await waitFor(async () => {
      const log = await readLog(redis, 'l2');
      return [...real, drill].every((x) => log.some((e) => e.type === 'alert.escalated' && e.payload.alertId === x.alertId));
    });
    const acked: Alert[] = [(await b.ackAlert(real[0]!.alertId)).alert, (await b.ackAlert(real[1]!.alertId)).alert];
    await b.resolveAlert(real[1]!.alertId, 'ceasefire holds');
    await a.cancelAlert(real[2]!.alertId, 'a bird');
    await b.ackAlert(drill.alertId);
    // One flash acknowledged in time, one immediate still waiting.
    const flash = (await a.send('l2', 'FLASH for the report', { precedence: 'flash' })).entry;
    await waitFor(() => b.cursor('l2') >= flash.seq);
    const flashAck = (await b.ackMessage('l2', flash.seq)).deadline;
    await a.send('l2', 'IMMEDIATE for the report', { precedence: 'immediate' });

    const m = await monitor();
    await m.page.getByRole('tab', { name: 'Reports' }).click();
    const panel = m.page.locator('#panel-reports');
    await panel.getByLabel('Report on link').selectOption('l2');
    await panel.getByRole('button', { name: 'Show report' }).click();
    await m.page.locator('.reports-view[data-state="shown"]').waitFor();
    const cells = async (table: string, row: string) =>
      inPageAll<Record<string, string>>(
        panel.locator(`[data-table="${table}"] tr[data-row="${row}"] td`),
        'return Object.fromEntries(els.map((e) => [e.dataset.col, e.textContent]))',
      );
    const times = acked.map((x) => x.acknowledgedAt! - x.raisedAt).sort((p, q) => p - q);
    expect(await cells('incidents', 'incidents')).toEqual({ real: '3', drill: '1' });
    expect(await cells('incidents', 'acknowledged')).toEqual({ real: '2', drill: '1' });
    expect(await cells('incidents', 'ack-median')).toMatchObject({ real: formatMs(times[0]!) });
    expect(await cells('incidents', 'ack-p90')).toMatchObject({ real: formatMs(times[1]!) });
    expect(await cells('incidents', 'ack-worst')).toMatchObject({ real: formatMs(times[1]!) });
    expect(await cells('incidents', 'escalations')).toEqual({ real: '3', drill: '1' });
    expect(await cells('incidents', 'esc-level-1')).toEqual({ real: '3', drill: '1' });
    expect(await cells('incidents', 'kind-small-arms-fire')).toEqual({ real: '2', drill: '0' });
    expect(await cells('incidents', 'kind-drone')).toEqual({ real: '1', drill: '0' });
    expect(await cells('incidents', 'kind-explosion')).toEqual({ real: '0', drill: '1' });
    expect(await cells('incidents', 'severity-2')).toEqual({ real: '1', drill: '1' });
    expect(await cells('incidents', 'severity-4')).toEqual({ real: '1', drill: '0' });
    expect(await cells('incidents', 'state-resolved')).toEqual({ real: '1', drill: '0' });
    expect(await cells('incidents', 'state-cancelled')).toEqual({ real: '1', drill: '0' });
    expect(await cells('precedence', 'l2:flash')).toEqual({
      sent: '1',
      acknowledged: '1',
      awaiting: '0',
      escalated: '0',
      'ack-median': formatMs(flashAck.acknowledgedAt! - flashAck.sentAt),
      'ack-p90': formatMs(flashAck.acknowledgedAt! - flashAck.sentAt),
      'ack-worst': formatMs(flashAck.acknowledgedAt! - flashAck.sentAt),
    });
    expect(await cells('precedence', 'l2:immediate')).toMatchObject({ sent: '1', acknowledged: '0', awaiting: '1' });
    await screenshot(m.page, 'reports');

    // CSV: the server's own for incidents, one made in the page for discipline.
    const [incidentsCsv] = await Promise.all([m.page.waitForEvent('download'), panel.locator('[data-csv="incidents"]').click()]);
    const csv = readFileSync((await incidentsCsv.path())!, 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^period_from,period_to,link,traffic,incidents,/);
    expect(csv.find((l) => l.split(',')[2] === 'l2' && l.split(',')[3] === 'real')!.split(',')[4]).toBe('3');
    const [disciplineCsv] = await Promise.all([m.page.waitForEvent('download'), panel.locator('[data-csv="discipline"]').click()]);
    const dcsv = readFileSync((await disciplineCsv.path())!, 'utf8');
    expect(dcsv).toMatch(/,l2,precedence,flash,sent,1\n/);
    expect(dcsv).toMatch(/,l2,precedence,immediate,awaiting,1\n/);
  });

  /** Traffic of both kinds on l4 from two SDK clients, then a quiet log (every receipt written). */
  async function busyLink4(): Promise<Entry[]> {
    const a = await client(0, 'op-a1');
    const b = await client(1, 'op-b2');
    const redis = cluster.redis.client();
    await a.send('l4', 'Routine traffic on link 4: patrol at pillar 12');
    const flash = (await a.send('l4', 'FLASH on link 4: shots near the culvert', { precedence: 'flash' })).entry;
    await waitFor(() => b.cursor('l4') >= flash.seq);
    await b.ackMessage('l4', flash.seq);
    const raised = (await a.raiseAlert({ linkId: 'l4', kind: 'small-arms-fire', severity: 3, description: 'Shots near the culvert' })).alert;
    await b.ackAlert(raised.alertId, 'seen');
    const reply = (await b.send('l4', 'Received: patrol on its way')).entry;
    await waitFor(async () => {
      const log = await readLog(redis, 'l4');
      const delivered = (post: string, seq: number) => log.some((e) => e.type === 'receipt' && e.payload.kind === 'delivered' && e.payload.postId === post && e.payload.uptoSeq >= seq);
      return delivered('a1', reply.seq) && delivered('b2', flash.seq);
    });
    a.close();
    b.close();
    return readLog(redis, 'l4');
  }

  async function verify(m: ConsolePage, linkId: string): Promise<void> {
    await m.page.getByRole('tab', { name: 'Record' }).click();
    const panel = m.page.locator('#panel-record');
    await panel.getByLabel('Link to verify').selectOption(linkId);
    await panel.getByRole('button', { name: 'Fetch and verify' }).click();
    await m.page.locator('.record-view[data-state="intact"], .record-view[data-state="not-intact"]').waitFor();
  }

  it('a monitor verifies a link’s export in the browser: INTACT with the counts; an entry edited in Redis: NOT INTACT, naming it', async () => {
    const original = await busyLink4();
    const m = await monitor();
    await verify(m, 'l4');
    const result = m.page.locator('.verify-result');
    expect(await result.getAttribute('data-result')).toBe('intact');
    expect(await result.locator('.verdict').textContent()).toBe('INTACT');
    const count = async (key: string) => Number(await m.page.locator(`.counts-table tr[data-count="${key}"] td`).textContent());
    expect(await count('entries')).toBe(original.length);
    expect((await count('signed')) + (await count('serverEntries')) + (await count('keys'))).toBe(original.length);
    expect(await count('keys')).toBeGreaterThanOrEqual(2);
    expect(await count('unsigned')).toBe(0);
    expect(await count('quotesChecked')).toBeGreaterThanOrEqual(3);
    expect(await m.page.locator('.types-table tr[data-type="message"] td').textContent()).toBe(String(original.filter((e) => e.type === 'message').length));
    await screenshot(m.page, 'record-intact');
    // The export, as a file: exactly what was verified.
    const [download] = await Promise.all([m.page.waitForEvent('download'), m.page.getByRole('button', { name: 'Download the export (.ndjson)' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^l4-.*\.ndjson$/);
    const lines = readFileSync((await download.path())!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; entries?: number });
    expect(lines[0]!.kind).toBe('header');
    expect(lines.at(-1)).toMatchObject({ kind: 'end', entries: original.length });

    // Someone with write access to Redis edits what was said.
    const edited = original.find((e) => e.type === 'message' && e.payload.text.startsWith('Routine traffic on link 4'))!;
    await rewriteLog(
      cluster.redis.client(),
      'l4',
      original.map((e) => (e.seq === edited.seq && e.type === 'message' ? { ...e, payload: { ...e.payload, text: 'we never said that' } } : e)),
    );
    await verify(m, 'l4');
    expect(await result.getAttribute('data-result')).toBe('not-intact');
    expect(await result.getAttribute('data-bad-seq')).toBe(String(edited.seq));
    expect(await result.locator('.verdict').textContent()).toBe('NOT INTACT');
    expect(await result.locator('.first-bad').textContent()).toMatch(
      new RegExp(`^First bad: entry ${edited.seq} \\(line \\d+\\): hash does not match the content \\(the entry was altered\\)$`),
    );
    await screenshot(m.page, 'record-not-intact');
    await rewriteLog(cluster.redis.client(), 'l4', original);
    await verify(m, 'l4');
    expect(await result.getAttribute('data-result')).toBe('intact');
  });

  it('a console that holds a checkpoint shows a persistent integrity warning, naming link and entry, once the log is rewritten behind its back', async () => {
    const m = await monitor();
    const redis = cluster.redis.client();
    const original = await busyLink4();
    const bar = m.page.locator('.integrity-bar');
    expect(await bar.isVisible()).toBe(false);
    // The server signs every head now; the console gets the checkpoint and keeps it.
    const made = await fetch(`${cluster.nodes[0]!.url}/api/checkpoints`, { method: 'POST', headers: { authorization: `Bearer ${tokenFor('admin', 'admin')}` } });
    expect(((await made.json()) as { made: number }).made).toBeGreaterThan(0);
    const cp = await waitFor(async () => {
      const held = JSON.parse((await m.page.evaluate<string | null>("localStorage.getItem('hotline:u:monitor:checkpoint:l4')")) ?? 'null') as { seq: number } | null;
      return held && held.seq === original.length ? held : null;
    });
    // A rewrite no chain check can see: an entry edited before the checkpoint, the chain recomputed.
    const target = original.find((e) => e.type === 'message' && e.seq < cp.seq)!;
    await rewriteLog(
      redis,
      'l4',
      original.map((e) => (e.seq === target.seq && e.type === 'message' ? { ...e, payload: { ...e.payload, text: 'rewritten' } } : e)),
      { rechain: true },
    );
    // The next time the console reads the log (here: a reload) it says so, and keeps saying so.
    await m.page.reload();
    await m.page.locator('.conn[data-status="connected"]').waitFor();
    await bar.waitFor();
    expect(await bar.locator('.integrity-title').textContent()).toBe(`⚠ RECORD INTEGRITY WARNING: Link 4 (l4), entry ${cp.seq}`);
    expect(await bar.locator(`li[data-link="l4"][data-seq="${cp.seq}"]`).textContent()).toContain('signed');
    await screenshot(m.page, 'integrity-warning');
    await m.page.getByRole('tab', { name: 'Alerts' }).click();
    expect(await bar.isVisible()).toBe(true);
    await m.page.reload();
    await bar.waitFor();
    // The verifier in the browser agrees: the edited message's signature no longer verifies, and the
    // console's own checkpoint differs from the export.
    await verify(m, 'l4');
    expect(await m.page.locator('.verify-result').getAttribute('data-bad-seq')).toBe(String(target.seq));
    expect(await m.page.locator('.first-bad').textContent()).toContain('does not verify');
    expect(await m.page.locator('.own-checkpoint').textContent()).toMatch(new RegExp(`^entry ${cp.seq}, signed \\d\\d:\\d\\d:\\d\\d: ✗ the export DIFFERS$`));
    await rewriteLog(redis, 'l4', original);
    // Folded to one line, it stays; cleared only on a second press.
    await bar.getByRole('button', { name: 'Fold to one line' }).click();
    await m.page.locator('.integrity-bar.folded').waitFor();
    await bar.getByRole('button', { name: 'Show details' }).click();
    const clear = bar.getByRole('button', { name: 'Clear after reporting' });
    await clear.click();
    expect(await bar.isVisible()).toBe(true);
    await bar.getByRole('button', { name: 'Press again to clear this warning' }).click();
    await bar.waitFor({ state: 'hidden' });
  });

  it('says plainly at the login that it cannot sign on an insecure origin (plain http, not localhost)', async () => {
    const insecure = await launchBrowser([`--host-resolver-rules=MAP hotline.insecure.test 127.0.0.1`]);
    try {
      const page = await (await insecure.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(msg.text());
      });
      await page.goto(`http://hotline.insecure.test:${cluster.nodes[0]!.port}/`);
      const note = page.locator('#insecure-origin');
      await note.waitFor();
      expect(await note.textContent()).toContain('WebCrypto');
      expect(await note.textContent()).toContain('https');
      expect(await page.getByRole('button', { name: 'Log in' }).isDisabled()).toBe(true);
      expect(await page.getByLabel('User').isDisabled()).toBe(true);
      await screenshot(page, 'insecure-origin');
      expect(errors).toEqual([]);
    } finally {
      await insecure.close();
    }
  });
});
