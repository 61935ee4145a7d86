import { HotlineError } from '@hotline/client-sdk';
import { canonicalize, hex, redactConfigValue } from '@hotline/shared/core';
import type { Post, PublicUser, Role } from '@hotline/shared';
import { fill, h, setText } from '../dom.js';
import { formatSeq, formatTime, isolate } from '../format.js';
import { formatNumber, t, tk, type MessageKey } from '../i18n/index.js';
import type { Ctx } from './common.js';

/** GET /api/admin/config, as the console uses it. */
interface ConfigView {
  version: number;
  config: { posts: Post[]; users: PublicUser[] };
}

interface SessionRow {
  sid: string;
  device: string;
  address: string;
  firstSeen: number;
  lastSeen: number;
  revokedAt: number | null;
}

interface FailureRow {
  username: string;
  address: string;
  count: number;
  last: number;
  waitMs: number;
}

const ROLES: Role[] = ['operator', 'commander', 'monitor', 'admin'];

/** Column heads of a table, from the catalog (null: an empty head over a column of buttons). */
function heads(keys: readonly (MessageKey | null)[]): HTMLElement {
  return h('tr', null, keys.map((k) => h('th', { attrs: { scope: 'col' } }, k ? t(k) : '')));
}

async function sha256Hex(text: string): Promise<string> {
  return hex(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}

/** The last part of a configuration path, "users[3].post" → "post", to find the input it concerns. */
function fieldName(path: string): string {
  const last = path.split('.').pop() ?? path;
  return last.replace(/\[\d+\]$/, '');
}

/**
 * The administration view (admins only): users added, changed and disabled on the live configuration
 * (each change signed with this console's key, against the version shown: another admin's change in
 * between is a conflict to reload), a user's sessions with their devices and revocation, repeated
 * failed logins, and the admin's own password. Validation errors show at the field they concern.
 */
export class AdminView {
  readonly el: HTMLElement;
  readonly #ctx: Ctx;
  readonly #status: HTMLElement;
  readonly #users: HTMLElement;
  readonly #sessions: HTMLElement;
  readonly #failures: HTMLElement;
  readonly #form: HTMLFormElement;
  readonly #inputs: { id: HTMLInputElement; name: HTMLInputElement; role: HTMLSelectElement; post: HTMLSelectElement; password: HTMLInputElement };
  readonly #postRow: HTMLElement;
  #config: ConfigView | null = null;
  #loaded = false;

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
    this.#status = h('p', { class: 'record-status', attrs: { role: 'status', 'aria-live': 'polite' } });
    this.#users = h('section', { class: 'report-section', attrs: { 'aria-label': t('adm.users') } });
    this.#sessions = h('section', { class: 'report-section', attrs: { 'aria-label': t('adm.sessions') } });
    this.#failures = h('section', { class: 'report-section', attrs: { 'aria-label': t('adm.failures') } });
    this.#inputs = {
      id: h('input', { attrs: { name: 'id', id: 'admin-user-id', required: true, autocomplete: 'off', pattern: '[a-z0-9][a-z0-9-]{0,62}', spellcheck: 'false' } }),
      name: h('input', { attrs: { name: 'name', id: 'admin-user-name', required: true, autocomplete: 'off', dir: 'auto' } }),
      role: h('select', { attrs: { name: 'role', id: 'admin-user-role' } }, ROLES.map((r) => h('option', { attrs: { value: r } }, tk('adm.role.', r)))),
      post: h('select', { attrs: { name: 'post', id: 'admin-user-post' } }),
      password: h('input', { attrs: { name: 'password', id: 'admin-user-password', type: 'password', autocomplete: 'new-password', minlength: 10 } }),
    };
    const field = (label: MessageKey, input: HTMLElement, name: string) => h('label', { class: 'field', attrs: { 'data-field': name } }, h('span', null, t(label)), input, h('span', { class: 'field-error', attrs: { 'aria-live': 'polite' } }));
    this.#postRow = field('adm.post', this.#inputs.post, 'post');
    this.#inputs.role.addEventListener('change', () => this.#postRow.toggleAttribute('hidden', this.#inputs.role.value !== 'operator'));
    this.#form = h(
      'form',
      { class: 'report-form admin-form', attrs: { 'aria-label': t('adm.userForm'), novalidate: true }, on: { submit: (ev) => { ev.preventDefault(); void this.#saveUser(); } } },
      field('adm.userId', this.#inputs.id, 'id'),
      field('adm.name', this.#inputs.name, 'name'),
      field('adm.role', this.#inputs.role, 'role'),
      this.#postRow,
      field('adm.password', this.#inputs.password, 'password'),
      h('button', { class: 'primary', attrs: { type: 'submit' } }, t('adm.saveUser')),
    );
    const current = h('input', { attrs: { name: 'current', type: 'password', autocomplete: 'current-password', required: true } });
    const next = h('input', { attrs: { name: 'next', type: 'password', autocomplete: 'new-password', minlength: 10, required: true } });
    const own = h(
      'form',
      {
        class: 'report-form',
        attrs: { 'aria-label': t('adm.changePassword') },
        on: {
          submit: (ev) => {
            ev.preventDefault();
            void this.#run(t('adm.passwordChanged'), async () => {
              await this.#ctx.client.apiCall('POST', '/api/auth/password', { current: current.value, password: next.value });
              current.value = '';
              next.value = '';
            });
          },
        },
      },
      h('label', { class: 'field' }, h('span', null, t('adm.currentPassword')), current),
      h('label', { class: 'field' }, h('span', null, t('adm.newPassword')), next),
      h('button', { attrs: { type: 'submit' } }, t('adm.changePassword')),
    );
    this.el = h(
      'section',
      { class: 'reports-view admin-view', attrs: { 'aria-label': t('adm.title') } },
      h('div', { class: 'record-intro' }, h('h2', null, t('adm.title')), h('p', null, t('adm.intro'))),
      this.#status,
      h('h3', null, t('adm.userForm')),
      this.#form,
      this.#users,
      this.#sessions,
      this.#failures,
      h('h3', null, t('adm.myPassword')),
      own,
    );
  }

  /** Loads on first show, and after every change. */
  update(): void {
    if (this.#loaded) return;
    this.#loaded = true;
    void this.refresh();
  }

  async refresh(): Promise<void> {
    try {
      this.#config = await this.#ctx.client.api<ConfigView>('/api/admin/config');
      const { failures } = await this.#ctx.client.api<{ failures: FailureRow[] }>('/api/admin/login-failures');
      this.#renderUsers();
      this.#renderFailures(failures);
    } catch (err) {
      setText(this.#status, t('adm.loadFailed', { reason: (err as Error).message }));
    }
  }

  #renderUsers(): void {
    const config = this.#config!;
    const keep = this.#inputs.post.value;
    fill(this.#inputs.post, h('option', { attrs: { value: '' } }, '—'), config.config.posts.map((p) => h('option', { attrs: { value: p.id } }, `${p.name} (${p.id})`)));
    this.#inputs.post.value = keep;
    this.#postRow.toggleAttribute('hidden', this.#inputs.role.value !== 'operator');
    fill(
      this.#users,
      h('div', { class: 'report-head' }, h('h2', null, t('adm.users')), h('span', { class: 'muted' }, t('adm.version', { version: formatSeq(config.version) }))),
      h(
        'table',
        { class: 'report-table admin-users' },
        h('thead', null, heads(['adm.col.user', 'adm.name', 'adm.role', 'adm.post', 'adm.col.status', null])),
        h(
          'tbody',
          null,
          config.config.users.map((u) =>
            h(
              'tr',
              { attrs: { 'data-user': u.id } },
              h('th', { attrs: { scope: 'row' } }, u.id),
              h('td', { attrs: { dir: 'auto' } }, u.name),
              h('td', null, tk('adm.role.', u.role)),
              h('td', null, u.post ?? ''),
              h('td', { class: u.disabled ? 'warn-cell' : '' }, u.disabled ? t('adm.disabled') : t('adm.active')),
              h(
                'td',
                { class: 'row-actions' },
                h('button', { attrs: { type: 'button' }, on: { click: () => void this.#showSessions(u.id) } }, t('adm.sessions')),
                h('button', { attrs: { type: 'button' }, on: { click: () => this.#edit(u) } }, t('adm.edit')),
                h(
                  'button',
                  { class: u.disabled ? '' : 'danger', attrs: { type: 'button' }, on: { click: () => void this.#setDisabled(u, !u.disabled) } },
                  u.disabled ? t('adm.enable') : t('adm.disable'),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  #renderFailures(failures: FailureRow[]): void {
    fill(
      this.#failures,
      h('h2', null, t('adm.failuresTitle')),
      failures.length === 0
        ? h('p', { class: 'muted' }, t('adm.none'))
        : h(
            'table',
            { class: 'report-table admin-failures' },
            h('thead', null, heads(['adm.col.userName', 'adm.col.address', 'adm.col.failures', 'adm.col.last', 'adm.col.nextAttempt'])),
            h('tbody', null, failures.map((f) => h('tr', null, h('th', { attrs: { scope: 'row' } }, f.username), h('td', null, f.address), h('td', null, formatNumber(f.count)), h('td', null, formatTime(f.last)), h('td', null, f.waitMs > 0 ? t('time.seconds', { s: formatNumber(Math.ceil(f.waitMs / 1000)) }) : t('adm.now'))))),
          ),
    );
  }

  #edit(u: PublicUser): void {
    this.#inputs.id.value = u.id;
    this.#inputs.name.value = u.name;
    this.#inputs.role.value = u.role;
    this.#inputs.post.value = u.post ?? '';
    this.#inputs.password.value = '';
    this.#postRow.toggleAttribute('hidden', u.role !== 'operator');
    this.#inputs.name.focus();
  }

  async #showSessions(userId: string): Promise<void> {
    try {
      const { sessions } = await this.#ctx.client.api<{ sessions: SessionRow[] }>(`/api/admin/users/${encodeURIComponent(userId)}/sessions`);
      fill(
        this.#sessions,
        h('h2', null, t('adm.sessionsOf', { user: isolate(userId) })),
        sessions.length === 0
          ? h('p', { class: 'muted' }, t('adm.noSessions'))
          : h(
              'table',
              { class: 'report-table admin-sessions' },
              h('thead', null, heads(['adm.col.device', 'adm.col.address', 'adm.col.firstSeen', 'adm.col.lastSeen', 'adm.col.status', null])),
              h(
                'tbody',
                null,
                sessions.map((s) =>
                  h(
                    'tr',
                    { attrs: { 'data-sid': s.sid } },
                    h('th', { attrs: { scope: 'row', title: s.device } }, s.device.slice(0, 60) || t('adm.unknownDevice')),
                    h('td', null, s.address),
                    h('td', null, formatTime(s.firstSeen)),
                    h('td', null, formatTime(s.lastSeen)),
                    h('td', null, s.revokedAt ? t('adm.revokedAt', { time: formatTime(s.revokedAt) }) : t('adm.active')),
                    h(
                      'td',
                      null,
                      s.revokedAt
                        ? null
                        : h('button', { class: 'danger', attrs: { type: 'button' }, on: { click: () => void this.#run(t('adm.sessionRevoked'), async () => {
                            await this.#ctx.client.apiCall('POST', `/api/admin/users/${encodeURIComponent(userId)}/sessions/${s.sid}/revoke`);
                            await this.#showSessions(userId);
                          }) } }, t('adm.revoke')),
                    ),
                  ),
                ),
              ),
            ),
      );
    } catch (err) {
      setText(this.#status, t('adm.sessionsFailed', { reason: (err as Error).message }));
    }
  }

  async #setDisabled(u: PublicUser, disabled: boolean): Promise<void> {
    const { id: _id, ...rest } = u;
    await this.#change('users', u.id, { ...rest, disabled }, disabled ? t('adm.userDisabled', { user: isolate(u.id) }) : t('adm.userEnabled', { user: isolate(u.id) }));
  }

  async #saveUser(): Promise<void> {
    const i = this.#inputs;
    const value: Record<string, unknown> = { name: i.name.value.trim(), role: i.role.value };
    // Only members with a value: a signed value must be the JSON the server receives.
    if (i.role.value === 'operator' && i.post.value) value.post = i.post.value;
    const existing = this.#config?.config.users.find((u) => u.id === i.id.value.trim());
    if (existing?.side) value.side = existing.side;
    if (existing?.sectors) value.sectors = existing.sectors;
    if (existing?.joint) value.joint = existing.joint;
    if (existing?.supervisor && i.role.value === 'operator') value.supervisor = true;
    if (i.password.value) value.password = i.password.value;
    const id = i.id.value.trim();
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(id)) {
      this.#showErrors([{ field: 'id', message: t('adm.badId', { chars: 'a-z, 0-9', dash: '"-"' }) }]);
      return;
    }
    if (await this.#change('users', id, value, t('adm.userSaved', { user: isolate(id) }))) {
      i.password.value = '';
    }
  }

  /** A signed change of one item against the version shown; field errors go to their fields. */
  async #change(section: string, itemId: string, value: Record<string, unknown>, done: string): Promise<boolean> {
    this.#showErrors([]);
    const version = this.#config?.version ?? 0;
    return this.#run(done, async () => {
      const valueHash = await sha256Hex(canonicalize(redactConfigValue(value)));
      const sig = await this.#ctx.client.sign('config:change', { baseVersion: version, section, op: 'put', itemId, valueHash });
      await this.#ctx.client.apiCall('PUT', `/api/admin/config/${section}/${encodeURIComponent(itemId)}`, { version, value, ...(sig ? { sig } : {}) });
      await this.refresh();
    });
  }

  async #run(done: string, work: () => Promise<void>): Promise<boolean> {
    setText(this.#status, t('adm.saving'));
    try {
      await work();
      setText(this.#status, done);
      return true;
    } catch (err) {
      if (err instanceof HotlineError && err.code === 'VALIDATION_FAILED' && Array.isArray(err.details?.fields)) {
        this.#showErrors(err.details.fields as { field: string; message: string }[]);
        setText(this.#status, t('adm.notSaved', { reason: (err.details.fields as { field: string; message: string }[]).map((f) => `${f.field}: ${f.message}`).join('; ') }));
      } else if (err instanceof HotlineError && err.code === 'CONFLICT') {
        setText(this.#status, t('adm.conflict'));
        await this.refresh();
      } else setText(this.#status, t('adm.notSaved', { reason: (err as Error).message }));
      return false;
    }
  }

  #showErrors(fields: { field: string; message: string }[]): void {
    for (const label of this.#form.querySelectorAll<HTMLElement>('[data-field]')) {
      const mine = fields.filter((f) => fieldName(f.field) === label.dataset.field || f.field === label.dataset.field);
      setText(label.querySelector('.field-error')!, mine.map((f) => f.message).join('; '));
      label.querySelector('input, select')?.toggleAttribute('aria-invalid', mine.length > 0);
    }
  }
}
