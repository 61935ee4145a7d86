import { ErrorCode, type Entry, type MessageDeadline, type Presence, type VisibleTopology } from '@hotline/shared';
import { HotlineClient, HotlineError, apiFetch, browserStorage, type OutboxItem } from '@hotline/client-sdk';
import { Alarm } from './alarm.js';
import { fill, h, reconcile, setText } from './dom.js';
import { KIND_LABEL, PRECEDENCE_LABEL, formatCountdown, formatDuration, formatTime } from './format.js';
import { ConsoleModel } from './model.js';
import { cacheTopology, cachedTopology, saveSession, userPrefix, type Session } from './session.js';
import { AboutDialog } from './views/about.js';
import { AlertsView } from './views/alerts.js';
import { confirmButton, exerciseBadge, type Ctx, type NoticeInput } from './views/common.js';
import { LineCheckBar, lineEventText } from './views/discipline.js';
import { HotlineView } from './views/hotline.js';
import { IntegrityBar } from './views/integrity.js';
import { MapView } from './views/map.js';
import { RaiseDialog } from './views/raise.js';
import { RecordView } from './views/record.js';
import { ReportsView } from './views/reports.js';
import { Takeover } from './views/takeover.js';

type Tab = 'hotline' | 'alerts' | 'map' | 'record' | 'reports';

const TAB_LABEL: Record<Tab, string> = { hotline: 'Hotline', alerts: 'Alerts', map: 'Map', record: 'Record', reports: 'Reports' };
/** Alt+<key> selects a view. */
const TAB_KEY: Record<string, Tab> = { h: 'hotline', a: 'alerts', m: 'map', v: 'record', p: 'reports' };
const TAB_SHORTCUT: Record<Tab, string> = { hotline: 'Alt+H', alerts: 'Alt+A', map: 'Alt+M', record: 'Alt+V', reports: 'Alt+P' };

const OUTBOX_LABEL: Record<OutboxItem['event'], string> = {
  'hotline:send': 'Message',
  'alert:raise': 'Alert',
  'alert:ack': 'Acknowledgement',
  'alert:comment': 'Comment',
  'alert:resolve': 'Resolution',
  'alert:cancel': 'Cancellation',
  'hotline:ack': 'Message acknowledgement',
  'linecheck:answer': 'Line check answer',
};

interface Notice extends NoticeInput {
  at: number;
  timer?: ReturnType<typeof setTimeout>;
}

export interface AppCallbacks {
  /** The session ended (logout, or the token was refused): show the login with this message. */
  onSignedOut(message?: string): void;
}

/**
 * The console once signed in: wires the SDK client to the model and the views, owns the header
 * (identity, connection, sound, outbox), the tabs, notices, the outbox bar, the alert takeover and
 * the sounds, and sends read receipts for the thread on screen.
 */
export class ConsoleApp implements Ctx {
  readonly model: ConsoleModel;
  readonly client: HotlineClient;
  readonly alarm: Alarm;
  readonly #root: HTMLElement;
  #session: Session;
  readonly #callbacks: AppCallbacks;
  readonly #hotline: HotlineView;
  readonly #alerts: AlertsView;
  readonly #map: MapView;
  readonly #takeover: Takeover;
  readonly #raise: RaiseDialog;
  readonly #lineChecks: LineCheckBar;
  readonly #integrity: IntegrityBar;
  readonly #about: AboutDialog;
  readonly #record: RecordView | null;
  readonly #reports: ReportsView | null;
  /** The views this user has: Record and Reports are for monitors, admins and commanders. */
  readonly #available: Tab[];
  readonly #panels: Partial<Record<Tab, HTMLElement>>;
  readonly #tabs: Partial<Record<Tab, HTMLButtonElement>>;
  readonly #conn: HTMLElement;
  readonly #soundBtn: HTMLButtonElement;
  readonly #outboxBtn: HTMLButtonElement;
  readonly #inboxBtn: HTMLButtonElement;
  readonly #notices: HTMLElement;
  readonly #outboxBar: HTMLElement;
  readonly #outboxList: HTMLOListElement;
  readonly #outboxHead: HTMLElement;
  readonly #noticeMap = new Map<string, Notice>();
  readonly #gaps = new Map<string, { from: number; to: number }>();
  readonly #cleanup: (() => void)[] = [];
  #tab: Tab;
  #renderQueued = false;
  #clockOffset = 0;
  #firstSynced = false;
  #inboxReady = false;
  #lostAt: number | null = null;
  #disposed = false;

