import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Entry } from '@hotline/shared';
import type { TestCluster } from '../helpers/cluster.js';
import { connectClient, type TestClient } from '../helpers/clients.js';
import { readLog } from '../helpers/log.js';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';
import { buildConsoleDir, inPage, inPageAll, launchBrowser, login, openConsole, screenshot, startConsoleCluster, type ConsolePage } from './harness.js';

/**
 * The console in Debian's Chromium against two real server nodes on a private Redis: users on both
 * sides of a link in separate browser contexts (separate storage, separate sockets), as at two posts.
 */

let built: Awaited<ReturnType<typeof buildConsoleDir>>;
let cluster: TestCluster;
let browser: Browser;
const pages: ConsolePage[] = [];
const clients: TestClient[] = [];
const proxies: TcpProxy[] = [];
/** Console messages the browser itself logs while a test has cut the network on purpose. */
const NETWORK_NOISE = /WebSocket connection to .* failed|Failed to load resource|net::ERR_/;
let expectedNetworkNoise = new Set<ConsolePage>();

async function open(node: number, user: string): Promise<ConsolePage> {
  const p = await openConsole(browser, cluster.nodes[node]!.url, user);
  pages.push(p);
  return p;
}

const composer = (p: ConsolePage) => p.page.getByRole('textbox', { name: 'Message' });
const html = (page: Page) => page.locator('html');

async function send(p: ConsolePage, text: string): Promise<void> {
  await composer(p).fill(text);
  await composer(p).press('Enter');
}

