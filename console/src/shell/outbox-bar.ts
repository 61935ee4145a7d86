import type { HotlineError, OutboxItem } from '@hotline/client-sdk';
import { h, reconcile, setText } from '../dom.js';
import { KIND_LABEL, PRECEDENCE_LABEL, formatTime } from '../format.js';
import { confirmButton, exerciseBadge, type Ctx, type NoticeInput } from '../views/common.js';
import { t } from '../i18n/index.js';

/** What each kind of outbox item is called on screen. */
export const OUTBOX_LABEL: Readonly<Record<OutboxItem['event'], string>> = Object.defineProperties(
  {} as Record<OutboxItem['event'], string>,
  Object.fromEntries(
    (['hotline:send', 'alert:raise', 'alert:ack', 'alert:comment', 'alert:resolve', 'alert:cancel', 'hotline:ack', 'linecheck:answer'] as const).map((k) => [
      k,
      { get: () => t(`outbox.kind.${k}`), enumerable: true },
    ]),
  ),
);

/**
 * The outbox bar at the bottom: what waits to go out, in the order it will, each with its attempts
 * and a discard button (asked twice). Hidden while the outbox is empty.
 */
export class OutboxBar {
  readonly el: HTMLElement;
  readonly #ctx: Ctx;
  readonly #head: HTMLElement;
  readonly #list: HTMLOListElement;

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
    this.#head = h('strong', { class: 'outbox-head' });
    this.#list = h('ol', { class: 'outbox-list' });
    this.el = h('section', { class: 'outbox-bar', attrs: { 'aria-label': t('outbox.label'), tabindex: -1, hidden: true } }, this.#head, this.#list);
  }

  focus(): void {
    this.el.focus();
  }

  update(): void {
    const { client } = this.#ctx;
    const items = this.#ctx.outbox();
    this.el.hidden = items.length === 0;
    if (items.length === 0) return;
    const connected = client.status === 'connected';
    setText(this.#head, `${t('outbox.head', { count: items.length })} ${connected ? t('outbox.sendingNow') : t('outbox.order')}`);
    reconcile(
      this.#list,
      items,
      (i) => i.id,
      (i) => {
        const discard = confirmButton(
          t('outbox.discard'),
          t('outbox.discardConfirm'),
          () => {
            if (!client.discard(i.id)) this.#ctx.notify({ key: `discard:${i.id}`, level: 'info', text: t('outbox.cannotDiscard'), ttlMs: 5000 });
            this.#ctx.requestRender();
          },
          'discard small',
        );
        const drill = 'drill' in i.payload && i.payload.drill === true;
        return h(
          'li',
          { class: `outbox-item${drill ? ' drill' : ''}`, attrs: { 'data-event': i.event } },
          h('span', { class: 'outbox-kind' }, OUTBOX_LABEL[i.event]),
          exerciseBadge(drill),
          h('span', { class: 'outbox-text', attrs: { dir: 'auto' } }, this.#summary(i)),
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
    const { model } = this.#ctx;
    const p = i.payload;
    const link = 'linkId' in p ? (model.link(p.linkId)?.name ?? '') : '';
    if (isItem(i, 'hotline:send')) return `${link}: ${i.payload.text}`;
    if (isItem(i, 'alert:raise')) return `${link}: ${KIND_LABEL[i.payload.kind] ?? i.payload.kind}, ${t('map.severity', { severity: i.payload.severity })}`;
    if (isItem(i, 'hotline:ack')) {
      const d = model.deadline(i.payload.linkId, i.payload.seq);
      return `${link}: ${d ? `${PRECEDENCE_LABEL[d.precedence]} "${d.excerpt}"` : t('outbox.messageSeq', { seq: i.payload.seq })}`;
    }
    if (isItem(i, 'linecheck:answer')) return `${link}: ${t('outbox.kind.linecheck:answer')}`;
    const alertId = 'alertId' in p ? p.alertId : undefined;
    const alert = alertId ? model.alert(alertId)?.alert : undefined;
    const text = 'text' in p && typeof p.text === 'string' ? `: ${p.text}` : '';
    return `${alert ? KIND_LABEL[alert.kind] : (alertId ?? '')}${text}`;
  }
}

/** The notice for an item the server refused for good: what it was, why, and for a message, a way back. */
export function refusedNotice(ctx: Ctx, item: OutboxItem, error: HotlineError, restore: (linkId: string, text: string) => void): NoticeInput {
  let what = OUTBOX_LABEL[item.event];
  let text = '';
  let action: NoticeInput['action'];
  if (isItem(item, 'hotline:send')) {
    const { linkId, text: typed } = item.payload;
    const link = ctx.model.link(linkId)?.name;
    what = link ? t('outbox.messageOn', { link }) : t('outbox.kind.hotline:send');
    text = `: "${typed}"`;
    action = { label: t('outbox.putBack'), run: () => restore(linkId, typed) };
  } else if (isItem(item, 'alert:raise')) {
    text = `: ${KIND_LABEL[item.payload.kind]}`;
  }
  const notice: NoticeInput = { key: `failed:${item.id}`, level: 'warning', text: `${t('outbox.refused', { what, code: error.code, reason: error.message })}${text}` };
  if (action) notice.action = action;
  return notice;
}

function isItem<E extends OutboxItem['event']>(item: OutboxItem, event: E): item is OutboxItem<E> {
  return item.event === event;
}
