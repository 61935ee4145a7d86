import { fill, h } from '../dom.js';
import type { ConsoleModel } from '../model.js';
import { formatNumber, t } from '../i18n/index.js';

export type Tab = 'hotline' | 'alerts' | 'map' | 'record' | 'reports' | 'admin';

const TAB_LABEL: Readonly<Record<Tab, string>> = {
  get hotline() { return t('tab.hotline'); },
  get alerts() { return t('tab.alerts'); },
  get map() { return t('tab.map'); },
  get record() { return t('tab.record'); },
  get reports() { return t('tab.reports'); },
  get admin() { return t('tab.admin'); },
};
const TAB_SHORTCUT: Record<Tab, string> = { hotline: 'Alt+H', alerts: 'Alt+A', map: 'Alt+M', record: 'Alt+V', reports: 'Alt+P', admin: 'Alt+D' };
/** Alt+<key> selects a view. */
export const TAB_KEY: Readonly<Record<string, Tab>> = { h: 'hotline', a: 'alerts', m: 'map', v: 'record', p: 'reports', d: 'admin' };

/** A view behind a tab; one that shows one item at a time (a link, an alert) puts it in the address. */
export interface TabView {
  readonly el: HTMLElement;
  readonly selected?: string | null;
  select?(id: string): void;
}

export interface TabViews {
  hotline: TabView;
  alerts: TabView;
  map: TabView;
  /** Record and Reports are for monitors, admins and commanders. */
  record: TabView | null;
  reports: TabView | null;
  /** Administration: admins only. */
  admin?: TabView | null;
}

/**
 * The tabs and their panels, and the address: `#<tab>/<item>` (#hotline/l1, #alerts/AL-l1-7, #map,
 * #record/l2, #reports) follows what is on screen, so a reload opens where the user was. Arrow keys
 * move between tabs; each tab shows its counts (unread, open alerts, new escalations).
 */
export class Tabs {
  readonly nav: HTMLElement;
  readonly panels: HTMLElement[];
  readonly #views: TabViews;
  readonly #available: Tab[];
  readonly #panels: Partial<Record<Tab, HTMLElement>>;
  readonly #tabs: Partial<Record<Tab, HTMLButtonElement>>;
  readonly #changed: () => void;
  #current: Tab;

  /** `fallback`: the tab when the address names none; `changed`: the tab changed. */
  constructor(views: TabViews, fallback: Tab, changed: () => void) {
    this.#views = views;
    this.#changed = changed;
    const panel = (tab: Tab, el: HTMLElement, scroll = false) =>
      h('div', { class: scroll ? 'panel scroll-panel' : 'panel', attrs: { id: `panel-${tab}`, role: 'tabpanel', 'aria-labelledby': `tab-${tab}` } }, el);
    this.#panels = {
      hotline: panel('hotline', views.hotline.el),
      alerts: panel('alerts', views.alerts.el),
      map: panel('map', h('section', { class: 'map-view', attrs: { 'aria-label': t('tab.map') } }, views.map.el)),
    };
    if (views.record) this.#panels.record = panel('record', views.record.el, true);
    if (views.reports) this.#panels.reports = panel('reports', views.reports.el, true);
    if (views.admin) this.#panels.admin = panel('admin', views.admin.el, true);
    const tabs = (Object.keys(TAB_LABEL) as Tab[]).filter((t) => this.#panels[t] !== undefined);
    this.#available = tabs;
    this.panels = Object.values(this.#panels);
    this.#tabs = Object.fromEntries(
      tabs.map((t) => [
        t,
        h('button', {
          class: 'tab',
          attrs: { type: 'button', role: 'tab', id: `tab-${t}`, 'aria-controls': `panel-${t}`, 'aria-keyshortcuts': TAB_SHORTCUT[t] },
          on: { click: () => this.select(t, true) },
        }),
      ]),
    );
    this.nav = h('nav', { class: 'tabs', attrs: { role: 'tablist', 'aria-label': t('tab.views') } }, tabs.map((t) => this.#tabs[t]));
    this.nav.addEventListener('keydown', (ev) => {
      if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
      const i = tabs.indexOf(this.#current);
      this.select(tabs[(i + (ev.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length]!, true);
    });

    // Where the user was (survives a reload).
    const [tab, arg] = decodeURIComponent(location.hash.slice(1)).split('/');
    this.#current = this.#has(tab) ? tab : fallback;
    if (arg) this.#views[this.#current]?.select?.(arg);
    this.select(this.#current);
  }

  get current(): Tab {
    return this.#current;
  }

  /** Whether this user has the tab. */
  has(tab: Tab): boolean {
    return this.#available.includes(tab);
  }

  /** Shows a tab (moving the focus to it when asked). */
  select(tab: Tab, focus = false): void {
    if (!this.has(tab)) return;
    this.#current = tab;
    for (const t of this.#available) {
      this.#panels[t]!.hidden = t !== tab;
      this.#tabs[t]!.setAttribute('aria-selected', String(t === tab));
      this.#tabs[t]!.tabIndex = t === tab ? 0 : -1;
    }
    if (focus) this.#tabs[tab]!.focus();
    this.updateAddress();
    this.#changed();
  }

  /** Puts the tab and its item in the address. */
  updateAddress(): void {
    const arg = this.#views[this.#current]?.selected ?? null;
    const hash = `#${this.#current}${arg ? `/${encodeURIComponent(arg)}` : ''}`;
    if (location.hash !== hash) history.replaceState(null, '', hash);
  }

  /** The counts on the tabs. */
  update(m: ConsoleModel): void {
    const unreadMessages = m.user.post ? m.links.reduce((n, l) => n + (m.myPostOn(l) ? m.unread(l.id, m.user.post!) : 0), 0) : 0;
    const open = m.activeAlerts.filter((r) => r.alert.state === 'open').length;
    const unreadEsc = m.unreadEscalations.length;
    const badge = (n: number, cls: string) => (n > 0 ? h('span', { class: `badge ${cls}` }, formatNumber(n)) : null);
    const awaiting = m.awaitingDeadlines.length;
    fill(
      this.#tabs.hotline!,
      TAB_LABEL.hotline,
      badge(unreadMessages, 'unread-badge'),
      awaiting ? h('span', { class: 'badge ack-badge', attrs: { title: t('tab.awaitingTitle', { count: awaiting }) } }, t('tab.awaiting', { count: awaiting })) : null,
    );
    fill(this.#tabs.alerts!, TAB_LABEL.alerts, badge(open, 'alert-badge'), unreadEsc ? h('span', { class: 'badge esc-badge' }, t('tab.new', { count: unreadEsc })) : null);
    fill(this.#tabs.map!, TAB_LABEL.map);
    if (this.#tabs.record) fill(this.#tabs.record, TAB_LABEL.record);
    if (this.#tabs.reports) fill(this.#tabs.reports, TAB_LABEL.reports);
    if (this.#tabs.admin) fill(this.#tabs.admin, TAB_LABEL.admin);
  }

  #has(tab: string | undefined): tab is Tab {
    return this.#available.some((t) => t === tab);
  }
}
