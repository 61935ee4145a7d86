import { fill, h, reconcile } from '../dom.js';
import type { NoticeInput } from '../views/common.js';
import { t } from '../i18n/index.js';

interface Notice extends NoticeInput {
  at: number;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * The notices under the tabs: one per key (a new one with the same key replaces it), the most severe
 * and then the newest first, each dismissed by hand, by its action, or after its ttl.
 */
export class Notices {
  readonly el: HTMLElement;
  readonly #changed: () => void;
  readonly #notices = new Map<string, Notice>();

  /** `changed`: the notices changed and should be drawn. */
  constructor(changed: () => void) {
    this.#changed = changed;
    this.el = h('div', { class: 'notices', attrs: { 'aria-live': 'assertive' } });
  }

  add(input: NoticeInput): void {
    const old = this.#notices.get(input.key);
    if (old?.timer) clearTimeout(old.timer);
    const notice: Notice = { ...input, at: Date.now() };
    if (input.ttlMs) notice.timer = setTimeout(() => this.dismiss(input.key), input.ttlMs);
    this.#notices.set(input.key, notice);
    this.#changed();
  }

  dismiss(key: string): void {
    const n = this.#notices.get(key);
    if (n?.timer) clearTimeout(n.timer);
    this.#notices.delete(key);
    this.#changed();
  }

  /** Stops every ttl timer. */
  dispose(): void {
    for (const n of this.#notices.values()) clearTimeout(n.timer);
  }

  update(): void {
    const notices = [...this.#notices.entries()].sort((a, b) => rank(b[1].level) - rank(a[1].level) || b[1].at - a[1].at);
    reconcile(
      this.el,
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
                      this.dismiss(key);
                    },
                  },
                },
                n.action.label,
              )
            : null,
          h('button', { class: 'notice-close', attrs: { type: 'button', 'aria-label': t('notice.dismiss') }, on: { click: () => this.dismiss(key) } }, '✕'),
        );
      },
    );
  }
}

function rank(level: NoticeInput['level']): number {
  return level === 'critical' ? 2 : level === 'warning' ? 1 : 0;
}
