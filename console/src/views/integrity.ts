import { fill, h, setText } from '../dom.js';
import { formatSeq, formatTime, isolate } from '../format.js';
import { t } from '../i18n/index.js';
import { confirmButton, type Ctx } from './common.js';

/** A disagreement between the server's log and what this console already held (the SDK's `fork`). */
export interface ForkRecord {
  /** The link, or "*" when the server's checkpoint key itself changed. */
  linkId: string;
  seq: number;
  detail: string;
  /** When this console saw it (local time). */
  at: number;
}

/**
 * The record integrity warning: every `fork` the SDK reports (a log rewritten or rolled back behind
 * this console's back, a checkpoint that does not verify, a changed server key), kept in the browser
 * until someone clears it, shown in red at the top of every view. It can be folded to one line, never
 * dismissed by accident: a rewritten record is exactly what the joint monitors must hear about.
 */
export class IntegrityBar {
  readonly el: HTMLElement;
  readonly #ctx: Ctx;
  readonly #key: string;
  #forks: ForkRecord[];
  #folded = false;
  #stamp = '';

  constructor(ctx: Ctx, storageKey: string) {
    this.#ctx = ctx;
    this.#key = storageKey;
    this.#forks = load(storageKey);
    this.el = h('section', { class: 'integrity-bar', attrs: { role: 'alert', 'aria-label': t('integ.label'), hidden: true } });
  }

  get forks(): readonly ForkRecord[] {
    return this.#forks;
  }

  /** Records a fork (once per link and seq: the first account of it is kept) and unfolds the warning. */
  add(fork: Omit<ForkRecord, 'at'>): void {
    if (!this.#forks.some((f) => f.linkId === fork.linkId && f.seq === fork.seq)) {
      this.#forks.push({ ...fork, at: Date.now() });
      save(this.#key, this.#forks);
    }
    this.#folded = false;
    this.#ctx.requestRender();
  }

  update(): void {
    const stamp = `${this.#forks.length}:${this.#folded}`;
    if (stamp === this.#stamp) return;
    this.#stamp = stamp;
    this.el.hidden = this.#forks.length === 0;
    if (this.#forks.length === 0) {
      this.el.replaceChildren();
      return;
    }
    const { model } = this.#ctx;
    const where = (f: ForkRecord) => (f.linkId === '*' ? t('integ.everyLink') : t('integ.where', { link: isolate(model.link(f.linkId)?.name ?? f.linkId), id: isolate(f.linkId), seq: formatSeq(f.seq) }));
    const title = h('strong', { class: 'integrity-title' }, t('integ.title', { where: this.#forks.map(where).join('; ') }));
    this.el.classList.toggle('folded', this.#folded);
    if (this.#folded) {
      fill(this.el, title, h('button', { class: 'small', attrs: { type: 'button' }, on: { click: () => this.#fold(false) } }, t('integ.show')));
      return;
    }
    const summary = this.#forks.map((f) => t('integ.summary', { where: where(f), detail: f.detail, time: new Date(f.at).toISOString() })).join('\n');
    const copy = h('button', { class: 'small', attrs: { type: 'button' } }, t('integ.copy'));
    copy.addEventListener('click', () => {
      void navigator.clipboard?.writeText(summary).then(
        () => setText(copy, t('integ.copied')),
        () => setText(copy, t('integ.copyFailed')),
      );
    });
    fill(
      this.el,
      title,
      h(
        'p',
        { class: 'integrity-text' },
        t('integ.text'),
      ),
      h(
        'ul',
        { class: 'integrity-list' },
        this.#forks.map((f) =>
          h('li', { attrs: { 'data-link': f.linkId, 'data-seq': f.seq } }, h('strong', null, where(f)), t('integ.item', { detail: f.detail, time: formatTime(f.at) })),
        ),
      ),
      h(
        'div',
        { class: 'integrity-actions' },
        copy,
        h('button', { class: 'small', attrs: { type: 'button' }, on: { click: () => this.#fold(true) } }, t('integ.fold')),
        confirmButton(t('integ.clear'), t('integ.clearArmed'), () => this.#clear(), 'small'),
      ),
    );
  }

  #fold(folded: boolean): void {
    this.#folded = folded;
    this.#ctx.requestRender();
  }

  #clear(): void {
    this.#forks = [];
    save(this.#key, this.#forks);
    this.#ctx.requestRender();
  }
}

function load(key: string): ForkRecord[] {
  try {
    const raw = localStorage.getItem(key);
    const list = raw ? (JSON.parse(raw) as ForkRecord[]) : [];
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

function save(key: string, forks: ForkRecord[]): void {
  try {
    if (forks.length === 0) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(forks));
  } catch {
    // Storage full: the warning stays on screen for this session.
  }
}
