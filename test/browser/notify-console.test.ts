import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { ContactRulesAnswer, NotificationAttempt, TopologyInput } from '@hotline/shared';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, tokenFor, type TestClient } from '../helpers/clients.js';
import { FAST_POLICIES } from '../helpers/topology.js';
import { waitFor } from '../helpers/wait.js';
import { signReply, WebhookReceiver } from '../helpers/webhook-receiver.js';
import { VIEWPORT, buildConsoleDir, launchBrowser, openConsole, screenshot, type ConsolePage } from './harness.js';

/**
 * Notifications in the console, in a real Chromium against real server processes, Redis, BullMQ and a
 * real gateway (an HTTP receiver started here that checks each delivery's signature): an alert on l1
 * escalates to the counterpart's commander, whose rules try push (not set up on this deployment, so
 * skipped) and then SMS; the receiver answers 200; the commander's timeline and inbox show the attempts;
 * a signed "ACK <code>" reply from the commander's phone acknowledges the alert, and both the raiser's
 * and the commander's consoles say it came through SMS. Then the commander edits their contact rules:
 * a refusal at the delay field, another at the address field (an address another user holds), and a
 * save the API confirms. Screenshots of the timeline, the inbox and the editor at phone and desktop
 * sizes in every interface language go to test/artifacts/.
 */
const SECRET = 'sms-gateway-secret-for-console-0123';
const PHONE = { width: 390, height: 844 };
const COMMANDER_PHONE = '+92 300 111 0001';
const OTHER_PHONE = '+92 300 111 0002';

let built: Awaited<ReturnType<typeof buildConsoleDir>>;
let cluster: TestCluster;
let browser: Browser;
const sms = new WebhookReceiver(SECRET);
const pages: ConsolePage[] = [];
const clients: TestClient[] = [];

function notifications(url: string): TopologyInput['notifications'] {
  return {
    gateways: [
      { id: 'sms', kind: 'sms', url, secret: SECRET, events: ['escalation', 'alert', 'flash'], deadline: '2m', timeout: '2s' },
      // Carries only alerts for posts with no console online: an escalation step naming it is skipped.
      { id: 'radio', kind: 'radio', url, secret: SECRET, events: ['alert'], deadline: '2m', timeout: '2s' },
    ],
    bundleWindow: 0,
    defaultRules: [],
    contacts: {
      'cmd-sb1': [
        { channel: 'push' },
        { channel: 'gateway', gateway: 'radio', address: 'SOUTH-6' },
        { channel: 'gateway', gateway: 'sms', address: COMMANDER_PHONE, delay: 200 },
      ],
      'cmd-sb2': [{ channel: 'gateway', gateway: 'sms', address: OTHER_PHONE }],
    },
  };
}

beforeAll(async () => {
  built = await buildConsoleDir();
  await sms.start();
  cluster = await startCluster({
    nodes: 1,
    env: { HOTLINE_CONSOLE_DIR: built.dir, HOTLINE_NOTIFY_BACKOFF: '50ms', HOTLINE_NOTIFY_BACKOFF_MAX: '400ms' },
    topology: {
      policies: [...FAST_POLICIES, { id: 'commanders', name: 'Counterpart commanders', onCounterpartOffline: 'wait', levels: [{ delay: 300, targets: ['counterpart-commanders'] }] }],
      policySelection: { default: 'commanders', drill: 'drill' },
      extra: { notifications: notifications(sms.url) },
    },
  });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.allSettled(pages.map((p) => p.context.close()));
  await browser?.close();
  await cluster?.stop();
  await sms.close();
  built?.remove();
});

