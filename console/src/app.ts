import { HotlineClient, HotlineError, browserStorage, closeTransport, fetchBoot, type OutboxItem, type Transport } from '@hotline/client-sdk';
import { ErrorCode, type Actor, type BootResponse, type Entry, type Escalation, type MessageDeadline, type Presence, type UiLanguage, type VisibleTopology } from '@hotline/shared';
import { Alarm } from './alarm.js';
import { fill, h } from './dom.js';
import { KIND_LABEL, formatDuration, formatTime } from './format.js';
import { ConsoleModel } from './model.js';
import { NotificationAttempts } from './notify-attempts.js';
import { ReadReceiptPolicy } from './read-receipts.js';
import { cacheTopology, cachedTopology, renewSession, saveSession, userPrefix, type Session } from './session.js';
import { ServerClock, tickTimers } from './shell/clock.js';
import { Header } from './shell/header.js';
import { LineStatus } from './shell/line-status.js';
import { Notices } from './shell/notices.js';
import { OutboxBar, refusedNotice } from './shell/outbox-bar.js';
import { bindShortcuts } from './shell/shortcuts.js';
import { Tabs } from './shell/tabs.js';
import { AboutDialog } from './views/about.js';
import { AdminView } from './views/admin.js';
import { AlertsView } from './views/alerts.js';
import { ackVia, throughText } from './views/attempts.js';
import { actorLabel, type Ctx, type NoticeInput } from './views/common.js';
import { ContactsDialog } from './views/contacts.js';
import { LineCheckBar, lineEventText } from './views/discipline.js';
import { HotlineView } from './views/hotline.js';
import { IntegrityBar } from './views/integrity.js';
import { MapView } from './views/map.js';
import { RaiseDialog } from './views/raise.js';
import { RecordView } from './views/record.js';
import { ReportsView } from './views/reports.js';
import { Takeover } from './views/takeover.js';
import { language, loadCatalog, t } from './i18n/index.js';
import { HistoryStore } from './history-store.js';
import { ConsoleNotifications } from './notifications.js';
import { NotifyPanel } from './shell/notify-panel.js';

/** How a console starts: with the login's boot answer, and how to apply the user's preferences (the language). */
export interface StartOptions {
  boot?: BootResponse | undefined;
  applyPreferences?: (prefs: BootResponse['preferences']) => void | Promise<void>;
  /** The WebSocket the login opened ahead (the console's client joins on it). */
  transport?: Transport | undefined;
}

/** What a console is opened with: where, whose session, the topology it shows, and what came with the boot answer and the login. */
type OpenArgs = [
  root: HTMLElement,
  session: Session & { drill: boolean },
  topology: VisibleTopology,
  callbacks: AppCallbacks,
  serverKey?: BootResponse['serverKey'],
  transport?: Transport,
];

export interface AppCallbacks {
  /** The session ended (logout, or the token was refused): show the login with this message. */
  onSignedOut(message?: string): void;
  /** The user chose another interface language: store it and draw the console again in it. */
  onLanguage(lang: UiLanguage): void;
}

const sessionEnded = (): string => t('app.sessionEnded');
/** The console renews its token this long before it expires, so a long outage does not end the shift. */
const RENEW_BEFORE_MS = 2 * 3_600_000;

/**
 * The console once signed in: wires the SDK client to the model and the components (shell/: header,
 * line status, tabs and address, notices, outbox bar, clock, shortcuts; views/: the tabs' views and
 * the bars and dialogs over them), renders them together, and after each render lets the read-receipt
 * policy mark what is in sight.
 */
