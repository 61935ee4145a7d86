import { fill, h } from '../dom.js';
import { formatSeq, formatTime, isolate } from '../format.js';
import { formatDate, t, tk } from '../i18n/index.js';
import type { Ctx } from './common.js';

/** "3f2a 9c1d 0b7e …": a key id in groups of four, easy to read out over a phone line. */
export function groupedKeyId(keyId: string): string {
  return keyId.replace(/(.{4})(?=.)/g, '$1 ');
}

/**
 * Who is logged in and what this console signs with: the user, the session, this browser's own
 * signing key id (registered on each connect, it signs every action), the server key it pinned, and
 * the latest server checkpoint it holds per link. Each side compares its own key ids with the
 * key.registered entries of an exported record (docs/record.md).
 */
export class AboutDialog {
  readonly el: HTMLDialogElement;
  readonly #ctx: Ctx;
  readonly #body: HTMLElement;
  readonly #serverKey: () => { keyId: string } | null;
  readonly #expiresAt: () => number;

  constructor(ctx: Ctx, options: { serverKey: () => { keyId: string } | null; expiresAt: () => number; contacts?: () => void }) {
    this.#ctx = ctx;
    this.#serverKey = options.serverKey;
    this.#expiresAt = options.expiresAt;
    this.#body = h('div', { class: 'about-body' });
    const close = h('button', { class: 'primary', attrs: { type: 'button' }, on: { click: () => this.el.close() } }, t('about.close'));
    // Your contact rules, from here too: on a phone the top bar has no room for their own button.
    const contacts = options.contacts
      ? h(
          'button',
          {
            class: 'about-contacts',
            attrs: { type: 'button', 'aria-haspopup': 'dialog' },
            on: {
              click: () => {
                this.el.close();
                options.contacts!();
              },
            },
          },
          t('ct.openTitle'),
        )
      : null;
    this.el = h(
      'dialog',
      { class: 'about-dialog', attrs: { 'aria-labelledby': 'about-title' } },
      h('div', { class: 'about-box' }, h('h2', { id: 'about-title' }, t('about.title')), this.#body, h('div', { class: 'form-actions' }, contacts, close)),
    ) as HTMLDialogElement;
  }

  open(): void {
    this.update(true);
    if (!this.el.open) this.el.showModal();
  }

  /** Redraws while open (the key id changes when the SDK registers a fresh key). */
  update(force = false): void {
    if (!this.el.open && !force) return;
    const { model, client } = this.#ctx;
    const u = model.user;
    const keyId = client.keyId;
    const serverKey = this.#serverKey();
    const checkpoints = model.links.flatMap((l) => {
      const cp = client.checkpoint(l.id);
      return cp ? [{ link: l, cp }] : [];
    });
    const scope = u.post ? model.postName(u.post) : u.joint ? t('about.scopeJoint') : u.sectors.length ? u.sectors.join(', ') : u.role === 'monitor' || u.role === 'admin' ? t('about.scopeAll') : '';
    const until = formatDate(this.#expiresAt(), { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    fill(
      this.#body,
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, t('about.user')),
        h('dd', null, `${u.name} (${u.id})`),
        h('dt', null, t('about.role')),
        h('dd', null, `${tk('adm.role.', u.role)}${u.supervisor ? t('about.supervisor') : ''}${scope ? ` · ${scope}` : ''}${u.side ? ` · ${model.side(u.side)?.name ?? u.side}` : ''}`),
        h('dt', null, t('about.session')),
        h('dd', null, `${t('about.until', { time: until })}${model.drillOnly ? ` · ${t('about.drillOnly')}` : ''}`),
        h('dt', null, t('about.key')),
        h(
          'dd',
          null,
          keyId
            ? [h('code', { class: 'key-id', attrs: { 'data-key-id': keyId } }, groupedKeyId(keyId))]
            : h('span', { class: 'key-missing' }, t('about.keyMissing')),
        ),
        h('dt', null, t('rec.serverKey')),
        h('dd', null, serverKey ? h('code', { class: 'server-key-id' }, groupedKeyId(serverKey.keyId)) : t('about.notPinned')),
      ),
      h(
        'p',
        { class: 'about-note' },
        `${t('about.note1', { alg: 'ECDSA P-256' })} `,
        t('about.note2', { entry: 'key.registered' }),
      ),
      checkpoints.length
        ? h(
            'div',
            null,
            h('h3', { class: 'pane-title' }, t('about.checkpoints')),
            h(
              'ul',
              { class: 'about-checkpoints' },
              checkpoints.map(({ link, cp }) => h('li', null, t('about.checkpoint', { link: isolate(link.name), seq: formatSeq(cp.seq), time: formatTime(cp.ts) }))),
            ),
          )
        : null,
    );
  }
}