  /** Opens the console for a session: fetches the topology (or uses the last one seen), then connects. */
  static async start(root: HTMLElement, session: Session, callbacks: AppCallbacks): Promise<ConsoleApp | null> {
    fill(root, h('main', { class: 'splash', attrs: { 'aria-busy': 'true' } }, h('p', null, `Opening the console for ${session.user.name}…`)));
    const url = location.origin;
    let topology: VisibleTopology | null = null;
    let drill = session.drill ?? false;
    for (let attempt = 0; !topology; attempt++) {
      try {
        topology = await apiFetch<VisibleTopology>(url, '/api/topology', { token: session.token });
        cacheTopology(session.user.id, topology);
        drill = (await apiFetch<{ drill: boolean }>(url, '/api/me', { token: session.token })).drill;
      } catch (err) {
        if (err instanceof HotlineError && err.code === ErrorCode.UNAUTHENTICATED) {
          callbacks.onSignedOut('Your session has ended. Please log in again; nothing in the outbox is lost.');
          return null;
        }
        topology = cachedTopology(session.user.id);
        if (!topology) {
          fill(
            root,
            h('main', { class: 'splash' }, h('p', { attrs: { role: 'alert' } }, `Cannot reach the server (${(err as Error).message}). Retrying…`)),
          );
          await new Promise((r) => setTimeout(r, Math.min(10_000, 1000 * 2 ** attempt)));
        }
      }
    }
    const app = new ConsoleApp(root, { ...session, drill }, topology, callbacks);
    app.#connect();
    return app;
  }