export class ConsoleApp implements Ctx {
  readonly model: ConsoleModel;
  readonly client: HotlineClient;
  readonly alarm: Alarm;
  readonly attempts: NotificationAttempts;
  readonly #root: HTMLElement;
  #session: Session;
  readonly #callbacks: AppCallbacks;
  readonly #clock = new ServerClock();
  readonly #line: LineStatus;
  readonly #header: Header;
  readonly #tabs: Tabs;
  readonly #notices: Notices;
  readonly #outboxBar: OutboxBar;
  readonly #reads: ReadReceiptPolicy;
  readonly #hotline: HotlineView;
  readonly #alerts: AlertsView;
  readonly #map: MapView;
  readonly #takeover: Takeover;
  readonly #raise: RaiseDialog;
  readonly #lineChecks: LineCheckBar;
  readonly #integrity: IntegrityBar;
  readonly #about: AboutDialog;
  readonly #contacts: ContactsDialog;
  readonly #admin: AdminView | null;
  readonly #notifications: ConsoleNotifications;
  readonly #notifyPanel: NotifyPanel;
  readonly #gaps = new Map<string, { from: number; to: number }>();
  readonly #cleanup: (() => void)[] = [];
  #renderQueued = false;
  #history: HistoryStore | null = null;
  #inboxReady = false;
  #disposed = false;

  /**
   * Opens the console for a session. After a login it has the boot answer (the user's preferences,
   * the server key and the topology). On a reload with the topology this browser saw last, it opens
   * with that at once and connects, and checks GET /api/boot beside the connection: a topology, an
   * exercise-only flag or a language that changed meanwhile opens the console again with the new one
   * (a revoked session ends it). Otherwise it waits for GET /api/boot, retrying while the server cannot
   * be reached.
   */
  static async start(root: HTMLElement, session: Session, callbacks: AppCallbacks, options: StartOptions = {}): Promise<ConsoleApp | null> {
    fill(root, h('main', { class: 'splash', attrs: { 'aria-busy': 'true' } }, h('p', null, t('app.opening', { name: session.user.name }))));
    const url = location.origin;
    const cached = options.boot ? null : cachedTopology(session.user.id);
    if (cached) {
      if (options.transport) closeTransport(options.transport);
      const app = await ConsoleApp.#open(root, { ...session, drill: session.drill ?? false }, cached, callbacks);
      fetchBoot(url, session.token).then(
        (boot) => app.#booted(boot, cached, options),
        (err: unknown) => {
          if (err instanceof HotlineError && err.code === ErrorCode.UNAUTHENTICATED) app.logout(sessionEnded());
          // Otherwise offline, or the server is busy: the console works from what it has, and the
          // connection (retrying by itself) tells the rest.
        },
      );
      return app;
    }
    let boot = options.boot;
    for (let attempt = 0; !boot; attempt++) {
      try {
        boot = await fetchBoot(url, session.token);
      } catch (err) {
        if (err instanceof HotlineError && err.code === ErrorCode.UNAUTHENTICATED) {
          if (options.transport) closeTransport(options.transport);
          callbacks.onSignedOut(sessionEnded());
          return null;
        }
        fill(root, h('main', { class: 'splash' }, h('p', { attrs: { role: 'alert' } }, t('app.cannotReach', { reason: (err as Error).message }))));
        await new Promise((r) => setTimeout(r, Math.min(10_000, 1000 * 2 ** attempt)));
      }
    }
    // The user's language's catalog, if another (the WebSocket the login opened meanwhile finishes its
    // handshake: the two overlap).
    await options.applyPreferences?.(boot.preferences);
    cacheTopology(session.user.id, boot.topology);
    return ConsoleApp.#open(root, { ...session, drill: boot.drill }, boot.topology, callbacks, boot.serverKey, options.transport);
  }

