import { h, setText } from '../dom.js';
import type { Ctx } from '../views/common.js';
import type { LineStatus } from './line-status.js';

export interface HeaderActions {
  /** The identity button: about you and this console. */
  about(): void;
  /** The new-escalations button. */
  inbox(): void;
  /** The outbox button. */
  outbox(): void;
  /** The raise-alert button (only for users with a link to write on). */
  raise(): void;
  logout(): void;
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
      user.role === 'operator' ? (user.supervisor ? 'Operator, post supervisor' : 'Operator') : user.role === 'commander' ? (user.joint ? 'Joint command' : 'Commander') : user.role === 'monitor' ? 'Monitor (read-only)' : 'Administrator (read-only)',
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
        ? h('button', { class: 'raise-btn', attrs: { type: 'button', 'aria-keyshortcuts': 'Alt+R', title: 'Raise an incident alert (Alt+R)' }, on: { click: () => actions.raise() } }, '⚠ Raise alert')
        : null;
    // One press logs out; with items still in the outbox it asks first (they stay stored for this user
    // on this browser and go out at their next login).
    const logout = h('button', { class: 'logout', attrs: { type: 'button' } }, 'Log out');
    logout.addEventListener('click', () => {
      if (client.outbox.length === 0 || this.#logoutArmed) {
        clearTimeout(this.#logoutArmed);
        actions.logout();
        return;
      }
      logout.classList.add('armed');
      setText(logout, `${client.outbox.length} in the outbox: press again to log out`);
      this.#logoutArmed = setTimeout(() => {
        this.#logoutArmed = undefined;
        logout.classList.remove('armed');
        setText(logout, 'Log out');
      }, 4000);
    });
    this.el = h(
      'header',
      { class: 'topbar' },
      h(
        'button',
        {
          class: 'identity',
          attrs: { type: 'button', style: `--side:${side?.color ?? '#888'}`, 'aria-haspopup': 'dialog', title: 'About you and this console: your signing key id' },
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
      `${unreadEsc} new escalation${unreadEsc === 1 ? '' : 's'}${drillEsc === 0 ? '' : drillEsc === unreadEsc ? ': EXERCISE' : ` (${drillEsc} EXERCISE)`}`,
    );
    const queued = client.outbox.length;
    this.#outboxBtn.hidden = queued === 0;
    setText(this.#outboxBtn, `Outbox: ${queued}`);
    this.#line.update();

    // Until the browser lets the page make sound, say so: a reloaded console must not be silent unnoticed.
    this.#soundBtn.hidden = alarm.armed;
    setText(this.#soundBtn, alarm.blocked ? 'SOUND BLOCKED: click here to hear the alarm' : 'Alarm sound not armed: click here once');

    const unreadMessages = m.user.post ? m.links.reduce((n, l) => n + (m.myPostOn(l) ? m.unread(l.id, m.user.post!) : 0), 0) : 0;
    const incoming = m.incomingAlerts.length;
    const checks = m.pendingLineChecks.filter((c) => c.windowEndsAt > this.#ctx.serverNow()).length;
    document.title = incoming ? `(${incoming}) INCOMING ALERT · Hotline` : checks ? 'LINE CHECK: answer · Hotline' : unreadEsc ? `(${unreadEsc}) Escalation · Hotline` : unreadMessages ? `(${unreadMessages}) Hotline` : 'Hotline';
  }

  dispose(): void {
    clearTimeout(this.#logoutArmed);
  }
}
