import { fill, h } from '../dom.js';
import { isolate } from '../format.js';
import { t } from '../i18n/index.js';
import type { ConsoleNotifications } from '../notifications.js';

/**
 * The notification control: its state (on, off, blocked by the browser, not supported), the button that
 * turns it on or off, and what Web Push does on this device; drawn in the "You and this console" dialog.
 * After login, a gentle prompt under the header offers it to those who get escalations, until they turn
 * it on or put it off ("Not now"); the browser is asked for permission only when they press the button.
 */
export class NotifyPanel {
  /** The prompt under the header. */
  readonly prompt: HTMLElement;
  readonly #n: ConsoleNotifications;
  readonly #offer: boolean;

  constructor(notifications: ConsoleNotifications, options: { offerAfterLogin: boolean }) {
    this.#n = notifications;
    this.#offer = options.offerAfterLogin;
    this.prompt = h('div', { class: 'notify-prompt', attrs: { role: 'region', 'aria-label': t('notify.title'), hidden: true } });
  }

  update(): void {
    const show = this.#offer && this.#n.shouldPrompt();
    this.prompt.hidden = !show;
    if (!show) return;
    fill(
      this.prompt,
      h('span', { class: 'notify-prompt-text' }, t('notify.prompt')),
      h('button', { class: 'primary notify-on', attrs: { type: 'button' }, on: { click: () => void this.#n.enable() } }, t('notify.turnOn')),
      h('button', { class: 'notify-later', attrs: { type: 'button' }, on: { click: () => this.#n.dismissPrompt() } }, t('notify.notNow')),
    );
  }

  /** The section of the dialog: state, button, push. */
  section(): HTMLElement {
    const n = this.#n;
    const state = n.state;
    const push = n.push;
    const pushLine =
      state !== 'on'
        ? null
        : push.state === 'subscribed'
          ? t('notify.push.subscribed')
          : push.state === 'working'
            ? t('notify.push.working')
            : push.state === 'server-off'
              ? t('notify.push.serverOff')
              : push.state === 'failed'
                ? t('notify.push.failed')
                : null;
    return h(
      'section',
      { class: 'notify-section', attrs: { 'data-state': state, 'data-push': push.state, 'aria-labelledby': 'notify-title' } },
      h('h3', { class: 'pane-title', id: 'notify-title' }, t('notify.title')),
      h('p', { class: 'notify-state', attrs: { role: 'status' } }, t(`notify.state.${state}`)),
      pushLine ? h('p', { class: 'notify-push' }, pushLine) : null,
      push.state === 'failed' && push.detail && state === 'on' ? h('p', { class: 'notify-detail' }, t('notify.push.detail', { detail: isolate(push.detail) })) : null,
      state === 'on'
        ? h('button', { class: 'notify-off', attrs: { type: 'button' }, on: { click: () => void n.disable() } }, t('notify.turnOff'))
        : state === 'off'
          ? h('button', { class: 'primary notify-on', attrs: { type: 'button' }, on: { click: () => void n.enable() } }, t('notify.turnOn'))
          : null,
    );
  }
}