async function api<T>(user: string, role: 'operator' | 'commander', path: string): Promise<T> {
  const res = await fetch(`${cluster.nodes[0]!.url}${path}`, { headers: { authorization: `Bearer ${tokenFor(user, role)}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/** Shows the element at the top of the screen (the panes stack on a phone), then takes the screenshot. */
async function shotAt(page: Page, selector: string, name: string): Promise<void> {
  await page.locator(selector).first().evaluate((el) => (el as { scrollIntoView(o: object): void }).scrollIntoView({ block: 'start' }));
  await screenshot(page, name);
}

describe('notifications in the console', () => {
  it('shows every attempt in the timeline and the inbox, an SMS acknowledgement on both sides, and edits contact rules', async () => {
    const url = cluster.nodes[0]!.url;
    const raiserPage = await openConsole(browser, url, 'op-a1', { viewport: PHONE });
    const cmd = await openConsole(browser, url, 'cmd-sb1');
    pages.push(raiserPage, cmd);
    const page = cmd.page;

    const raiser = await connectClient(url, 'op-a1');
    clients.push(raiser);
    const { alert } = await raiser.raiseAlert({ linkId: 'l1', kind: 'small-arms-fire', severity: 2, description: 'Firing from the ridge near the river crossing' });

    // The gateway receives a signed delivery for the commander.
    const delivery = await waitFor(() => sms.deliveries().find((d) => (d.body.to as { userId: string }).userId === 'cmd-sb1'), { message: 'no SMS for cmd-sb1', timeout: 20_000 });
    expect(sms.badSignatures).toEqual([]);
    const code = delivery.body.code as string;

    // The escalation brings the alert forward; its timeline shows push skipped (why), SMS queued, sent, delivered.
    const detail = page.locator(`.alert-detail[data-alert="${alert.alertId}"]`);
    await detail.locator('.tl-attempt[data-attempt="delivered"][data-channel="gateway:sms"]').waitFor({ timeout: 20_000 });
    const rows = async () =>
      detail.locator('.timeline > li').evaluateAll((els) =>
        (els as { className: string; querySelector(s: string): { textContent: string | null } | null }[]).map((e) => `${e.querySelector('.tl-what')?.textContent ?? ''} | ${e.querySelector('.tl-who')?.textContent ?? ''} | ${e.querySelector('.tl-text')?.textContent ?? ''}`),
      );
    const before = await rows();
    expect(before[0]).toMatch(/^Raised \|/);
    // Push is not set up on this deployment, so its step is not even queued; the radio gateway does not carry escalations.
    expect(before).toContain('Radio not sent | to Commander sb1 | this gateway does not carry this event');
    expect(before.some((r) => /^SMS queued \| to Commander sb1 \| goes out at \d\d:\d\d:\d\d unless acknowledged$/.test(r))).toBe(true);
    expect(before).toContain('SMS sent (attempt 1) | to Commander sb1 | ');
    expect(before).toContain('SMS delivered | to Commander sb1 | HTTP 200');
    // In time order, the escalation entry before its notifications.
    const at = (re: RegExp) => before.findIndex((r) => re.test(r));
    expect(at(/^Escalated/)).toBeLessThan(at(/^SMS queued/));
    expect(at(/^SMS queued/)).toBeLessThan(at(/^SMS sent/));
    expect(at(/^SMS sent/)).toBeLessThan(at(/^SMS delivered/));
    // The same as the server's record, which the console drew.
    const recorded = (await api<{ attempts: NotificationAttempt[] }>('cmd-sb1', 'commander', `/api/alerts/${alert.alertId}/notifications`)).attempts;
    expect(await detail.locator('.tl-attempt').count()).toBe(recorded.length);

    // The inbox card says how the commander was reached.
    const card = page.locator(`.inbox-list li.esc[data-alert="${alert.alertId}"] .esc-attempts`);
    await expect.poll(() => card.textContent()).toMatch(/^Radio not sent · SMS delivered \d\d:\d\d:\d\d$/);
    await shotAt(page, '.timeline', 'notify-timeline-1366x768-en');
    await page.setViewportSize(PHONE);
    await shotAt(page, '.inbox-pane', 'notify-inbox-390x844-en');
    await shotAt(page, '.timeline', 'notify-timeline-390x844-en');
    await page.setViewportSize(VIEWPORT);

    // A signed reply from the commander's phone acknowledges the alert.
    const body = JSON.stringify({ messageId: 'gw-console-1', from: '+923001110001', text: `ACK ${code}` });
    const res = await fetch(`${url}/api/gateways/sms/replies`, { method: 'POST', headers: signReply(SECRET, body), body });
    expect(res.status).toBe(200);

    // The commander's timeline: the acknowledgement entry says it came through SMS, and the attempt is on the record.
    await detail.locator('.tl-item.alert-acknowledged').waitFor();
    expect(await detail.locator('.tl-item.alert-acknowledged .tl-what').textContent()).toBe('Acknowledged through SMS');
    await detail.locator('.tl-attempt[data-attempt="acknowledged-through"]').waitFor();
    expect(await detail.locator('.tl-attempt[data-attempt="acknowledged-through"] .tl-what').textContent()).toBe('Reply by SMS accepted');
    expect(await detail.locator('.facts').textContent()).toContain('through SMS');
    await expect.poll(() => card.textContent()).toMatch(/^Radio not sent · SMS delivered \d\d:\d\d:\d\d · acknowledged through SMS \d\d:\d\d:\d\d$/);
    // The raiser's console is told, and its thread says so.
    await raiserPage.page.locator('.notice-success', { hasText: 'through SMS' }).waitFor();
    expect(await raiserPage.page.locator('.notice-success').first().textContent()).toMatch(/^ACKNOWLEDGED by Post B1 at \d\d:\d\d:\d\d: your Small-arms fire alert on Link 1 \(through SMS\)/);
    expect(await raiserPage.page.locator('.thread-alert-text', { hasText: 'acknowledged' }).first().textContent()).toBe('Small-arms fire alert acknowledged by Commander sb1, on behalf of Post B1 (through SMS)');
    await screenshot(raiserPage.page, 'notify-raiser-acknowledged-390x844-en');
    await shotAt(page, '.timeline', 'notify-timeline-acknowledged-1366x768-en');

    // The notification figures in the reports.
    await page.locator('#tab-reports').click();
    await page.getByRole('button', { name: 'Show' }).click();
    const channels = page.locator('table[data-table="notify-channels"]');
    await channels.waitFor();
    expect(await channels.locator('tr[data-row="channel-gateway:sms"] td[data-col="delivered"]').textContent()).toBe('1');
    expect(await channels.locator('tr[data-row="channel-gateway:sms"] td[data-col="acknowledged-through"]').textContent()).toBe('1');
    expect(await channels.locator('tr[data-row="channel-gateway:radio"] td[data-col="skipped"]').textContent()).toBe('1');
    expect(await page.locator('table[data-table="notify-times"] tr[data-row="to-acknowledgement"] td[data-col="count"]').textContent()).toBe('1');
    await shotAt(page, 'section[data-report="notifications"]', 'notify-reports-1366x768-en');
    await page.locator('#tab-alerts').click();

    // The contact rules editor: seeded rules, a delay shorter than the step before refused at its field.
    await page.getByRole('button', { name: 'Contacts' }).click();
    const dialog = page.locator('dialog.contacts-dialog[open]');
    await dialog.locator('[data-source="seeded"]').waitFor();
    expect(await dialog.locator('.contact-step').count()).toBe(3);
    await dialog.locator('#ct-0-delay').fill('2');
    await dialog.locator('#ct-1-delay').fill('1');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.locator('#ct-1-delay-error').textContent()).toBe('Must not be shorter than the step before');
    expect(await dialog.locator('#ct-1-delay').getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.locator('.contacts-status').textContent()).toBe('Not saved: correct the marked fields.');
    await screenshot(page, 'notify-contacts-error-1366x768-en');
    await page.setViewportSize(PHONE);
    await dialog.locator('#ct-1-delay').scrollIntoViewIfNeeded();
    await screenshot(page, 'notify-contacts-error-390x844-en');
    await page.setViewportSize(VIEWPORT);
    // Nothing changed on the server.
    expect((await api<ContactRulesAnswer>('cmd-sb1', 'commander', '/api/notifications/contacts')).source).toBe('seeded');

    // An address another user holds on the gateway: CONFLICT, shown at the address field.
    await dialog.locator('#ct-0-delay').fill('1');
    await dialog.locator('#ct-2-delay').fill('1');
    await dialog.getByRole('button', { name: 'Add a step' }).click();
    await dialog.locator('#ct-3-channel').selectOption('gateway:sms');
    await dialog.locator('#ct-3-address').fill(OTHER_PHONE);
    await dialog.locator('#ct-3-delay').fill('5');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.locator('#ct-3-address-error').textContent()).toBe('Another user registered this address on this gateway');
    expect((await api<ContactRulesAnswer>('cmd-sb1', 'commander', '/api/notifications/contacts')).source).toBe('seeded');

    // Corrected, the radio step removed and the SMS step moved first: saved, as the API confirms.
    await dialog.locator('#ct-3-address').fill('+92 300 999 0009');
    await dialog.getByRole('button', { name: 'Remove step 2' }).click();
    await dialog.getByRole('button', { name: 'Move step 2 up' }).click();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.locator('.contacts-status').textContent()).toBe('Saved.');
    const saved = await api<ContactRulesAnswer>('cmd-sb1', 'commander', '/api/notifications/contacts');
    expect(saved).toEqual({
      source: 'own',
      push: false,
      gateways: [
        { id: 'sms', kind: 'sms' },
        { id: 'radio', kind: 'radio' },
      ],
      steps: [
        { channel: 'gateway', gateway: 'sms', address: COMMANDER_PHONE, delay: 60_000 },
        { channel: 'push', delay: 60_000 },
        { channel: 'gateway', gateway: 'sms', address: '+92 300 999 0009', delay: 300_000 },
      ],
    });
    expect(await dialog.locator('[data-source="own"]').count()).toBe(1);
    await screenshot(page, 'notify-contacts-1366x768-en');
    await page.setViewportSize(PHONE);
    await screenshot(page, 'notify-contacts-390x844-en');
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Every other language: timeline, inbox and editor, at both sizes.
    for (const lang of ['ur', 'ps', 'fa-AF']) {
      await page.setViewportSize(VIEWPORT);
      await page.locator('#console-language').selectOption(lang);
      await page.locator(`html[lang="${lang}"]`).waitFor();
      await page.locator('.conn[data-status="connected"]').waitFor();
      await page.locator(`.alert-detail[data-alert="${alert.alertId}"] .tl-attempt[data-attempt="acknowledged-through"]`).waitFor({ timeout: 20_000 });
      await page.locator(`.inbox-list li.esc[data-alert="${alert.alertId}"] .esc-attempts`).waitFor();
      expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
      await shotAt(page, '.timeline', `notify-timeline-1366x768-${lang}`);
      await page.setViewportSize(PHONE);
      await shotAt(page, '.inbox-pane', `notify-inbox-390x844-${lang}`);
      await shotAt(page, '.timeline', `notify-timeline-390x844-${lang}`);
      // On a phone the top bar has no Contacts button: the rules open from the identity button's dialog.
      expect(await page.locator('.contacts-btn').isVisible()).toBe(false);
      await page.locator('.identity').click();
      await page.locator('dialog.about-dialog[open] .about-contacts').click();
      await page.locator('dialog.contacts-dialog[open] [data-source="own"]').waitFor();
      expect(await page.locator('dialog.about-dialog[open]').count()).toBe(0);
      await screenshot(page, `notify-contacts-390x844-${lang}`);
      await page.setViewportSize(VIEWPORT);
      await screenshot(page, `notify-contacts-1366x768-${lang}`);
      await page.locator('dialog.contacts-dialog .contacts-close').click();
    }
    // The browser logs the two refused saves (400, 409) as failed loads; nothing else went wrong.
    expect(raiserPage.errors).toEqual([]);
    expect(cmd.errors).toEqual([
      'cmd-sb1 console: Failed to load resource: the server responded with a status of 400 (Bad Request)',
      'cmd-sb1 console: Failed to load resource: the server responded with a status of 409 (Conflict)',
    ]);
  }, 240_000);

  it('shows an exercise session the rules read-only; the server refuses its change too', async () => {
    const url = cluster.nodes[0]!.url;
    const token = tokenFor('cmd-sb2', 'commander', { drill: true });
    const me = (await (await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${token}` } })).json()) as { user: unknown; expiresAt: number; drill: boolean };
    expect(me.drill).toBe(true);
    const context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-GB', timezoneId: 'Asia/Karachi' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    pages.push({ context, page, user: 'cmd-sb2', errors });
    await page.goto(url);
    await page.evaluate((session) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('hotline:session', session), JSON.stringify({ token, expiresAt: me.expiresAt, user: me.user }));
    await page.reload();
    await page.locator('.conn[data-status="connected"]').waitFor();
    // Opened without the login form, in the language of the user's side: English, to read its labels.
    if ((await page.locator('html').getAttribute('lang')) !== 'en') {
      await page.locator('#console-language').selectOption('en');
      await page.locator('html[lang="en"]').waitFor();
      await page.locator('.conn[data-status="connected"]').waitFor();
    }
    await page.locator('.exercise-session').waitFor();
    await page.getByRole('button', { name: 'Contacts' }).click();
    const dialog = page.locator('dialog.contacts-dialog[open]');
    await dialog.locator('[data-source="seeded"]').waitFor();
    expect(await dialog.locator('.contacts-readonly').textContent()).toBe('An exercise session cannot change contact rules: shown read-only.');
    expect(await dialog.locator('.contacts-save').isVisible()).toBe(false);
    expect(await dialog.locator('.contacts-add').count()).toBe(0);
    expect(await dialog.locator('.step-tools').count()).toBe(0);
    expect(await dialog.locator('#ct-0-address').getAttribute('readonly')).not.toBeNull();
    expect(await dialog.locator('#ct-0-channel').isDisabled()).toBe(true);
    await screenshot(page, 'notify-contacts-exercise-1366x768-en');
    const put = await fetch(`${url}/api/notifications/contacts`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ steps: [{ channel: 'push' }] }),
    });
    expect(put.status).toBe(403);
    expect((await api<ContactRulesAnswer>('cmd-sb2', 'commander', '/api/notifications/contacts')).source).toBe('seeded');
    expect(errors).toEqual([]);
  }, 60_000);
});
