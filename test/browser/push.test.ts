import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import webpush from 'web-push';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { PushPayload, type Entry } from '@hotline/shared';
import { buildConsole } from '../../scripts/build.js';
import { verifyP256 } from '../../client-sdk/src/signer.js';
import { signingInput } from '@hotline/shared';
import { PushGrants } from '../../server/src/notify/push-grant.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, tokenFor, type TestClient } from '../helpers/clients.js';
import { PushEndpoint } from '../helpers/push-endpoint.js';
import { TEST_SECRET } from '../helpers/server.js';
import { FAST_POLICIES } from '../helpers/topology.js';
import { waitFor } from '../helpers/wait.js';
import { VIEWPORT, launchBrowser, login, screenshot } from './harness.js';

/**
 * Notifications and Web Push in the console, in real Chromium:
 *
 * - the console registers its service worker; turning notifications on asks for the permission
 *   (granted in the context) and tries to subscribe through pushManager. Chromium refuses ("AbortError:
 *   Registration failed - permission denied", and logs that it does not support the Push API in
 *   incognito mode): Playwright's browser contexts are off the record. (With a real profile whose
 *   settings allow notifications, subscribe() gets past that and waits for the browser's push service,
 *   which cannot be reached from here.) The console shows that push is unavailable, and the test
 *   registers on the server a subscription at a push endpoint it runs, bound to the console's own
 *   signing key and posted with the console's session, exactly as the console would have posted it;
 * - the server's real push (RFC 8291 encrypted, VAPID signed) is captured and decrypted at that
 *   endpoint, then delivered to the console's service worker through the DevTools protocol
 *   (ServiceWorker.deliverPushMessage); the notification it shows is read back with
 *   registration.getNotifications();
 * - Chromium gives no way to press a notification's button from a test: the test build of the service
 *   worker (and only it) runs the very notificationclick handler on a shown notification when it gets a
 *   "test:notification-action" message; that is how the Acknowledge action is pressed here;
 * - while the console is out of sight (focus emulation off and another tab in front), an incoming alert
 *   raises a system notification through the service worker, found the same way.
 */

/** What Chromium logs when pushManager.subscribe is called in a Playwright context (off the record). */
const INCOGNITO_PUSH = /does not support the Push API in incognito mode/;

/** How long a step may take on a loaded machine (the waits end as soon as it happens). */
const SLOW = 30_000;

const PUSH_POLICY = { id: 'push-once', name: 'Supervisors after 200 ms', onCounterpartOffline: 'wait' as const, levels: [{ delay: 200, targets: ['counterpart-supervisors' as const] }] };