  /** The console with its history (a reload without network opens with it), then the line. */
  static async #open(...args: OpenArgs): Promise<ConsoleApp> {
    const app = new ConsoleApp(...args);
    const history = await HistoryStore.open(args[1].user.id);
    if (history) {
      for (const entry of await history.loadAll()) app.model.apply(entry);
      app.#history = history;
      app.requestRender();
    }
    app.#connect();
    void app.#notifications.start();
    return app;
  }

  /** The boot answer of a console opened with the topology seen last: opens it again if anything it was drawn from changed. */
  #booted(boot: BootResponse, drawnFrom: VisibleTopology, options: StartOptions): void {
    if (this.#disposed) return;
    cacheTopology(this.#session.user.id, boot.topology);
    const before = language();
    void Promise.resolve(options.applyPreferences?.(boot.preferences)).then(() => {
      if (this.#disposed) return;
      const changed = language() !== before || boot.drill !== this.#session.drill || JSON.stringify(boot.topology) !== JSON.stringify(drawnFrom);
      if (!changed) return;
      this.dispose();
      void ConsoleApp.start(this.#root, { ...this.#session, drill: boot.drill }, this.#callbacks, { ...options, boot, transport: undefined });
    });
  }

  private constructor(...[root, session, topology, callbacks, serverKey, transport]: OpenArgs) {
    this.#root = root;
    this.#session = session;
    saveSession(session);
    this.#callbacks = callbacks;
    const user = session.user;
    this.model = new ConsoleModel(topology, user, { drillOnly: session.drill });
    this.client = new HotlineClient({
      url: location.origin,
      token: session.token,
      expiresAt: session.expiresAt,
      user,
      links: topology.links.map((l) => l.id),
      ...(transport ? { transport } : {}),
      ...(serverKey ? { serverKey } : {}),
      storage: browserStorage(userPrefix(user.id)),
      getToken: async () => (this.#session = await renewSession(location.origin, this.#session)),
      refreshBeforeExpiryMs: RENEW_BEFORE_MS,
      // Kept for the service worker, which signs acknowledgements made from a push notification with it.
      onSigningKey: (key) => void this.#notifications.keyRegistered(key),
    });
    this.#notifications = new ConsoleNotifications({
      userId: user.id,
      api: { get: (path) => this.client.api(path), call: (method, path, body) => this.client.apiCall(method, path, body) },
      changed: () => this.requestRender(),
      storagePrefix: userPrefix(user.id),
    });
    this.#notifyPanel = new NotifyPanel(this.#notifications, { offerAfterLogin: user.role === 'commander' || user.supervisor === true });
    this.alarm = new Alarm(() => this.requestRender());
    this.attempts = new NotificationAttempts(this.client, () => this.requestRender());

    this.#hotline = new HotlineView(this);
    this.#alerts = new AlertsView(this);
    this.#map = new MapView(this);
    this.#takeover = new Takeover(this);
    this.#raise = new RaiseDialog(this);
    this.#lineChecks = new LineCheckBar(this);
    const pinnedServerKey = (): { keyId: string } | null => {
      try {
        return JSON.parse(localStorage.getItem(`${userPrefix(user.id)}server-key`) ?? 'null') as { keyId: string } | null;
      } catch {
        return null;
      }
    };
    const records = user.role !== 'operator';
    const record = records ? new RecordView(this, { pinnedServerKey: () => pinnedServerKey()?.keyId ?? null }) : null;
    const reports = records ? new ReportsView(this) : null;
    this.#integrity = new IntegrityBar(this, `${userPrefix(user.id)}forks`);
    this.#contacts = new ContactsDialog(this);
    this.#about = new AboutDialog(this, {
      serverKey: pinnedServerKey,
      expiresAt: () => this.client.expiresAt ?? this.#session.expiresAt,
      contacts: () => this.#contacts.open(),
      notifications: () => this.#notifyPanel.section(),
    });

    this.#line = new LineStatus(this.client);
    this.#notices = new Notices(() => this.requestRender());
    this.#outboxBar = new OutboxBar(this);
    this.#header = new Header(this, this.#line, {
      about: () => this.#about.open(),
      contacts: () => this.#contacts.open(),
      inbox: () => this.#tabs.select('alerts', true),
      outbox: () => this.#outboxBar.focus(),
      raise: () => this.openRaise(),
      logout: () => this.logout(),
      // The catalog first (the switch says it is loading; the console stays usable meanwhile), then
      // the console is drawn again in it.
      language: async (lang) => {
        await loadCatalog(lang);
        this.dispose();
        this.#callbacks.onLanguage(lang);
      },
    });
    this.#admin = user.role === 'admin' ? new AdminView(this) : null;
    this.#tabs = new Tabs(
      { hotline: this.#hotline, alerts: this.#alerts, map: this.#map, record, reports, admin: this.#admin },
      user.role === 'operator' ? 'hotline' : 'alerts',
      () => this.requestRender(),
    );
    this.#reads = new ReadReceiptPolicy(
      this.model,
      {
        threadAtEnd: () => (this.#tabs.current === 'hotline' ? this.#hotline.visibleLink : null),
        inSight: () => document.visibilityState === 'visible' && !this.#takeover.showing,
      },
      (linkId, uptoSeq) => this.client.markRead(linkId, uptoSeq),
    );

    fill(
      root,
      h(
        'div',
        { class: `console role-${user.role}${session.drill ? ' drill-session' : ''}` },
        this.#header.el,
        this.#notifyPanel.prompt,
        this.#integrity.el,
        session.drill ? h('div', { class: 'exercise-session', attrs: { role: 'note' } }, t('app.exerciseSession')) : null,
        this.#tabs.nav,
        this.#lineChecks.el,
        this.#notices.el,
        h('main', { class: 'panels' }, this.#tabs.panels),
        this.#outboxBar.el,
        this.#takeover.el,
        this.#raise.el,
        this.#about.el,
        this.#contacts.el,
      ),
    );
    this.#wire();
    this.requestRender();
  }

  // --- Ctx ----------------------------------------------------------------------------------------

  serverNow(): number {
    return this.#clock.now();
  }

  requestRender(): void {
    if (this.#renderQueued || this.#disposed) return;
    this.#renderQueued = true;
    queueMicrotask(() => {
      this.#renderQueued = false;
      if (this.#disposed) return;
      this.#render();
      // What is now in sight may be read; marking it changes the unread counts, drawn next.
      if (this.#reads.check()) this.requestRender();
    });
  }

  openAlert(alertId: string): void {
    this.#tabs.select('alerts');
    this.#alerts.select(alertId);
    this.#tabs.updateAddress();
    // On a narrow screen the panes stack: bring the alert's details into sight.
    requestAnimationFrame(() => {
      if (innerWidth <= 1000) document.querySelector('.alert-detail')?.scrollIntoView({ block: 'start' });
    });
  }

  openLink(linkId: string): void {
    this.#tabs.select('hotline');
    this.#hotline.select(linkId);
    this.#tabs.updateAddress();
    this.requestRender();
  }

  openMessage(linkId: string, seq: number): void {
    this.#tabs.select('hotline');
    this.#hotline.reveal(linkId, seq);
    this.#tabs.updateAddress();
    this.requestRender();
  }

  openRaise(linkId?: string): void {
    this.#raise.open(linkId ?? this.#hotline.selected ?? undefined);
  }

  outbox(): readonly OutboxItem[] {
    return this.client.outbox;
  }

  notify(input: NoticeInput): void {
    this.#notices.add(input);
  }

  // --- session ------------------------------------------------------------------------------------

  logout(message?: string): void {
    if (this.#disposed) return;
    // Nothing more is pushed to this browser for this user, and its key is no longer left for the worker.
    if (message === undefined) void this.#notifications.signedOut();
    this.dispose();
    this.#callbacks.onSignedOut(message);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.client.close();
    this.#history?.close();
    this.alarm.dispose();
    this.attempts.dispose();
    for (const fn of this.#cleanup) fn();
    this.#notices.dispose();
    this.#header.dispose();
    document.title = t('login.title');
    delete document.documentElement.dataset.takeover;
  }

  // --- wiring -------------------------------------------------------------------------------------

  #wire(): void {
    const c = this.client;
    const off = [
      c.on('entry', (entry) => {
        const change = this.model.apply(entry);
        if (!change) return;
        this.#history?.put(entry);
        const gap = this.#gaps.get(entry.linkId);
        if (gap && entry.seq >= gap.to) {
          this.#gaps.delete(entry.linkId);
          this.notify({ key: `gap:${entry.linkId}`, level: 'info', text: t('app.gapFilled', { link: this.model.link(entry.linkId)?.name ?? entry.linkId, from: gap.from, to: gap.to - 1 }), ttlMs: 10_000 });
        }
        if (this.#line.firstSynced && entry.type === 'message' && this.model.user.post && entry.actor.postId !== this.model.user.post) {
          if (entry.payload.precedence === 'flash' || entry.payload.precedence === 'immediate') this.alarm.beep();
          if (entry.payload.precedence === 'flash' && this.model.myPostOn(this.model.link(entry.linkId)!)) {
            void this.#notifications.show({
              tag: `flash:${entry.linkId}:${entry.seq}`,
              title: t('notify.flashTitle', { post: entry.actor.postId ? this.model.postName(entry.actor.postId) : actorLabel(this.model, entry.actor) }),
              body: entry.payload.text,
              hash: `#hotline/${encodeURIComponent(entry.linkId)}`,
              drill: entry.drill,
              urgent: true,
            });
          }
        }
        if (this.#line.firstSynced && entry.type === 'alert.raised') this.#incomingNews(entry.payload.alertId);
        if (this.#line.firstSynced) this.#lineCheckNews(entry);
        if (this.#line.firstSynced && entry.type === 'alert.acknowledged') this.#acknowledgedNews(entry.payload.alertId, entry.actor, entry.ts);
        this.requestRender();
      }),
      c.on('presence', (p: Presence) => {
        this.model.presence.set(p.postId, p);
        this.requestRender();
      }),
      c.on('escalation', (e) => {
        if (e.message) this.model.mergeDeadline(e.message);
        if (!this.model.addEscalation(e)) return;
        if (this.#inboxReady && e.subject === 'alert' && e.alertId) this.#escalatedAlert(e.alertId);
        if (this.#inboxReady) this.#escalationNews(e);
        this.requestRender();
      }),
      c.on('status', (status) => {
        const down = this.#line.statusChanged(status);
        if (down !== null) this.notify({ key: 'line', level: 'info', text: t('app.lineBack', { duration: formatDuration(down) }), ttlMs: 8000 });
        if (status === 'connected') void this.#clock.sync();
        this.requestRender();
      }),
      c.on('synced', () => {
        if (this.#line.synced()) void this.#afterFirstSync();
        void this.#refreshDeadlines();
        this.requestRender();
      }),
      c.on('outbox', () => this.requestRender()),
      c.on('gap', ({ linkId, expectedSeq, gotSeq }) => {
        const prev = this.#gaps.get(linkId);
        this.#gaps.set(linkId, { from: Math.min(prev?.from ?? expectedSeq, expectedSeq), to: Math.max(prev?.to ?? gotSeq, gotSeq) });
        this.notify({
          key: `gap:${linkId}`,
          level: 'warning',
          text: t('app.gap', { link: this.model.link(linkId)?.name ?? linkId, from: expectedSeq, got: gotSeq }),
        });
      }),
      c.on('fork', ({ linkId, seq, detail }) => this.#integrity.add({ linkId, seq, detail })),
      // The SDK renews the token itself (getToken); this is a session that cannot be renewed.
      c.on('unauthenticated', () => this.logout(sessionEnded())),
      c.on('failed', (item, error) => this.notify(refusedNotice(this, item, error, (linkId, text) => this.#hotline.restoreText(linkId, text)))),
    ];
    this.#cleanup.push(...off);

    const tick = setInterval(() => {
      if (tickTimers(this.#root, this.serverNow())) this.requestRender();
    }, 1000);
    this.#cleanup.push(() => clearInterval(tick));

    this.#cleanup.push(
      bindShortcuts(this.#tabs, {
        blocked: () => Boolean(this.#takeover.showing),
        raise: this.model.writableLinks.length > 0 ? () => this.openRaise() : null,
        answerLineCheck: () => this.#lineChecks.focusAnswer(),
      }),
    );
    // A click on a notification: the service worker asks this console to show what it was about.
    const onWorkerMessage = (ev: MessageEvent) => {
      const m = ev.data as { type?: unknown; hash?: unknown } | null;
      if (m?.type !== 'hotline:open' || typeof m.hash !== 'string') return;
      const [tab, arg] = m.hash.replace(/^#/, '').split('/');
      if (tab === 'alerts' && arg) this.openAlert(decodeURIComponent(arg));
      else if (tab === 'hotline' && arg) this.openLink(decodeURIComponent(arg));
      else if (tab === 'alerts' || tab === 'hotline') this.#tabs.select(tab);
      this.requestRender();
    };
    if ('serviceWorker' in navigator) {
      navigator.serviceWorker.addEventListener('message', onWorkerMessage);
      this.#cleanup.push(() => navigator.serviceWorker.removeEventListener('message', onWorkerMessage));
    }
    const onChange = () => this.requestRender();
    document.addEventListener('visibilitychange', onChange);
    window.addEventListener('online', onChange);
    window.addEventListener('offline', onChange);
    this.#cleanup.push(() => {
      document.removeEventListener('visibilitychange', onChange);
      window.removeEventListener('online', onChange);
      window.removeEventListener('offline', onChange);
    });
  }

  #connect(): void {
    this.client.connect().catch((err: unknown) => {
      if (err instanceof HotlineError && err.code === ErrorCode.UNAUTHENTICATED) this.logout(sessionEnded());
    });
  }

  async #afterFirstSync(): Promise<void> {
    try {
      const inbox = await this.client.catchUpInbox();
      this.model.inboxReadUpto = Math.max(this.model.inboxReadUpto, inbox.readUpto);
    } catch {
      // Offline again: the SDK catches up on the next connection; unknown read marks count as unread.
    }
    this.#inboxReady = true;
    try {
      const { presence } = await this.client.api<{ presence: Presence[] }>('/api/presence');
      for (const p of presence) if (!this.model.presence.has(p.postId)) this.model.presence.set(p.postId, p);
    } catch {
      // Presence events keep coming anyway.
    }
    this.requestRender();
  }

  /**
   * The other side acknowledged an alert this operator's post raised: said plainly, with a short tone
   * of its own (rising, unlike the alarm and the chime).
   */
  #acknowledgedNews(alertId: string, actor: Actor, at: number): void {
    const a = this.model.alert(alertId)?.alert;
    const post = this.model.user.role === 'operator' ? this.model.user.post : null;
    if (!a || !post || a.raiserPostId !== post) return;
    this.alarm.ackTone();
    this.notify({
      key: `acked:${alertId}`,
      level: 'success',
      text: t('app.ackedBy', {
        post: actor.postId ? this.model.postName(actor.postId) : actorLabel(this.model, actor),
        time: formatTime(at),
        kind: KIND_LABEL[a.kind],
        link: this.model.link(a.linkId)?.name ?? a.linkId,
      }) + this.#through(alertId),
      ttlMs: 60_000,
    });
  }

  /** " (through SMS)" when the alert was acknowledged by a gateway reply, else nothing. */
  #through(alertId: string): string {
    const via = ackVia(this.model.alert(alertId));
    return via ? ` (${throughText(this.attempts, via)})` : '';
  }

  /**
   * An alert escalated to this console: brought forward in the Alerts view; a critical one the user may
   * acknowledge also takes over the screen, as an incoming alert does at a post.
   */
  #escalatedAlert(alertId: string): void {
    const r = this.model.alert(alertId);
    if (!r || r.alert.state !== 'open') return;
    if (r.alert.severity === 4 && this.model.user.role === 'commander' && this.model.permissions(r.alert).ack) this.model.escalatedTakeovers.add(alertId);
    this.openAlert(alertId);
  }

  /** An alert raised against this operator's post: an OS notification when the console is out of sight. */
  #incomingNews(alertId: string): void {
    const r = this.model.alert(alertId);
    const post = this.model.user.role === 'operator' ? this.model.user.post : null;
    if (!r || !post || r.alert.counterpartPostId !== post || r.alert.state !== 'open') return;
    const a = r.alert;
    void this.#notifications.show({
      tag: `alert:${alertId}`,
      title: t('notify.alertTitle', { kind: KIND_LABEL[a.kind], severity: a.severity }),
      body: t('notify.alertBody', { post: this.model.postName(a.raiserPostId), link: this.model.link(a.linkId)?.name ?? a.linkId, description: a.description }),
      hash: `#alerts/${encodeURIComponent(alertId)}`,
      drill: a.drill,
      alertId,
      urgent: true,
    });
  }

  /** An escalation to this user: an OS notification when the console is out of sight (tagged like the push for it). */
  #escalationNews(e: Escalation): void {
    const link = this.model.link(e.linkId)?.name ?? e.linkId;
    const alert = e.alertId ? (this.model.alert(e.alertId)?.alert ?? e.alert) : undefined;
    if (e.subject === 'alert' && e.alertId && alert) {
      void this.#notifications.show({
        tag: `alert:${e.alertId}`,
        title: t('notify.escalationTitle', { kind: KIND_LABEL[alert.kind], severity: alert.severity }),
        body: t('notify.alertBody', { post: this.model.postName(alert.raiserPostId), link, description: alert.description }),
        hash: `#alerts/${encodeURIComponent(e.alertId)}`,
        drill: e.drill,
        alertId: e.alertId,
        urgent: true,
      });
    } else if (e.subject === 'message') {
      void this.#notifications.show({
        tag: `esc:${e.id}`,
        title: t('notify.escalationMessageTitle', { link }),
        body: e.message?.excerpt ?? '',
        hash: `#hotline/${encodeURIComponent(e.linkId)}`,
        drill: e.drill,
        urgent: true,
      });
    }
  }

  /** A line check at this operator's post starts (a tone) or closes (its outcome, as a notice). */
  #lineCheckNews(entry: Entry): void {
    const post = this.model.user.role === 'operator' ? this.model.user.post : null;
    if (!post) return;
    if (entry.type === 'linecheck.started' && entry.payload.posts.includes(post)) this.alarm.beep();
    if (entry.type === 'linecheck.closed') {
      const check = this.model.lineChecks.get(entry.payload.checkId);
      if (!check?.posts.includes(post)) return;
      const { text } = lineEventText(this.model, entry);
      this.notify({
        key: `lc:${entry.linkId}`, // the latest outcome per link: never a pile of them
        level: entry.payload.missed.length ? 'warning' : 'info',
        text: `${this.model.link(entry.linkId)?.name ?? entry.linkId}: ${text}.`,
        ttlMs: 20_000,
      });
    }
  }

  /** What the server says of the messages awaiting acknowledgement: their policy and next escalation. */
  async #refreshDeadlines(): Promise<void> {
    try {
      const { deadlines } = await this.client.api<{ deadlines: MessageDeadline[] }>('/api/deadlines');
      for (const d of deadlines) this.model.mergeDeadline(d);
      this.requestRender();
    } catch {
      // The log alone gives every deadline; the server's figures only add the next escalation time.
    }
  }

  // --- rendering ----------------------------------------------------------------------------------

  /** Draws what changed; nothing here sends anything. */
  #render(): void {
    // Every view, so none holds a stale state behind its tab; each only touches what changed.
    this.#hotline.update();
    this.#alerts.update();
    this.#map.update();
    // Sounds follow the state (before the takeover, which says whether its siren sounds).
    this.alarm.setSiren(this.#takeover.wantsSiren);
    this.alarm.setChime(this.#inboxReady && this.model.chimingEscalations.length > 0);
    this.#takeover.update();
    this.#lineChecks.update();
    this.#integrity.update();
    this.#about.update();
    this.#notifyPanel.update();
    if (this.#tabs.current === 'admin') this.#admin?.update();
    this.#tabs.update(this.model);
    this.#header.update();
    this.#notices.update();
    this.#outboxBar.update();
    this.#tabs.updateAddress();
  }
}
