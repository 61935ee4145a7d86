import { HotlineError } from '@hotline/client-sdk';
import { canonicalize, hex, redactConfigValue } from '@hotline/shared/core';
import type { Post, PublicUser, Role } from '@hotline/shared';
import { fill, h, setText } from '../dom.js';
import { formatTime } from '../format.js';
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
    this.#users = h('section', { class: 'report-section', attrs: { 'aria-label': 'Users' } });
    this.#sessions = h('section', { class: 'report-section', attrs: { 'aria-label': 'Sessions' } });
    this.#failures = h('section', { class: 'report-section', attrs: { 'aria-label': 'Failed logins' } });
    this.#inputs = {
      id: h('input', { attrs: { name: 'id', id: 'admin-user-id', required: true, autocomplete: 'off', pattern: '[a-z0-9][a-z0-9-]{0,62}', spellcheck: 'false' } }),
      name: h('input', { attrs: { name: 'name', id: 'admin-user-name', required: true, autocomplete: 'off', dir: 'auto' } }),
      role: h('select', { attrs: { name: 'role', id: 'admin-user-role' } }, ROLES.map((r) => h('option', { attrs: { value: r } }, r))),
      post: h('select', { attrs: { name: 'post', id: 'admin-user-post' } }),
      password: h('input', { attrs: { name: 'password', id: 'admin-user-password', type: 'password', autocomplete: 'new-password', minlength: 10 } }),
    };
    const field = (label: string, input: HTMLElement, name: string) => h('label', { class: 'field', attrs: { 'data-field': name } }, h('span', null, label), input, h('span', { class: 'field-error', attrs: { 'aria-live': 'polite' } }));
    this.#postRow = field('Post', this.#inputs.post, 'post');
    this.#inputs.role.addEventListener('change', () => this.#postRow.toggleAttribute('hidden', this.#inputs.role.value !== 'operator'));
    this.#form = h(
      'form',
      { class: 'report-form admin-form', attrs: { 'aria-label': 'Add or change a user', novalidate: true }, on: { submit: (ev) => { ev.preventDefault(); void this.#saveUser(); } } },
      field('User id', this.#inputs.id, 'id'),
      field('Name', this.#inputs.name, 'name'),
      field('Role', this.#inputs.role, 'role'),
      this.#postRow,
      field('Password (new users; blank keeps it)', this.#inputs.password, 'password'),
      h('button', { class: 'primary', attrs: { type: 'submit' } }, 'Save user'),
    );
    const current = h('input', { attrs: { name: 'current', type: 'password', autocomplete: 'current-password', required: true } });
    const next = h('input', { attrs: { name: 'next', type: 'password', autocomplete: 'new-password', minlength: 10, required: true } });
    const own = h(
      'form',
      {
        class: 'report-form',
        attrs: { 'aria-label': 'Change my password' },
        on: {
          submit: (ev) => {
            ev.preventDefault();
            void this.#run('Password changed.', async () => {
              await this.#ctx.client.apiCall('POST', '/api/auth/password', { current: current.value, password: next.value });
              current.value = '';
              next.value = '';
            });
          },
        },
      },
      h('label', { class: 'field' }, h('span', null, 'Current password'), current),
      h('label', { class: 'field' }, h('span', null, 'New password'), next),
      h('button', { attrs: { type: 'submit' } }, 'Change my password'),
    );
    this.el = h(
      'section',
      { class: 'reports-view admin-view', attrs: { 'aria-label': 'Administration' } },
      h('div', { class: 'record-intro' }, h('h2', null, 'Administration'), h('p', null, 'Changes apply on every server within a second and are kept in the signed administration log.')),
      this.#status,
      h('h3', null, 'Add or change a user'),
      this.#form,
      this.#users,
      this.#sessions,
      this.#failures,
      h('h3', null, 'My password'),
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
      setText(this.#status, `Cannot load the configuration: ${(err as Error).message}`);
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
      h('div', { class: 'report-head' }, h('h2', null, 'Users'), h('span', { class: 'muted' }, `configuration version ${config.version}`)),
      h(
        'table',
        { class: 'report-table admin-users' },
        h('thead', null, h('tr', null, ['User', 'Name', 'Role', 'Post', 'Status', ''].map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
        h(
          'tbody',
          null,
          config.config.users.map((u) =>
            h(
              'tr',
              { attrs: { 'data-user': u.id } },
              h('th', { attrs: { scope: 'row' } }, u.id),
              h('td', { attrs: { dir: 'auto' } }, u.name),
              h('td', null, u.role),
              h('td', null, u.post ?? ''),
              h('td', { class: u.disabled ? 'warn-cell' : '' }, u.disabled ? 'disabled' : 'active'),
              h(
                'td',
                { class: 'row-actions' },
                h('button', { attrs: { type: 'button' }, on: { click: () => void this.#showSessions(u.id) } }, 'Sessions'),
                h('button', { attrs: { type: 'button' }, on: { click: () => this.#edit(u) } }, 'Edit'),
                h(
                  'button',
                  { class: u.disabled ? '' : 'danger', attrs: { type: 'button' }, on: { click: () => void this.#setDisabled(u, !u.disabled) } },
                  u.disabled ? 'Enable' : 'Disable',
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
      h('h2', null, 'Repeated failed logins'),
      failures.length === 0
        ? h('p', { class: 'muted' }, 'None.')
        : h(
            'table',
            { class: 'report-table admin-failures' },
            h('thead', null, h('tr', null, ['User name', 'Address', 'Failures', 'Last', 'Next attempt in'].map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
            h('tbody', null, failures.map((f) => h('tr', null, h('th', { attrs: { scope: 'row' } }, f.username), h('td', null, f.address), h('td', null, f.count), h('td', null, formatTime(f.last)), h('td', null, f.waitMs > 0 ? `${Math.ceil(f.waitMs / 1000)} s` : 'now')))),
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
        h('h2', null, `Sessions of ${userId}`),
        sessions.length === 0
          ? h('p', { class: 'muted' }, 'No sessions.')
          : h(
              'table',
              { class: 'report-table admin-sessions' },
              h('thead', null, h('tr', null, ['Device', 'Address', 'First seen', 'Last seen', 'Status', ''].map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
              h(
                'tbody',
                null,
                sessions.map((s) =>
                  h(
                    'tr',
                    { attrs: { 'data-sid': s.sid } },
                    h('th', { attrs: { scope: 'row', title: s.device } }, s.device.slice(0, 60) || 'unknown device'),
                    h('td', null, s.address),
                    h('td', null, formatTime(s.firstSeen)),
                    h('td', null, formatTime(s.lastSeen)),
                    h('td', null, s.revokedAt ? `revoked ${formatTime(s.revokedAt)}` : 'active'),
                    h(
                      'td',
                      null,
                      s.revokedAt
                        ? null
                        : h('button', { class: 'danger', attrs: { type: 'button' }, on: { click: () => void this.#run('Session revoked.', async () => {
                            await this.#ctx.client.apiCall('POST', `/api/admin/users/${encodeURIComponent(userId)}/sessions/${s.sid}/revoke`);
                            await this.#showSessions(userId);
                          }) } }, 'Revoke'),
                    ),
                  ),
                ),
              ),
            ),
      );
    } catch (err) {
      setText(this.#status, `Cannot list the sessions: ${(err as Error).message}`);
    }
  }

  async #setDisabled(u: PublicUser, disabled: boolean): Promise<void> {
    const { id: _id, ...rest } = u;
    await this.#change('users', u.id, { ...rest, disabled }, disabled ? `${u.id} disabled: sessions closed, keys revoked.` : `${u.id} enabled.`);
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
      this.#showErrors([{ field: 'id', message: 'must be 1-63 characters of a-z, 0-9 and "-"' }]);
      return;
    }
    if (await this.#change('users', id, value, `${id} saved.`)) {
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
    setText(this.#status, 'Saving…');
    try {
      await work();
      setText(this.#status, done);
      return true;
    } catch (err) {
      if (err instanceof HotlineError && err.code === 'VALIDATION_FAILED' && Array.isArray(err.details?.fields)) {
        this.#showErrors(err.details.fields as { field: string; message: string }[]);
        setText(this.#status, `Not saved: ${(err.details.fields as { field: string; message: string }[]).map((f) => `${f.field}: ${f.message}`).join('; ')}`);
      } else if (err instanceof HotlineError && err.code === 'CONFLICT') {
        setText(this.#status, 'Not saved: another admin changed the configuration meanwhile. It has been reloaded; check and save again.');
        await this.refresh();
      } else setText(this.#status, `Not saved: ${(err as Error).message}`);
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