/** Raises an alert through the form, as an operator would. */
async function raise(p: ConsolePage, kind: string, options: { severity?: string; description?: string; drill?: boolean } = {}): Promise<void> {
  await p.page.getByRole('button', { name: '⚠ Raise alert' }).click();
  const dialog = p.page.locator('dialog.raise-dialog');
  await dialog.getByText(kind, { exact: true }).click();
  if (options.severity) await dialog.getByText(options.severity, { exact: true }).click();
  if (options.description) await dialog.getByRole('textbox', { name: 'Description' }).fill(options.description);
  if (options.drill) await dialog.getByText('EXERCISE (drill): not a real incident').click();
  await dialog.getByRole('button', { name: options.drill ? 'RAISE EXERCISE ALERT' : 'RAISE ALERT', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
}

/** The id of the newest alert a page shows in its thread. */
async function lastAlertId(p: ConsolePage): Promise<string> {
  const id = await p.page.locator('.thread-alert.alert-raised').last().getAttribute('data-alert');
  expect(id).toMatch(/^AL-/);
  return id!;
}

beforeAll(async () => {
  built = await buildConsoleDir();
  cluster = await startConsoleCluster(built.dir, 2);
  browser = await launchBrowser();
});

afterEach(() => {
  // No console errors and no uncaught page errors, on any page of the test.
  const errors = pages.flatMap((p) => p.errors.filter((e) => !(expectedNetworkNoise.has(p) && NETWORK_NOISE.test(e))));
  for (const p of pages) p.errors.length = 0;
  expectedNetworkNoise = new Set();
  expect(errors).toEqual([]);
});

afterAll(async () => {
  // A server that died must show up as such, not as a browser timeout.
  for (const n of cluster?.nodes ?? []) if (!n.running) console.error(`server ${n.nodeId} died:\n${n.output.slice(-40).join('\n')}`);
  for (const c of clients) c.close();
  await Promise.allSettled(pages.map((p) => p.context.close()));
  await browser?.close();
  await Promise.allSettled(proxies.map((p) => p.close()));
  await cluster?.stop();
  built?.remove();
});

describe('the console in a real browser', () => {
  it('a message typed at one post appears at the other, its read mark comes back, RTL reads right to left', async () => {
    const a = await open(0, 'op-a1');
    const b = await open(1, 'op-b1');
    const text = 'Movement near pillar 41: two vehicles heading east.';
    await send(a, text);
    // At the other post (through the other node), in the open thread...
    const atB = b.page.locator('.msg.in', { hasText: text });
    await atB.waitFor();
    expect(await atB.locator('.msg-sender').textContent()).toBe('Post A1');
    // ...which B's console reads, so A's copy turns "Read".
    const mine = a.page.locator('.msg.mine', { hasText: text });
    await a.page.locator('.msg.mine[data-mark="read"]', { hasText: text }).waitFor();
    expect(await mine.locator('.msg-mark').textContent()).toMatch(/^✓✓ Read \d\d:\d\d:\d\d$/);

    // Right-to-left Urdu beside left-to-right English: each message finds its own direction.
    const urdu = 'شمال کی طرف سے فائرنگ کی آواز آ رہی ہے';
    await send(b, urdu);
    const rtl = a.page.locator('.msg.in', { hasText: urdu }).locator('.msg-text');
    await rtl.waitFor();
    expect(await rtl.getAttribute('dir')).toBe('auto');
    expect(await inPage(rtl, 'return getComputedStyle(e).direction')).toBe('rtl');
    expect(await inPage(mine.locator('.msg-text'), 'return getComputedStyle(e).direction')).toBe('ltr');
    // Rendered right to left: the first letter sits to the right of the last.
    const firstRightOfLast = await inPage(
      rtl,
      `const t = e.firstChild, r = document.createRange();
       r.setStart(t, 0); r.setEnd(t, 1); const first = r.getBoundingClientRect();
       r.setStart(t, t.length - 1); r.setEnd(t, t.length); const last = r.getBoundingClientRect();
       return first.left > last.left;`,
    );
    expect(firstRightOfLast).toBe(true);
    // The unread count of A's link dropped once A's console showed it.
    await a.page.locator('.link-item[data-link="l1"] .unread-badge').waitFor({ state: 'detached' });

    // A pre-agreed phrase goes out in both sides' languages and reads as a phrase at the other end.
    await a.page.getByRole('button', { name: 'Phrases' }).click();
    await a.page.locator('.phrase-option[data-phrase="cease-fire"]').click();
    expect((await composer(a).inputValue()).split('\n')).toEqual(['فائرنگ بند کریں۔', 'Cease fire.', 'ډزې ودروئ.']);
    await composer(a).press('Enter');
    const phrase = b.page.locator('.msg.in .msg-text.phrase[data-phrase="cease-fire"]');
    await phrase.waitFor();
    expect(await inPageAll(phrase.locator('.phrase-line'), 'return els.map((e) => e.lang)')).toEqual(['ps', 'en', 'ur']);

    // Flash precedence stands out.
    await a.page.locator('label.prec-option.prec-flash').click();
    await send(a, 'Cease fire at once at pillar 41.');
    const flash = b.page.locator('.msg.in.prec-flash', { hasText: 'Cease fire at once' });
    await flash.waitFor();
    expect(await flash.locator('.prec-badge').textContent()).toBe('FLASH');
    await a.page.locator('.msg.mine[data-mark="read"]', { hasText: 'Cease fire at once' }).waitFor();
    await screenshot(a.page, 'operator-view');
  });

  it('an alert raised at one post takes over the other and rings; acknowledging stops the alarm and the countdown on both sides', async () => {
    const [a, b] = [pages.find((p) => p.user === 'op-a1')!, pages.find((p) => p.user === 'op-b1')!];
    expect(await html(b.page).getAttribute('data-alarm')).toBe('idle');
    await raise(a, 'Small-arms fire', { description: 'Firing from the ridge above pillar 41' });

    const takeover = b.page.locator('dialog.takeover[open]');
    await takeover.waitFor();
    expect(await takeover.locator('.takeover-title').textContent()).toBe('SMALL-ARMS FIRE');
    expect(await takeover.locator('.takeover-desc').textContent()).toBe('Firing from the ridge above pillar 41');
    // The siren: a Web Audio oscillator playing into a running AudioContext.
    await b.page.locator('html[data-alarm="ringing"]').waitFor({ state: 'attached' });
    expect(await html(b.page).getAttribute('data-audio')).toBe('running');
    // The raising post hears nothing but sees the same countdown to the next escalation (10 minutes).
    expect(await html(a.page).getAttribute('data-alarm')).toBe('idle');
    const alertId = await lastAlertId(a);
    const countdownA = a.page.locator(`.alert-card[data-alert="${alertId}"] [data-alert-countdown] .countdown`);
    await countdownA.waitFor();
    expect(await countdownA.textContent()).toMatch(/^(9:[0-5]\d|10:00)$/);
    expect(await takeover.locator('.countdown').textContent()).toMatch(/^(9:[0-5]\d|10:00)$/);
    await screenshot(b.page, 'alert-takeover');

    // Not by accident: Escape does not dismiss it, a click on "silence" does not silence it.
    await b.page.keyboard.press('Escape');
    await b.page.getByRole('button', { name: 'Hold to silence alarm' }).click();
    expect(await b.page.locator('.hold-button.holding').count()).toBe(0);
    expect(await takeover.isVisible()).toBe(true);
    expect(await html(b.page).getAttribute('data-alarm')).toBe('ringing');

    // Acknowledge with the keyboard once the button has armed.
    await b.page.locator('.takeover-ack:not([disabled])').waitFor();
    await b.page.locator('.takeover-ack').focus();
    await b.page.keyboard.press('Enter');
    await b.page.locator('dialog.takeover[open]').waitFor({ state: 'detached' });
    await b.page.locator('html[data-alarm="idle"]').waitFor({ state: 'attached' });
    // The countdown is gone on both sides, and both show it acknowledged.
    for (const p of [a, b]) {
      await p.page.locator(`.alert-card[data-alert="${alertId}"].state-acknowledged`).waitFor();
      expect(await p.page.locator(`[data-alert-countdown="${alertId}"]`).count()).toBe(0);
      await p.page.locator(`.thread-alert.alert-acknowledged[data-alert="${alertId}"]`).waitFor();
    }
  });

  it('an alert nobody acknowledges reaches the commander as an escalation, with sound; the commander acts on behalf of the post', async () => {
    const cmd = await open(0, 'cmd-sb1');
    const raiser = await connectClient(cluster.nodes[1]!.url, 'op-a2');
    clients.push(raiser);
    const { alert } = await raiser.raiseAlert({ linkId: 'l2', kind: 'drone', severity: 2, description: 'Drone crossing toward B2' });

    // Level 2 of the fast policy notifies the counterpart's sector commander.
    const esc = cmd.page.locator(`.esc.unread[data-alert="${alert.alertId}"]`);
    await esc.waitFor();
    expect(await esc.locator('.esc-step').textContent()).toContain('level 2');
    await cmd.page.locator('html[data-chime="ringing"]').waitFor({ state: 'attached' });
    expect(await cmd.page.locator('.inbox-btn').textContent()).toMatch(/^\d+ new escalations?/);
    await esc.locator('.esc-open').click();
    const detail = cmd.page.locator(`.alert-detail[data-alert="${alert.alertId}"]`);
    await detail.waitFor();
    expect(await detail.locator('.acting-for').textContent()).toBe('You act on behalf of Post B2 (Side B)');
    await screenshot(cmd.page, 'commander-view');

    await detail.getByRole('button', { name: 'Acknowledge' }).click();
    await cmd.page.locator(`.alert-detail[data-alert="${alert.alertId}"].state-acknowledged`).waitFor();
    const ack = await waitFor(() => raiser.entries.find((e) => e.type === 'alert.acknowledged' && e.payload.alertId === alert.alertId));
    expect(ack.actor).toEqual({ userId: 'cmd-sb1', role: 'commander', postId: 'b2' });

    // Reading the inbox stops the chime.
    await cmd.page.getByRole('button', { name: 'Mark all read (stops the chime)' }).click();
    await cmd.page.locator('html[data-chime="idle"]').waitFor({ state: 'attached' });
    expect(await cmd.page.locator('.esc.unread').count()).toBe(0);

    // Filters: by link and by state.
    await cmd.page.getByLabel('Link', { exact: true }).selectOption('l2');
    await cmd.page.getByLabel('State', { exact: true }).selectOption('acknowledged');
    await cmd.page.locator(`.alert-row[data-alert="${alert.alertId}"]`).waitFor();
    expect(await cmd.page.locator('.alert-row').count()).toBe(1);
    await cmd.page.getByLabel('State', { exact: true }).selectOption('open');
    await cmd.page.locator(`.alert-row[data-alert="${alert.alertId}"]`).waitFor({ state: 'detached' });
  });

  it('a post taken offline queues a message and an alert in the visible outbox; both arrive exactly once when it comes back', async () => {
    const proxy = await startProxy([cluster.nodes[0]!.port]);
    proxies.push(proxy);
    const a = await openConsole(browser, proxy.url, 'op-a3');
    pages.push(a);
    expectedNetworkNoise.add(a);
    const b = await open(1, 'op-b3');

    proxy.cut();
    await a.context.setOffline(true);
    await a.page.locator('.conn[data-status="offline"]').waitFor();
    expect(await a.page.locator('.conn .conn-label').textContent()).toBe('OFFLINE: no network');

    const text = 'Sent while the line was down: patrol back at the post.';
    await send(a, text);
    await raise(a, 'Explosion', { severity: '2 Moderate', description: 'Explosion heard east of the post' });
    const bar = a.page.locator('.outbox-bar');
    await bar.locator('.outbox-item[data-event="alert:raise"]').waitFor();
    expect(await inPageAll(bar.locator('.outbox-item'), 'return els.map((e) => e.dataset.event)')).toEqual(['hotline:send', 'alert:raise']);
    expect(await bar.locator('.outbox-head').textContent()).toContain('OUTBOX: 2 waiting');
    expect(await a.page.locator('.msg.pending', { hasText: text }).locator('.msg-mark').textContent()).toContain('In outbox');
    expect(await a.page.locator('.outbox-btn').textContent()).toBe('Outbox: 2');
    await screenshot(a.page, 'offline-outbox');

    await a.context.setOffline(false);
    proxy.restore();
    await a.page.locator('.conn[data-status="connected"]').waitFor();
    await bar.waitFor({ state: 'hidden' });

    // At the other post: the message and the alert, once each, in the order they were made.
    await b.page.locator('dialog.takeover[open]').waitFor();
    expect(await b.page.locator('.takeover-title').textContent()).toBe('EXPLOSION');
    await b.page.locator('.msg.in', { hasText: text }).waitFor();
    const shown = async (p: ConsolePage) => ({
      messages: await p.page.locator('.msg', { hasText: text }).count(),
      alerts: await p.page.locator('.thread-alert.alert-raised', { hasText: 'Explosion heard east of the post' }).count(),
    });
    expect(await shown(b)).toEqual({ messages: 1, alerts: 1 });
    await a.page.locator('.msg.mine:not(.pending)', { hasText: text }).waitFor();
    expect(await shown(a)).toEqual({ messages: 1, alerts: 1 });
    const log = await readLog(cluster.redis.client(), 'l3');
    const sent = log.filter((e) => e.type === 'message' && e.payload.text === text);
    const raised = log.filter((e): e is Extract<Entry, { type: 'alert.raised' }> => e.type === 'alert.raised' && e.payload.description === 'Explosion heard east of the post');
    expect(sent).toHaveLength(1);
    expect(raised).toHaveLength(1);
    expect(sent[0]!.seq).toBeLessThan(raised[0]!.seq);

    await b.page.locator('.takeover-ack:not([disabled])').waitFor();
    await b.page.getByRole('button', { name: 'ACKNOWLEDGE', exact: true }).click();
    await b.page.locator('dialog.takeover[open]').waitFor({ state: 'detached' });
  });

  it('drill traffic is marked EXERCISE on messages, alerts and escalations', async () => {
    const a = pages.find((p) => p.user === 'op-a1')!;
    const b = await open(1, 'op-b2');
    const sup = await open(0, 'sup-b2');
    await a.page.locator('.link-item[data-link="l4"]').click();
    await a.page.locator('form.composer .exercise-toggle').click();
    expect(await a.page.locator('button.send').textContent()).toBe('Send EXERCISE');
    await send(a, 'Exercise: simulated contact at pillar 12');
    // B2 has two links; the message waits, counted unread, on Link 4.
    await b.page.locator('.link-item[data-link="l4"] .unread-badge', { hasText: '1' }).waitFor();
    await b.page.locator('.link-item[data-link="l4"]').click();
    const msg = b.page.locator('.msg.in.drill', { hasText: 'simulated contact' });
    await msg.waitFor();
    expect(await msg.locator('.exercise-badge').textContent()).toBe('EXERCISE');

    await raise(a, 'Border crossing', { drill: true, description: 'Exercise: group crossing at the culvert' });
    const takeover = b.page.locator('dialog.takeover.drill[open]');
    await takeover.waitFor();
    expect(await takeover.locator('.takeover-kicker').textContent()).toMatch(/^EXERCISE INCOMING ALERT/);
    expect(await takeover.locator('.exercise-strip').textContent()).toContain('EXERCISE');
    await screenshot(b.page, 'exercise-takeover');
    const alertId = await lastAlertId(a);
    expect(await a.page.locator(`.alert-card.drill[data-alert="${alertId}"] .exercise-badge`).textContent()).toBe('EXERCISE');

    // The drill policy escalates to the counterpart's supervisors at once; sup-b2 sees it marked.
    await sup.page.locator('.inbox-btn', { hasText: 'EXERCISE' }).waitFor();
    await b.page.locator('.takeover-ack:not([disabled])').waitFor();
    await b.page.getByRole('button', { name: 'ACKNOWLEDGE', exact: true }).click();
    await sup.page.locator('dialog.takeover[open]').waitFor({ state: 'detached' });
    await sup.page.locator('.inbox-btn').click();
    const esc = sup.page.locator(`.esc.drill[data-alert="${alertId}"]`);
    await esc.waitFor();
    expect(await esc.locator('.exercise-badge').textContent()).toBe('EXERCISE');
    expect(await sup.page.locator(`.alert-row.drill[data-alert="${alertId}"] .exercise-badge`).textContent()).toBe('EXERCISE');
  });

  it('the raising post cancels a false alarm (asked twice); an acknowledged alert gets a comment and is resolved', async () => {
    const [a, b] = [pages.find((p) => p.user === 'op-a1')!, pages.find((p) => p.user === 'op-b1')!];
    await a.page.locator('.link-item[data-link="l1"]').click();
    await raise(a, 'Drone', { severity: '1 Low', description: 'Bird, not a drone' });
    await b.page.locator('dialog.takeover[open]').waitFor();
    const falseAlarm = await lastAlertId(a);
    await a.page.locator(`.alert-card[data-alert="${falseAlarm}"]`).click();
    const cancel = a.page.locator('.alert-detail .cancel');
    await cancel.click();
    expect(await cancel.textContent()).toBe('Press again to cancel the alert');
    expect(await a.page.locator(`.alert-detail[data-alert="${falseAlarm}"].state-open`).count()).toBe(1);
    await cancel.click();
    await a.page.locator(`.alert-detail[data-alert="${falseAlarm}"].state-cancelled`).waitFor();
    await b.page.locator('dialog.takeover[open]').waitFor({ state: 'detached' });
    await b.page.locator('html[data-alarm="idle"]').waitFor({ state: 'attached' });

    await raise(a, 'Explosion', { description: 'Blast near the culvert' });
    await b.page.locator('.takeover-ack:not([disabled])').waitFor();
    const real = await lastAlertId(a);
    await b.page.getByRole('button', { name: 'ACKNOWLEDGE', exact: true }).click();
    await b.page.locator('dialog.takeover[open]').waitFor({ state: 'detached' });
    await b.page.locator(`.alert-card[data-alert="${real}"]`).click();
    const detail = b.page.locator(`.alert-detail[data-alert="${real}"]`);
    await detail.getByRole('textbox', { name: 'Comment' }).fill('Patrol on its way');
    await detail.getByRole('button', { name: 'Add comment' }).click();
    await detail.locator('.tl-item.alert-commented', { hasText: 'Patrol on its way' }).waitFor();
    await detail.getByRole('textbox', { name: 'Resolution' }).fill('Old ordnance, area cleared');
    await detail.getByRole('button', { name: 'Resolve' }).click();
    await b.page.locator(`.alert-detail[data-alert="${real}"].state-resolved`).waitFor();
    // The raising post, back on its hotline, reads the resolution in the thread.
    await a.page.getByRole('tab', { name: /Hotline/ }).click();
    await a.page.locator(`.thread-alert.alert-resolved[data-alert="${real}"]`, { hasText: 'Old ordnance, area cleared' }).waitFor();
    expect(await inPageAll(detail.locator('.tl-item'), 'return els.map((e) => e.className.split(" ")[1])')).toEqual([
      'alert-raised',
      'alert-acknowledged',
      'alert-commented',
      'alert-resolved',
    ]);
  });

  it('says when the browser holds the alarm sound back, until a click arms it', async () => {
    // The autoplay rule of desktop browsers (no sound before the user has touched the page), made
    // deterministic: Chromium's own heuristics may carry a user activation across pages of an origin.
    // Every AudioContext of the page starts suspended and resumes only inside a user gesture.
    const strict = await launchBrowser([]);
    try {
      const context = await strict.newContext({ viewport: { width: 1366, height: 768 } });
      await context.addInitScript(`{
        const Original = window.AudioContext;
        window.AudioContext = class extends Original {
          constructor(options) {
            super(options);
            void super.suspend();
          }
          resume() {
            return navigator.userActivation.isActive ? super.resume() : Promise.resolve();
          }
        };
      }`);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(msg.text());
      });
      await page.goto(cluster.nodes[0]!.url);
      await login(page, 'op-b3');
      // A reload is a page nobody has touched yet: the session is back, the sound is not.
      await page.reload();
      await page.locator('.conn[data-status="connected"]').waitFor();
      const banner = page.locator('button.sound-blocked');
      await banner.waitFor();
      expect(await banner.textContent()).toBe('Alarm sound not armed: click here once');
      expect(await html(page).getAttribute('data-audio')).toBe('suspended');
      await banner.click();
      await banner.waitFor({ state: 'hidden' });
      expect(await html(page).getAttribute('data-audio')).toBe('running');
      expect(errors).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('keeps the session across a reload, and logs out', async () => {
    const a = pages.find((p) => p.user === 'op-a1')!;
    await a.page.reload();
    await a.page.locator('.conn[data-status="connected"]').waitFor();
    expect(await a.page.locator('.user-name').textContent()).toBe('Operator a1');
    // Where the operator was comes back too (the hotline, on Link 1), and the history from the log, once.
    expect(await a.page.getByRole('tab', { name: /Hotline/ }).getAttribute('aria-selected')).toBe('true');
    expect(await a.page.locator('.link-item[data-link="l1"]').getAttribute('aria-current')).toBe('true');
    await a.page.locator('.msg', { hasText: 'Movement near pillar 41' }).waitFor();
    expect(await a.page.locator('.msg', { hasText: 'Movement near pillar 41' }).count()).toBe(1);
    // Keyboard: Alt+R opens the raise form, Escape closes it; Alt+M shows the map.
    await a.page.keyboard.press('Alt+R');
    await a.page.locator('dialog.raise-dialog[open]').waitFor();
    await a.page.keyboard.press('Escape');
    await a.page.locator('dialog.raise-dialog[open]').waitFor({ state: 'detached' });
    await a.page.keyboard.press('Alt+M');
    await a.page.locator('#panel-map svg.map').waitFor();

    await a.page.getByRole('button', { name: 'Log out' }).click();
    await a.page.getByRole('button', { name: 'Log in' }).waitFor();
    await a.page.reload();
    await a.page.getByRole('button', { name: 'Log in' }).waitFor();
    expect(await a.page.locator('.console').count()).toBe(0);
  });

  it('monitors see everything and can change nothing', async () => {
    const m = await open(1, 'monitor');
    expect(await m.page.getByRole('button', { name: '⚠ Raise alert' }).count()).toBe(0);
    await m.page.getByRole('tab', { name: /Hotline/ }).click();
    await m.page.locator('.link-item[data-link="l1"]').click();
    await m.page.locator('.msg', { hasText: 'Movement near pillar 41' }).waitFor();
    expect(await m.page.locator('.composer').count()).toBe(0);
    expect(await m.page.locator('.readonly-note').first().textContent()).toContain('Read-only');
    await m.page.getByRole('tab', { name: /Alerts/ }).click();
    await m.page.getByLabel('State', { exact: true }).selectOption('all');
    await m.page.locator('.alert-row').first().click();
    await m.page.locator('.detail-actions .readonly-note').waitFor();
    expect(await m.page.locator('.detail-actions button').count()).toBe(0);
    await m.page.getByRole('tab', { name: /Map/ }).click();
    expect(await m.page.locator('#panel-map .map-post').count()).toBe(6);
    await screenshot(m.page, 'monitor-map');
  });
});
