import { fill, h } from '../dom.js';
import { formatTime } from '../format.js';
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

  constructor(ctx: Ctx, options: { serverKey: () => { keyId: string } | null; expiresAt: () => number }) {
    this.#ctx = ctx;
    this.#serverKey = options.serverKey;
    this.#expiresAt = options.expiresAt;
    this.#body = h('div', { class: 'about-body' });
    const close = h('button', { class: 'primary', attrs: { type: 'button' }, on: { click: () => this.el.close() } }, 'Close');
    this.el = h(
      'dialog',
      { class: 'about-dialog', attrs: { 'aria-labelledby': 'about-title' } },
      h('div', { class: 'about-box' }, h('h2', { id: 'about-title' }, 'You and this console'), this.#body, h('div', { class: 'form-actions' }, close)),
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
    const scope = u.post ? model.postName(u.post) : u.joint ? 'every link (joint command)' : u.sectors.length ? u.sectors.join(', ') : u.role === 'monitor' || u.role === 'admin' ? 'every link' : '';
    fill(
      this.#body,
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, 'User'),
        h('dd', null, `${u.name} (${u.id})`),
        h('dt', null, 'Role'),
        h('dd', null, `${u.role}${u.supervisor ? ', post supervisor' : ''}${scope ? ` · ${scope}` : ''}${u.side ? ` · ${model.side(u.side)?.name ?? u.side}` : ''}`),
        h('dt', null, 'Session'),
        h('dd', null, `until ${new Date(this.#expiresAt()).toLocaleString('en-GB')}${model.drillOnly ? ' · EXERCISE traffic only' : ''}`),
        h('dt', null, 'Your signing key'),
        h(
          'dd',
          null,
          keyId
            ? [h('code', { class: 'key-id', attrs: { 'data-key-id': keyId } }, groupedKeyId(keyId))]
            : h('span', { class: 'key-missing' }, 'not registered yet: it is made and registered when the console connects'),
        ),
        h('dt', null, 'Server key'),
        h('dd', null, serverKey ? h('code', { class: 'server-key-id' }, groupedKeyId(serverKey.keyId)) : 'not pinned yet'),
      ),
      h(
        'p',
        { class: 'about-note' },
        'This browser made its own ECDSA P-256 key; it never leaves the browser and signs every message, acknowledgement, answer and alert you send. ',
        'Write the key id down with the date: in an exported record, the key.registered entries under your name must carry this id and no other.',
      ),
      checkpoints.length
        ? h(
            'div',
            null,
            h('h3', { class: 'pane-title' }, 'Server checkpoints this console holds'),
            h(
              'ul',
              { class: 'about-checkpoints' },
              checkpoints.map(({ link, cp }) => h('li', null, `${link.name}: entry ${cp.seq}, signed ${formatTime(cp.ts)}`)),
            ),
          )
        : null,
    );
  }
}