describe('console notifications and Web Push (Chromium)', () => {
  const vapid = webpush.generateVAPIDKeys();
  const endpoint = new PushEndpoint(vapid.publicKey);
  let dir: string;
  let cluster: TestCluster;
  let url: string;
  let browser: Browser;
  let raiser: TestClient;
  const contexts: BrowserContext[] = [];
  /** Warnings of every console page (a notification the console could not show says why). */
  const warnings: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hotline-console-push-'));
    // A test build: its service worker also answers the test's "press this notification's action" message.
    await buildConsole({ quiet: true, outDir: dir, swTestHooks: true });
    await endpoint.start();
    cluster = await startCluster({
      nodes: 1,
      env: { HOTLINE_CONSOLE_DIR: dir, HOTLINE_VAPID_PUBLIC_KEY: vapid.publicKey, HOTLINE_VAPID_PRIVATE_KEY: vapid.privateKey, HOTLINE_NOTIFY_BACKOFF: '50ms' },
      topology: {
        policies: [...FAST_POLICIES, PUSH_POLICY],
        policySelection: { default: 'push-once', drill: 'push-once' },
        extra: { notifications: { push: { subject: 'mailto:ops@example.org', ttl: '5m', grantTtl: '10m' }, bundleWindow: 0 } },
      },
    });
    url = cluster.nodes[0]!.url;
    browser = await launchBrowser();
    raiser = await connectClient(url, 'op-a1');
  }, 120_000);
  afterAll(async () => {
    raiser?.close();
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await cluster?.stop();
    await endpoint.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A console for `user` in a context allowed to show notifications, its worker ready. */
  async function open(user: string, options: { viewport?: { width: number; height: number }; language?: string } = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: options.viewport ?? VIEWPORT, locale: 'en-GB', timezoneId: 'Asia/Karachi' });
    contexts.push(context);
    await context.grantPermissions(['notifications'], { origin: url });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
      if (m.type() === 'warning') warnings.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await login(page, user, undefined, options.language ?? 'en');
    await page.evaluate('navigator.serviceWorker.ready.then((r) => Boolean(r.active))');
    return { context, page, errors };
  }

  /** The console's service worker registration id, from the DevTools protocol's ServiceWorker domain. */
  async function registrationId(cdp: CDPSession): Promise<string> {
    const regs: { registrationId: string; scopeURL: string; isDeleted: boolean }[] = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (ev: { registrations: typeof regs }) => regs.push(...ev.registrations));
    await cdp.send('ServiceWorker.enable');
    const reg = await waitFor(() => regs.find((r) => r.scopeURL === `${url}/` && !r.isDeleted), { message: 'no service worker registration' });
    return reg.registrationId;
  }

  /** The notifications the console's worker shows, by tag. */
  const notifications = (page: Page, tag: string) =>
    page.evaluate(
      `navigator.serviceWorker.ready.then((r) => r.getNotifications({ tag: ${JSON.stringify(tag)} })).then((ns) => ns.map((n) => ({ title: n.title, body: n.body, tag: n.tag, actions: (n.actions || []).map((a) => a.action), data: n.data })))`,
    ) as Promise<{ title: string; body: string; tag: string; actions: string[]; data: { alertId?: string } }[]>;

  /** Presses a shown notification's action through the test build's message (the same handler a press runs). */
  const pressAction = (page: Page, tag: string, action: string) =>
    page.evaluate(`navigator.serviceWorker.ready.then((r) => new Promise((resolve) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = (ev) => resolve(ev.data);
      r.active.postMessage({ type: 'test:notification-action', tag: ${JSON.stringify(tag)}, action: ${JSON.stringify(action)} }, [ch.port2]);
    }))`) as Promise<{ ok: boolean; code?: string; reason?: string; acknowledged?: { alertId: string; state: string; entrySeq: number | null }[] }>;

  /** The console's session token and signing key id, as the page holds them. */
  async function sessionOf(page: Page): Promise<{ token: string; keyId: string }> {
    const keyId = await waitFor(async () => {
      await page.locator('.identity').click();
      const id = await page.locator('.about-dialog [data-key-id]').getAttribute('data-key-id', { timeout: 2000 }).catch(() => null);
      await page.getByRole('button', { name: 'Close' }).click();
      return id;
    });
    const token = (await page.evaluate(`JSON.parse(localStorage.getItem('hotline:session')).token`)) as string;
    return { token, keyId };
  }

  /** Raises an alert at a1 on l1 and waits for the server's push to the device at `devicePath`, decrypted. */
  async function raiseAndCapturePush(devicePath: string, description: string): Promise<{ alertId: string; raw: string; payload: PushPayload }> {
    const { alert } = await raiser.raiseAlert({ linkId: 'l1', kind: 'artillery-mortar', severity: 3, description });
    const got = await waitFor(() => endpoint.received.find((r) => r.path === devicePath && r.payload.includes(alert.alertId)), { message: 'no push captured', timeout: SLOW });
    return { alertId: alert.alertId, raw: got.payload, payload: PushPayload.parse(JSON.parse(got.payload)) };
  }

  it('a push the server made shows the alert; Acknowledge acknowledges it signed with the device key, and the raiser sees it', async () => {
    const raiserConsole = await open('op-a1');
    const { page, context, errors } = await open('sup-b1');

    // The gentle prompt after login (a supervisor gets escalations); the browser is asked only on the press.
    await page.locator('.notify-prompt').waitFor();
    await page.getByRole('button', { name: 'Turn on notifications' }).first().click();
    await page.locator('.notify-prompt').waitFor({ state: 'hidden' });
    await page.locator('.identity').click();
    const section = page.locator('.notify-section');
    await expect.poll(() => section.getAttribute('data-state')).toBe('on');
    // Headless Chromium has no push service: the subscription fails, and the console says so.
    await expect.poll(() => section.getAttribute('data-push'), { timeout: 15_000 }).not.toBe('working');
    const pushState = await section.getAttribute('data-push');
    const detail = (await section.locator('.notify-detail').textContent().catch(() => null)) ?? '';
    console.info(`pushManager.subscribe in headless Chromium: ${pushState} ${detail}`);
    expect(['failed', 'subscribed']).toContain(pushState);
    if (pushState === 'failed') expect(await section.locator('.notify-push').textContent()).toContain('not available in this browser');
    await page.getByRole('button', { name: 'Close' }).click();

    // What the console would have posted, at a push endpoint the test runs: its session, its key.
    const { token, keyId } = await sessionOf(page);
    const device = endpoint.subscribe();
    const posted = await fetch(`${url}/api/notifications/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: device.endpoint, keys: device.keys, device: 'Chromium (test endpoint)', keyId }),
    });
    expect(posted.status).toBe(200);

    const cdp = await context.newCDPSession(page);
    const regId = await registrationId(cdp);
    const { alertId, raw, payload } = await raiseAndCapturePush(device.path, 'Shelling near the north gate');
    expect(payload.ack?.alerts.map((a) => a.alertId)).toEqual([alertId]);
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: url, registrationId: regId, data: raw });

    const tag = `alert:${alertId}`;
    const [shown] = await waitFor(async () => {
      const ns = await notifications(page, tag);
      return ns.length > 0 ? ns : null;
    }, { message: 'no notification shown', timeout: SLOW });
    expect(shown!.title).toBe(payload.title);
    expect(shown!.title).toContain('Artillery/mortar');
    expect(shown!.body).toContain('Shelling near the north gate');
    expect(shown!.actions).toEqual(['ack']);

    const outcome = await pressAction(page, tag, 'ack');
    expect(outcome).toMatchObject({ ok: true, acknowledged: [{ alertId, state: 'acknowledged' }] });
    const [after] = await notifications(page, tag);
    expect(after!.body).toMatch(/^Acknowledged — /);
    expect(after!.actions).toEqual([]);

    // Acknowledged on the server, by an entry signed with this browser's key (verifiable), marked via push.
    const state = ((await (await fetch(`${url}/api/alerts/${alertId}`, { headers: { authorization: `Bearer ${tokenFor('joint', 'commander')}` } })).json()) as { alert: { state: string } }).alert.state;
    expect(state).toBe('acknowledged');
    const entry = await waitFor(() => raiser.entries.find((e) => e.type === 'alert.acknowledged' && e.payload.alertId === alertId));
    expect(entry.actor.userId).toBe('sup-b1');
    expect(entry.sig?.keyId).toBe(keyId);
    expect((entry.payload as { via?: unknown }).via).toEqual({ channel: 'push' });
    const registered = raiser.entries.find((e): e is Extract<Entry, { type: 'key.registered' }> => e.type === 'key.registered' && e.payload.keyId === keyId);
    expect(await verifyP256(registered!.payload.publicKey, signingInput('alert:ack', 'sup-b1', entry.payload as Record<string, unknown>), entry.sig!.value)).toBe(true);

    // The raiser's console shows it acknowledged.
    await raiserConsole.page.locator('.notice', { hasText: 'ACKNOWLEDGED by' }).waitFor();
    await raiserConsole.page.getByRole('tab', { name: /Alerts/ }).click();
    await expect.poll(() => raiserConsole.page.locator(`.alert-row[data-alert="${alertId}"]`).first().textContent()).toContain('ACKNOWLEDGED');
    expect(await raiserConsole.page.locator('.notice', { hasText: 'ACKNOWLEDGED by' }).textContent()).toContain('through Push');
    // The alert's timeline says where it was pressed (the record of notifications).
    await raiserConsole.page.locator(`.alert-row[data-alert="${alertId}"]`).first().click();
    await raiserConsole.page.locator('.tl-attempt[data-attempt="acknowledged-through"][data-channel="push"]', { hasText: 'Acknowledged from a push notification' }).waitFor();
    await screenshot(raiserConsole.page, 'push-acked-timeline-en-desktop');

    // A grant that expired (or was forged) is refused by the server: the notification says so, nothing is written.
    const second = await raiseAndCapturePush(device.path, 'Second round of shelling');
    try {
      const claims = JSON.parse(Buffer.from(second.payload.ack!.grant.split('.')[1]!, 'base64url').toString()) as { sid: string; kid: string };
      const expired = await new PushGrants(TEST_SECRET).issue({ sub: 'sup-b1', sid: claims.sid, kid: claims.kid, alerts: [second.alertId] }, Date.now() - 1000);
      const [h, p, s] = second.payload.ack!.grant.split('.') as [string, string, string];
      const forgedClaims = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), exp: Math.floor(Date.now() / 1000) + 86_400 })).toString('base64url');
      const entriesBefore = raiser.entries.length;
      for (const [grant, reason, text] of [
        [expired.grant, 'grant-expired', 'Too old to acknowledge from here'],
        [`${h}.${forgedClaims}.${s}`, 'bad-grant', 'Not acknowledged: open the console (bad-grant)'],
      ] as const) {
        // The worker's own expiry check is bypassed (the payload says "still valid") so the server's is what refuses.
        const data = JSON.stringify({ ...second.payload, ack: { ...second.payload.ack!, grant, expiresAt: Date.now() + 60_000 } });
        await cdp.send('ServiceWorker.deliverPushMessage', { origin: url, registrationId: regId, data });
        await waitFor(async () => (await notifications(page, `alert:${second.alertId}`)).some((n) => n.actions.includes('ack')), { message: 'tampered push not shown', timeout: SLOW });
        const refused = await pressAction(page, `alert:${second.alertId}`, 'ack');
        expect(refused).toMatchObject({ ok: false, code: 'UNAUTHENTICATED', reason });
        const [n] = await notifications(page, `alert:${second.alertId}`);
        expect(n!.body).toContain(text);
      }
      const state2 = ((await (await fetch(`${url}/api/alerts/${second.alertId}`, { headers: { authorization: `Bearer ${tokenFor('joint', 'commander')}` } })).json()) as { alert: { state: string } }).alert.state;
      expect(state2).toBe('open');
      expect(raiser.entries.slice(entriesBefore).filter((e) => e.type === 'alert.acknowledged')).toEqual([]);
      expect(errors.filter((e) => !INCOGNITO_PUSH.test(e))).toEqual([]);
    } finally {
      // Left open, it would take over the next test's operator console.
      await raiser.cancelAlert(second.alertId, 'test over');
    }
  });

  it('while the console is out of sight, an incoming alert raises a system notification tagged per alert; a click brings the console to it', async () => {
    const { page, context, errors } = await open('op-b1');
    // An operator gets no prompt; the control is in "You and this console".
    expect(await page.locator('.notify-prompt').isHidden()).toBe(true);
    await page.locator('.identity').click();
    await page.locator('.notify-section button.notify-on').click();
    await expect.poll(() => page.locator('.notify-section').getAttribute('data-state')).toBe('on');
    await page.getByRole('button', { name: 'Close' }).click();

    // In sight: nothing is shown outside the page.
    const seen = await raiser.raiseAlert({ linkId: 'l1', kind: 'drone', severity: 2, description: 'Drone seen while watching' });
    await page.locator('.takeover').first().waitFor();
    expect(await notifications(page, `alert:${seen.alert.alertId}`)).toEqual([]);

    // Out of sight: Playwright keeps every page "focused" unless focus emulation is off; another tab goes in front.
    const cdp = await context.newCDPSession(page);
    await page.evaluate(`(() => { const log = (window.__focusLog = []); const at = () => Math.round(performance.now());
      for (const ev of ['focus', 'blur']) window.addEventListener(ev, () => log.push([at(), ev, document.hasFocus(), document.visibilityState]), true);
      document.addEventListener('visibilitychange', () => log.push([at(), 'visibility', document.hasFocus(), document.visibilityState]));
      new MutationObserver(() => log.push([at(), 'takeover ' + document.documentElement.dataset.takeover, document.hasFocus(), document.visibilityState])).observe(document.documentElement, { attributes: true, attributeFilter: ['data-takeover'] });
    })()`);
    await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
    const other = await context.newPage();
    await other.goto('about:blank');
    await other.bringToFront();
    await expect.poll(() => page.evaluate('document.visibilityState === "hidden" || !document.hasFocus()')).toBe(true);
    // The browser now says the console is out of sight. Two CI runs showed no notification and no error
    // with the page unfocused at the end, as if it had had the focus back when the alert came (the log
    // of focus changes printed on failure tells). From here the page keeps answering as the browser did.
    await page.evaluate('document.hasFocus = () => false');

    const { alert } = await raiser.raiseAlert({ linkId: 'l1', kind: 'border-crossing', severity: 3, description: 'Group crossing at the culvert' });
    const tag = `alert:${alert.alertId}`;
    const [shown] = await waitFor(async () => {
      const ns = await notifications(page, tag);
      return ns.length > 0 ? ns : null;
    }, { message: 'no notification while hidden', timeout: SLOW }).catch(async (err: Error) => {
      const state = await page.evaluate(`JSON.stringify({ v: document.visibilityState, f: document.hasFocus(), p: Notification.permission, all: 0, takeover: document.documentElement.dataset.takeover, focusLog: window.__focusLog, now: Math.round(performance.now()) })`);
      const all = await page.evaluate('navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((ns) => ns.map((n) => n.tag))');
      throw new Error(`${err.message}; page ${state}; shown ${JSON.stringify(all)}; errors ${JSON.stringify(errors)}; warnings ${JSON.stringify(warnings)}`);
    });
    expect(shown!.title).toBe('INCOMING ALERT: Border crossing, severity 3');
    expect(shown!.body).toContain('Group crossing at the culvert');
    expect(shown!.data.alertId).toBe(alert.alertId);

    // A click on it (the worker's same handler, through the test build's message) closes it and brings
    // the console to that alert.
    expect(await page.evaluate('location.hash')).not.toBe(`#alerts/${alert.alertId}`);
    expect(await pressAction(page, tag, '')).toBeNull();
    await expect.poll(() => page.evaluate('location.hash')).toBe(`#alerts/${alert.alertId}`);
    expect(await notifications(page, tag)).toEqual([]);
    expect(errors.filter((e) => !INCOGNITO_PUSH.test(e))).toEqual([]);
  });

  it('screenshots: the prompt and the notification control (on, blocked), at phone and desktop sizes in every language', async () => {
    for (const language of ['en', 'ur', 'ps', 'fa-AF']) {
      for (const [size, viewport] of [
        ['phone', { width: 390, height: 844 }],
        ['desktop', VIEWPORT],
      ] as const) {
        const { page, context } = await open('cmd-sb1', { viewport, language });
        await page.locator('.notify-prompt').waitFor();
        await screenshot(page, `push-prompt-${language}-${size}`);
        await page.locator('.notify-prompt button.notify-on').click();
        await page.locator('.identity').click();
        await expect.poll(() => page.locator('.notify-section').getAttribute('data-push'), { timeout: 15_000 }).not.toBe('working');
        // The section's end in sight (on a phone the dialog scrolls under its sticky buttons).
        await page.locator('.notify-section > :last-child').evaluate((el) => (el as { scrollIntoView(o: object): void }).scrollIntoView({ block: 'center' }));
        await screenshot(page, `push-control-on-${language}-${size}`);
        // The user (or policy) blocks notifications for the site in the browser: the console says so.
        const cdp = await context.newCDPSession(page);
        const { targetInfo } = await cdp.send('Target.getTargetInfo');
        await cdp.send('Browser.setPermission', { permission: { name: 'notifications' }, setting: 'denied', origin: url, browserContextId: targetInfo.browserContextId! });
        await page.locator('.about-dialog button.primary').click();
        await page.locator('.identity').click();
        await expect.poll(() => page.locator('.notify-section').getAttribute('data-state')).toBe('blocked');
        await page.locator('.notify-section > :last-child').evaluate((el) => (el as { scrollIntoView(o: object): void }).scrollIntoView({ block: 'center' }));
        await screenshot(page, `push-control-blocked-${language}-${size}`);
        await context.close();
      }
    }
  });
});
