import { h, setText } from '../dom.js';
import type { Ctx } from '../views/common.js';
import type { LineStatus } from './line-status.js';
import { t } from '../i18n/index.js';
import type { UiLanguage } from '@hotline/shared';
import { languageSelect } from '../i18n/preferences.js';

export interface HeaderActions {
  /** The identity button: about you and this console. */
  about(): void;
  /** Your contact rules: how you are reached away from the console. */
  contacts(): void;
  /** The new-escalations button. */
  inbox(): void;
  /** The outbox button. */
  outbox(): void;
  /** The raise-alert button (only for users with a link to write on). */
  raise(): void;
  logout(): void;
  language(lang: UiLanguage): Promise<void>;
}

/**
 * The top bar: who is signed in (and where), the line, the alarm-sound warning, new escalations, the
 * outbox count, raise alert and log out. Also keeps the page title, which is what a console in a
 * background tab shows.
 */
export class Header {
  readonly el: HTMLElement;
  readonly #ctx: Ctx;
  readonly #line: LineStatus;
  readonly #soundBtn: HTMLButtonElement;
  readonly #outboxBtn: HTMLButtonElement;
  readonly #inboxBtn: HTMLButtonElement;
  #logoutArmed: ReturnType<typeof setTimeout> | undefined;

  constructor(ctx: Ctx, line: LineStatus, actions: HeaderActions) {
    this.#ctx = ctx;
    this.#line = line;
    const { model, client } = ctx;
    const user = model.user;
    const side = model.side(user.side);
    const roleLine = [
      user.role === 'operator' ? (user.supervisor ? t('role.supervisor') : t('role.operator')) : user.role === 'commander' ? (user.joint ? t('role.joint') : t('role.commander')) : user.role === 'monitor' ? t('role.monitor') : t('role.admin'),
      user.post ? model.postName(user.post) : user.sectors.length ? user.sectors.map((s) => model.topology.sectors.find((x) => x.id === s)?.name ?? s).join(', ') : null,
      side?.name,
    ]
      .filter(Boolean)
      .join(' · ');
    // The click itself unlocks audio; the render then hides the button.
    this.#soundBtn = h('button', { class: 'sound-blocked', attrs: { type: 'button', hidden: true }, on: { click: () => ctx.requestRender() } });
    this.#outboxBtn = h('button', { class: 'outbox-btn', attrs: { type: 'button', hidden: true }, on: { click: () => actions.outbox() } });
    this.#inboxBtn = h('button', { class: 'inbox-btn', attrs: { type: 'button', hidden: true }, on: { click: () => actions.inbox() } });
    const raiseBtn =
      model.writableLinks.length > 0
        ? h('button', { class: 'raise-btn', attrs: { type: 'button', 'aria-keyshortcuts': 'Alt+R', title: t('header.raiseTitle') }, on: { click: () => actions.raise() } }, t('header.raise'))
        : null;
    // One press logs out; with items still in the outbox it asks first (they stay stored for this user
    // on this browser and go out at their next login).
    const logout = h('button', { class: 'logout', attrs: { type: 'button' } }, t('header.logout'));
    logout.addEventListener('click', () => {
      if (client.outbox.length === 0 || this.#logoutArmed) {
        clearTimeout(this.#logoutArmed);
        actions.logout();
        return;
      }
      logout.classList.add('armed');
      setText(logout, t('header.logoutArmed', { count: client.outbox.length }));
      this.#logoutArmed = setTimeout(() => {
        this.#logoutArmed = undefined;
        logout.classList.remove('armed');
        setText(logout, t('header.logout'));
      }, 4000);
    });
    this.el = h(
      'header',
      { class: 'topbar' },
      h(
        'button',
        {
          class: 'identity',
          attrs: { type: 'button', style: `--side:${side?.color ?? '#888'}`, 'aria-haspopup': 'dialog', title: t('header.aboutTitle') },
          on: { click: () => actions.about() },
        },
        h('strong', { class: 'user-name' }, user.name),
        h('span', { class: 'user-role' }, roleLine),
      ),
      line.el,
      this.#soundBtn,
      this.#inboxBtn,
      this.#outboxBtn,
      raiseBtn,
      h('button', { class: 'contacts-btn', attrs: { type: 'button', 'aria-haspopup': 'dialog', title: t('ct.openTitle') }, on: { click: () => actions.contacts() } }, t('ct.open')),
      languageSelect((lang) => actions.language(lang), 'console-language'),
      logout,
    );
  }

  update(): void {
    const { model: m, client, alarm } = this.#ctx;
    const unreadEsc = m.unreadEscalations.length;
    this.#inboxBtn.hidden = unreadEsc === 0;
    const drillEsc = m.unreadEscalations.filter((e) => e.drill).length;
    setText(
      this.#inboxBtn,
      t('header.newEscalations', { count: unreadEsc }) + (drillEsc === 0 ? '' : drillEsc === unreadEsc ? t('header.allExercise') : t('header.someExercise', { count: drillEsc })),
    );
    const queued = client.outbox.length;
    this.#outboxBtn.hidden = queued === 0;
    setText(this.#outboxBtn, t('header.outbox', { count: queued }));
    this.#line.update();

    // Until the browser lets the page make sound, say so: a reloaded console must not be silent unnoticed.
    this.#soundBtn.hidden = alarm.armed;
    setText(this.#soundBtn, alarm.blocked ? t('header.soundBlocked') : t('header.soundNotArmed'));

    const unreadMessages = m.user.post ? m.links.reduce((n, l) => n + (m.myPostOn(l) ? m.unread(l.id, m.user.post!) : 0), 0) : 0;
    const incoming = m.incomingAlerts.length;
    const checks = m.pendingLineChecks.filter((c) => c.windowEndsAt > this.#ctx.serverNow()).length;
    document.title = incoming
      ? t('title.incoming', { count: incoming })
      : checks
        ? t('title.lineCheck')
        : unreadEsc
          ? t('title.escalation', { count: unreadEsc })
          : unreadMessages
            ? t('title.unread', { count: unreadMessages })
            : t('title.plain');
  }

  dispose(): void {
    clearTimeout(this.#logoutArmed);
  }
}