  private constructor(root: HTMLElement, session: Session & { drill: boolean }, topology: VisibleTopology, callbacks: AppCallbacks) {
    this.#root = root;
    this.#session = session;
    saveSession(session);
    this.#callbacks = callbacks;
    const user = session.user;
    this.model = new ConsoleModel(topology, user, { drillOnly: session.drill });
    this.client = new HotlineClient({
      url: location.origin,
      token: session.token,
      user,
      links: topology.links.map((l) => l.id),
      storage: browserStorage(userPrefix(user.id)),
    });
    this.alarm = new Alarm(() => this.requestRender());

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
    this.#record = records ? new RecordView(this, { pinnedServerKey: () => pinnedServerKey()?.keyId ?? null }) : null;
    this.#reports = records ? new ReportsView(this) : null;
    this.#integrity = new IntegrityBar(this, `${userPrefix(user.id)}forks`);
    this.#about = new AboutDialog(this, { serverKey: pinnedServerKey, expiresAt: () => this.#session.expiresAt });

    // --- header ---------------------------------------------------------------------------------
    const side = this.model.side(user.side);
    const roleLine = [
      user.role === 'operator' ? (user.supervisor ? 'Operator, post supervisor' : 'Operator') : user.role === 'commander' ? (user.joint ? 'Joint command' : 'Commander') : user.role === 'monitor' ? 'Monitor (read-only)' : 'Administrator (read-only)',
      user.post ? this.model.postName(user.post) : user.sectors.length ? user.sectors.map((s) => topology.sectors.find((x) => x.id === s)?.name ?? s).join(', ') : null,
      side?.name,
    ]
      .filter(Boolean)
      .join(' · ');
    this.#conn = h('div', { class: 'conn', attrs: { role: 'status', 'aria-live': 'polite', 'data-status': 'connecting' } });
    this.#soundBtn = h('button', { class: 'sound-blocked', attrs: { type: 'button', hidden: true } });
    this.#outboxBtn = h('button', { class: 'outbox-btn', attrs: { type: 'button', hidden: true }, on: { click: () => this.#outboxBar.focus() } });
    this.#inboxBtn = h('button', { class: 'inbox-btn', attrs: { type: 'button', hidden: true }, on: { click: () => this.selectTab('alerts', true) } });
    const raiseBtn =
      this.model.writableLinks.length > 0
        ? h('button', { class: 'raise-btn', attrs: { type: 'button', 'aria-keyshortcuts': 'Alt+R', title: 'Raise an incident alert (Alt+R)' }, on: { click: () => this.openRaise() } }, '⚠ Raise alert')
        : null;
    // One press logs out; with items still in the outbox it asks first (they stay stored for this user
    // on this browser and go out at their next login).
    const logout = h('button', { class: 'logout', attrs: { type: 'button' } }, 'Log out');
    let armed: ReturnType<typeof setTimeout> | undefined;
    logout.addEventListener('click', () => {
      if (this.client.outbox.length === 0 || armed) {
        clearTimeout(armed);
        this.logout();
        return;
      }
      logout.classList.add('armed');
      setText(logout, `${this.client.outbox.length} in the outbox: press again to log out`);
      armed = setTimeout(() => {
        armed = undefined;
        logout.classList.remove('armed');
        setText(logout, 'Log out');
      }, 4000);
    });
    const header = h(
      'header',
      { class: 'topbar' },
      h(
        'button',
        {
          class: 'identity',
          attrs: { type: 'button', style: `--side:${side?.color ?? '#888'}`, 'aria-haspopup': 'dialog', title: 'About you and this console: your signing key id' },
          on: { click: () => this.#about.open() },
        },
        h('strong', { class: 'user-name' }, user.name),
        h('span', { class: 'user-role' }, roleLine),
      ),
      this.#conn,
      this.#soundBtn,
      this.#inboxBtn,
      this.#outboxBtn,
      raiseBtn,
      logout,
    );
    const exercise = session.drill ? h('div', { class: 'exercise-session', attrs: { role: 'note' } }, 'EXERCISE SESSION: everything you send is exercise traffic') : null;

    // --- tabs -----------------------------------------------------------------------------------
    this.#panels = {
      hotline: h('div', { class: 'panel', attrs: { id: 'panel-hotline', role: 'tabpanel', 'aria-labelledby': 'tab-hotline' } }, this.#hotline.el),
      alerts: h('div', { class: 'panel', attrs: { id: 'panel-alerts', role: 'tabpanel', 'aria-labelledby': 'tab-alerts' } }, this.#alerts.el),
      map: h(
        'div',
        { class: 'panel', attrs: { id: 'panel-map', role: 'tabpanel', 'aria-labelledby': 'tab-map' } },
        h('section', { class: 'map-view', attrs: { 'aria-label': 'Map' } }, this.#map.el),
      ),
    };
    if (this.#record) this.#panels.record = h('div', { class: 'panel scroll-panel', attrs: { id: 'panel-record', role: 'tabpanel', 'aria-labelledby': 'tab-record' } }, this.#record.el);
    if (this.#reports) this.#panels.reports = h('div', { class: 'panel scroll-panel', attrs: { id: 'panel-reports', role: 'tabpanel', 'aria-labelledby': 'tab-reports' } }, this.#reports.el);
    const tabs = (Object.keys(TAB_LABEL) as Tab[]).filter((t) => this.#panels[t] !== undefined);
    this.#available = tabs;
    this.#tabs = Object.fromEntries(
      tabs.map((t) => [
        t,
        h(
          'button',
          {
            class: 'tab',
            attrs: { type: 'button', role: 'tab', id: `tab-${t}`, 'aria-controls': `panel-${t}`, 'aria-keyshortcuts': TAB_SHORTCUT[t] },
            on: { click: () => this.selectTab(t, true) },
          },
        ),
      ]),
    ) as Partial<Record<Tab, HTMLButtonElement>>;
    const tablist = h('nav', { class: 'tabs', attrs: { role: 'tablist', 'aria-label': 'Views' } }, tabs.map((t) => this.#tabs[t]));
    tablist.addEventListener('keydown', (ev) => {
      if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
      const i = tabs.indexOf(this.#tab);
      const next = tabs[(i + (ev.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length]!;
      this.selectTab(next, true);
    });

    this.#notices = h('div', { class: 'notices', attrs: { 'aria-live': 'assertive' } });
    this.#outboxHead = h('strong', { class: 'outbox-head' });
    this.#outboxList = h('ol', { class: 'outbox-list' });
    this.#outboxBar = h('section', { class: 'outbox-bar', attrs: { 'aria-label': 'Outbox', tabindex: -1, hidden: true } }, this.#outboxHead, this.#outboxList);

    fill(
      root,
      h(
        'div',
        { class: `console role-${user.role}${session.drill ? ' drill-session' : ''}` },
        header,
        this.#integrity.el,
        exercise,
        tablist,
        this.#lineChecks.el,
        this.#notices,
        h('main', { class: 'panels' }, Object.values(this.#panels)),
        this.#outboxBar,
        this.#takeover.el,
        this.#raise.el,
        this.#about.el,
      ),
    );

    // Where the user was (survives a reload): #hotline/<link>, #alerts/<alert>, #map, #record/<link>, #reports.
    const [tab, arg] = decodeURIComponent(location.hash.slice(1)).split('/');
    this.#tab = tabs.includes(tab as Tab) ? (tab as Tab) : user.role === 'operator' ? 'hotline' : 'alerts';
    if (this.#tab === 'hotline' && arg) this.#hotline.select(arg);
    if (this.#tab === 'alerts' && arg) this.#alerts.select(arg);
    if (this.#tab === 'record' && arg) this.#record?.select(arg);
    this.selectTab(this.#tab);
    this.#wire();
    this.requestRender();
  }

  // --- Ctx ----------------------------------------------------------------------------------------

  serverNow(): number {
    return Date.now() + this.#clockOffset;
  }

  requestRender(): void {
    if (this.#renderQueued || this.#disposed) return;
    this.#renderQueued = true;
    queueMicrotask(() => {
      this.#renderQueued = false;
      if (!this.#disposed) this.#render();
    });
  }

  openAlert(alertId: string): void {
    this.selectTab('alerts');
    this.#alerts.select(alertId);
    this.#updateHash();
  }

  openLink(linkId: string): void {
    this.selectTab('hotline');
    this.#hotline.select(linkId);
    this.#updateHash();
    this.requestRender();
  }

  openMessage(linkId: string, seq: number): void {
    this.selectTab('hotline');
    this.#hotline.reveal(linkId, seq);
    this.#updateHash();
    this.requestRender();
  }

  openRaise(linkId?: string): void {
    this.#raise.open(linkId ?? this.#hotline.selected ?? undefined);
  }

  outbox(): readonly OutboxItem[] {
    return this.client.outbox;
  }

  notify(input: NoticeInput): void {
    const old = this.#noticeMap.get(input.key);
    if (old?.timer) clearTimeout(old.timer);
    const notice: Notice = { ...input, at: Date.now() };
    if (input.ttlMs) notice.timer = setTimeout(() => this.#dismiss(input.key), input.ttlMs);
    this.#noticeMap.set(input.key, notice);
    this.requestRender();
  }

  selectTab(tab: Tab, focus = false): void {
    if (!this.#available.includes(tab)) return;
    this.#tab = tab;
    for (const t of this.#available) {
      this.#panels[t]!.hidden = t !== tab;
      this.#tabs[t]!.setAttribute('aria-selected', String(t === tab));
      this.#tabs[t]!.tabIndex = t === tab ? 0 : -1;
    }
    if (focus) this.#tabs[tab]!.focus();
    this.#updateHash();
    this.requestRender();
  }

  // --- session ------------------------------------------------------------------------------------

  logout(message?: string): void {
    this.dispose();
    this.#callbacks.onSignedOut(message);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.client.close();
    this.alarm.dispose();
    for (const fn of this.#cleanup) fn();
    for (const n of this.#noticeMap.values()) clearTimeout(n.timer);
    document.title = 'Border hotline';
    delete document.documentElement.dataset.takeover;
  }

  // --- wiring -------------------------------------------------------------------------------------

  #wire(): void {
    const c = this.client;
    const off = [
      c.on('entry', (entry) => {
        const change = this.model.apply(entry);
        if (!change) return;
        const gap = this.#gaps.get(entry.linkId);
        if (gap && entry.seq >= gap.to) {
          this.#gaps.delete(entry.linkId);
          this.notify({ key: `gap:${entry.linkId}`, level: 'info', text: `${this.model.link(entry.linkId)?.name}: missing entries ${gap.from}–${gap.to - 1} fetched; nothing lost.`, ttlMs: 10_000 });
        }
        if (this.#firstSynced && entry.type === 'message' && this.model.user.post && entry.actor.postId !== this.model.user.post) {
          if (entry.payload.precedence === 'flash' || entry.payload.precedence === 'immediate') this.alarm.beep();
        }
        if (this.#firstSynced) this.#lineCheckNews(entry);
        this.requestRender();
      }),
      c.on('presence', (p: Presence) => {
        this.model.presence.set(p.postId, p);
        this.requestRender();
      }),
      c.on('escalation', (e) => {
        if (e.message) this.model.mergeDeadline(e.message);
        if (this.model.addEscalation(e)) this.requestRender();
      }),
      c.on('status', (status) => {
        if (status === 'connected') {
          if (this.#lostAt !== null) this.notify({ key: 'line', level: 'info', text: `Line back after ${formatDuration(Date.now() - this.#lostAt)}; catching up.`, ttlMs: 8000 });
          this.#lostAt = null;
          void this.#syncClock();
        } else if (this.#lostAt === null && this.#firstSynced) {
          this.#lostAt = Date.now();
        }
        this.requestRender();
      }),
      c.on('synced', () => {
        if (!this.#firstSynced) {
          this.#firstSynced = true;
          void this.#afterFirstSync();
        }
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
          text: `${this.model.link(linkId)?.name ?? linkId}: entries from ${expectedSeq} are missing (${gotSeq} arrived first). Syncing to fill the gap…`,
        });
      }),
      c.on('fork', ({ linkId, seq, detail }) => this.#integrity.add({ linkId, seq, detail })),
      c.on('unauthenticated', () => {
        this.logout('Your session has ended. Please log in again; nothing in the outbox is lost.');
      }),
      c.on('failed', (item, error) => {
        const p = item.payload as { linkId?: string; text?: string; kind?: keyof typeof KIND_LABEL };
        const link = p.linkId ? this.model.link(p.linkId)?.name : undefined;
        const what = item.event === 'hotline:send' ? `Message${link ? ` on ${link}` : ''}` : OUTBOX_LABEL[item.event];
        const text = item.event === 'hotline:send' ? `: "${p.text ?? ''}"` : item.event === 'alert:raise' && p.kind ? `: ${KIND_LABEL[p.kind]}` : '';
        const notice: NoticeInput = { key: `failed:${item.id}`, level: 'warning', text: `${what} refused by the server (${error.code}: ${error.message})${text}` };
        if (item.event === 'hotline:send' && p.linkId && p.text !== undefined) {
          const { linkId, text: typed } = { linkId: p.linkId, text: p.text };
          notice.action = { label: 'Put back in the composer', run: () => this.#hotline.restoreText(linkId, typed) };
        }
        this.notify(notice);
      }),
    ];
    this.#cleanup.push(...off);

    const tick = setInterval(() => this.#tick(), 1000);
    this.#cleanup.push(() => clearInterval(tick));
    const refresh = setInterval(() => void this.#refreshToken(), 5 * 60_000);
    this.#cleanup.push(() => clearInterval(refresh));

    const onKey = (ev: KeyboardEvent) => {
      if (!ev.altKey || ev.ctrlKey || ev.metaKey || this.#takeover.showing) return;
      const key = ev.key.toLowerCase();
      if (key === 'r' && this.model.writableLinks.length > 0) {
        ev.preventDefault();
        this.openRaise();
      } else if (key === 'l' && this.#lineChecks.focusAnswer()) {
        ev.preventDefault();
      } else if (TAB_KEY[key] && this.#available.includes(TAB_KEY[key])) {
        ev.preventDefault();
        this.selectTab(TAB_KEY[key], true);
      }
    };
    const onVisible = () => this.requestRender();
    const onNet = () => this.requestRender();
    window.addEventListener('keydown', onKey);
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener('online', onNet);
    window.addEventListener('offline', onNet);
    this.#cleanup.push(() => {
      window.removeEventListener('keydown', onKey);
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener('online', onNet);
      window.removeEventListener('offline', onNet);
    });
    this.#soundBtn.addEventListener('click', () => this.requestRender()); // the click itself unlocks audio
  }

  #connect(): void {
    this.client.connect().catch((err: unknown) => {
      if (err instanceof HotlineError && err.code === ErrorCode.UNAUTHENTICATED) {
        this.logout('Your session has ended. Please log in again; nothing in the outbox is lost.');
      }
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

  /** Corrects countdowns for a local clock that is off: the server's Date header, to the second. */
  async #syncClock(): Promise<void> {
    try {
      const t0 = Date.now();
      const res = await fetch('/healthz', { cache: 'no-store' });
      const t1 = Date.now();
      const date = Date.parse(res.headers.get('date') ?? '');
      if (!Number.isFinite(date)) return;
      const offset = date + 500 + (t1 - t0) / 2 - t1;
      this.#clockOffset = Math.abs(offset) > 1500 ? offset : 0;
    } catch {
      // Keep the last offset.
    }
  }

  async #refreshToken(): Promise<void> {
    if (this.#session.expiresAt - Date.now() > 2 * 3_600_000) return;
    try {
      const fresh = await apiFetch<Session>(location.origin, '/api/auth/refresh', { token: this.#session.token, method: 'POST' });
      this.#session = { ...fresh, drill: this.model.drillOnly };
      saveSession(this.#session);
      this.client.setToken(fresh.token);
    } catch {
      // Try again in five minutes; an expired token ends at the login.
    }
  }

  #dismiss(key: string): void {
    const n = this.#noticeMap.get(key);
    if (n?.timer) clearTimeout(n.timer);
    this.#noticeMap.delete(key);
    this.requestRender();
  }

  #updateHash(): void {
    const arg = this.#tab === 'hotline' ? this.#hotline.selected : this.#tab === 'alerts' ? this.#alerts.selected : this.#tab === 'record' ? (this.#record?.selected ?? null) : null;
    const hash = `#${this.#tab}${arg ? `/${encodeURIComponent(arg)}` : ''}`;
    if (location.hash !== hash) history.replaceState(null, '', hash);
  }

  // --- rendering ----------------------------------------------------------------------------------

  #render(): void {
    const m = this.model;
    // Every view, so none holds a stale state behind its tab; each only touches what changed.
    this.#hotline.update();
    this.#alerts.update();
    this.#map.update();
    // Sounds follow the state (before the takeover, which says whether its siren sounds).
    this.alarm.setSiren(this.#takeover.wantsSiren);
    this.alarm.setChime(this.#inboxReady && m.unreadEscalations.length > 0);
    this.#takeover.update();
    this.#lineChecks.update();
    this.#integrity.update();
    this.#about.update();
    this.#renderHeader();
    this.#renderNotices();
    this.#renderOutbox();

    // Until the browser lets the page make sound, say so: a reloaded console must not be silent unnoticed.
    this.#soundBtn.hidden = this.alarm.armed;
    setText(this.#soundBtn, this.alarm.blocked ? 'SOUND BLOCKED: click here to hear the alarm' : 'Alarm sound not armed: click here once');

    // Read receipts for the thread on screen, when the page is visible and nothing covers it.
    const linkId = this.#tab === 'hotline' && document.visibilityState === 'visible' && !this.#takeover.showing ? this.#hotline.visibleLink : null;
    const link = linkId ? m.link(linkId) : undefined;
    const mine = link ? m.myPostOn(link) : null;
    if (link && mine) {
      const upto = m.lastIncomingSeq(link.id, mine);
      if (upto > m.readUpto(link.id, mine)) {
        m.noteLocalRead(link.id, upto);
        this.client.markRead(link.id, upto);
        this.requestRender();
      }
    }
    this.#updateHash();
  }

  #renderHeader(): void {
    const m = this.model;
    const unreadMessages = m.user.post ? m.links.reduce((n, l) => n + (m.myPostOn(l) ? m.unread(l.id, m.user.post!) : 0), 0) : 0;
    const open = m.activeAlerts.filter((r) => r.alert.state === 'open').length;
    const unreadEsc = m.unreadEscalations.length;
    const badge = (n: number, cls: string) => (n > 0 ? h('span', { class: `badge ${cls}` }, String(n)) : null);
    const awaiting = m.awaitingDeadlines.length;
    fill(this.#tabs.hotline!, 'Hotline', badge(unreadMessages, 'unread-badge'), awaiting ? h('span', { class: 'badge ack-badge', attrs: { title: `${awaiting} flash or immediate message${awaiting === 1 ? '' : 's'} awaiting acknowledgement` } }, `${awaiting} awaiting`) : null);
    fill(this.#tabs.alerts!, 'Alerts', badge(open, 'alert-badge'), unreadEsc ? h('span', { class: 'badge esc-badge' }, `${unreadEsc} new`) : null);
    fill(this.#tabs.map!, 'Map');
    if (this.#tabs.record) fill(this.#tabs.record, 'Record');
    if (this.#tabs.reports) fill(this.#tabs.reports, 'Reports');

    this.#inboxBtn.hidden = unreadEsc === 0;
    const drillEsc = m.unreadEscalations.filter((e) => e.drill).length;
    setText(
      this.#inboxBtn,
      `${unreadEsc} new escalation${unreadEsc === 1 ? '' : 's'}${drillEsc === 0 ? '' : drillEsc === unreadEsc ? ': EXERCISE' : ` (${drillEsc} EXERCISE)`}`,
    );
    const queued = this.client.outbox.length;
    this.#outboxBtn.hidden = queued === 0;
    setText(this.#outboxBtn, `Outbox: ${queued}`);

    this.#renderConn();
    const incoming = m.incomingAlerts.length;
    const checks = m.pendingLineChecks.filter((c) => c.windowEndsAt > this.serverNow()).length;
    document.title = incoming ? `(${incoming}) INCOMING ALERT · Hotline` : checks ? 'LINE CHECK: answer · Hotline' : unreadEsc ? `(${unreadEsc}) Escalation · Hotline` : unreadMessages ? `(${unreadMessages}) Hotline` : 'Hotline';
  }

  #renderConn(): void {
    const status = this.client.status;
    const noNetwork = typeof navigator !== 'undefined' && navigator.onLine === false;
    let state: string;
    let label: string;
    let since: number | null = null;
    if (status === 'connected') {
      state = 'connected';
      label = 'CONNECTED';
    } else if (status === 'connecting' && !this.#firstSynced) {
      state = 'connecting';
      label = 'CONNECTING';
      since = this.client.statusSince;
    } else if (status === 'offline' || noNetwork) {
      state = 'offline';
      label = noNetwork ? 'OFFLINE: no network' : 'OFFLINE';
      since = this.#lostAt ?? this.client.statusSince;
    } else {
      state = 'reconnecting';
      label = 'RECONNECTING';
      since = this.#lostAt ?? this.client.statusSince;
    }
    this.#conn.dataset.status = state;
    const stamp = `${state}:${label}:${since}`;
    if (this.#conn.dataset.stamp === stamp) return;
    this.#conn.dataset.stamp = stamp;
    fill(
      this.#conn,
      h('i', { class: 'dot', attrs: { 'aria-hidden': 'true' } }),
      h('span', { class: 'conn-label' }, label),
      since !== null ? h('span', { class: 'conn-since', attrs: { 'data-since': since, title: `since ${formatTime(since)}` } }, formatDuration(Date.now() - since)) : null,
    );
  }

  #renderNotices(): void {
    const notices = [...this.#noticeMap.entries()].sort((a, b) => rank(b[1].level) - rank(a[1].level) || b[1].at - a[1].at);
    reconcile(
      this.#notices,
      notices,
      ([key]) => key,
      ([key]) =>
        h('div', {
          class: 'notice',
          attrs: { role: 'alert', 'data-notice': key.split(':')[0] },
        }),
      (el, [key, n]) => {
        const stamp = `${n.level}:${n.text}:${n.at}`;
        if (el.dataset.stamp === stamp) return;
        el.dataset.stamp = stamp;
        el.className = `notice notice-${n.level}`;
        fill(
          el,
          h('span', { class: 'notice-text', attrs: { dir: 'auto' } }, n.text),
          n.action
            ? h(
                'button',
                {
                  attrs: { type: 'button' },
                  on: {
                    click: () => {
                      n.action!.run();
                      this.#dismiss(key);
                    },
                  },
                },
                n.action.label,
              )
            : null,
          h('button', { class: 'notice-close', attrs: { type: 'button', 'aria-label': 'Dismiss' }, on: { click: () => this.#dismiss(key) } }, '✕'),
        );
      },
    );
  }

  #renderOutbox(): void {
    const items = this.client.outbox;
    this.#outboxBar.hidden = items.length === 0;
    if (items.length === 0) return;
    const connected = this.client.status === 'connected';
    setText(
      this.#outboxHead,
      `OUTBOX: ${items.length} waiting. ${connected ? 'Sending now…' : 'They go out in this order, each once, when the line is back.'}`,
    );
    reconcile(
      this.#outboxList,
      items,
      (i) => i.id,
      (i) => {
        const summary = this.#summary(i);
        const discard = confirmButton('Discard', 'Press again to discard', () => {
          if (!this.client.discard(i.id)) this.notify({ key: `discard:${i.id}`, level: 'info', text: 'That item is being sent right now; it cannot be discarded.', ttlMs: 5000 });
          this.requestRender();
        }, 'discard small');
        return h(
          'li',
          { class: `outbox-item${'drill' in i.payload && i.payload.drill ? ' drill' : ''}`, attrs: { 'data-event': i.event } },
          h('span', { class: 'outbox-kind' }, OUTBOX_LABEL[i.event]),
          exerciseBadge('drill' in i.payload && i.payload.drill === true),
          h('span', { class: 'outbox-text', attrs: { dir: 'auto' } }, summary),
          h('time', { class: 'outbox-time' }, formatTime(i.createdAt)),
          h('span', { class: 'outbox-attempts' }),
          discard,
        );
      },
      (el, i) => {
        const attempts = el.querySelector('.outbox-attempts');
        if (attempts) setText(attempts, i.attempts > 0 ? `tried ${i.attempts}×${i.lastError ? ` (${i.lastError})` : ''}` : '');
      },
    );
  }

  #summary(i: OutboxItem): string {
    const p = i.payload as unknown as Record<string, unknown>;
    const link = typeof p.linkId === 'string' ? this.model.link(p.linkId)?.name : undefined;
    const alertId = typeof p.alertId === 'string' ? p.alertId : undefined;
    const alert = alertId ? this.model.alert(alertId)?.alert : undefined;
    switch (i.event) {
      case 'hotline:send':
        return `${link ?? ''}: ${String(p.text)}`;
      case 'alert:raise':
        return `${link ?? ''}: ${KIND_LABEL[p.kind as keyof typeof KIND_LABEL] ?? p.kind}, severity ${String(p.severity)}`;
      case 'hotline:ack': {
        const d = typeof p.linkId === 'string' ? this.model.deadline(p.linkId, Number(p.seq)) : undefined;
        return `${link ?? ''}: ${d ? `${PRECEDENCE_LABEL[d.precedence]} message "${d.excerpt}"` : `message ${String(p.seq)}`}`;
      }
      case 'linecheck:answer':
        return `${link ?? ''}: line check answer`;
      default:
        return `${alert ? KIND_LABEL[alert.kind] : alertId ?? ''}${typeof p.text === 'string' ? `: ${p.text}` : ''}`;
    }
  }

  /** Every second: countdowns, elapsed times, and a render when a deadline passes. */
  #tick(): void {
    const now = this.serverNow();
    let due = false;
    for (const el of Array.from(this.#root.querySelectorAll<HTMLElement>('[data-deadline]'))) {
      const deadline = Number(el.dataset.deadline);
      const left = deadline - now;
      setText(el, formatCountdown(left));
      el.classList.toggle('urgent', left < 30_000);
      if (left <= 0) due = true;
    }
    const local = Date.now();
    for (const el of Array.from(this.#root.querySelectorAll<HTMLElement>('[data-since]'))) setText(el, formatDuration(local - Number(el.dataset.since)));
    if (due) this.requestRender();
  }
}

function rank(level: NoticeInput['level']): number {
  return level === 'critical' ? 2 : level === 'warning' ? 1 : 0;
}
