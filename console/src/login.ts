import { ErrorCode } from '@hotline/shared';
import { HotlineClient, HotlineError } from '../../client-sdk/src/index.js';
import { fill, h, setText } from './dom.js';
import type { Session } from './session.js';

/** The login form. Calls `onLoggedIn` with the new session. */
export function showLogin(root: HTMLElement, options: { message?: string | undefined; onLoggedIn: (session: Session) => void }): void {
  const username = h('input', { attrs: { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false', id: 'login-user' } });
  const password = h('input', { attrs: { name: 'password', type: 'password', autocomplete: 'current-password', required: true, id: 'login-password' } });
  const error = h('p', { class: 'form-error', attrs: { role: 'alert', id: 'login-error' } }, options.message ?? '');
  const submit = h('button', { class: 'primary', attrs: { type: 'submit' } }, 'Log in');
  const form = h(
    'form',
    { class: 'login-form', attrs: { 'aria-labelledby': 'login-title' } },
    h('h1', { id: 'login-title' }, 'Border hotline'),
    h('p', { class: 'login-sub' }, 'Operator, commander and monitor console'),
    h('label', { class: 'field', attrs: { for: 'login-user' } }, h('span', null, 'User'), username),
    h('label', { class: 'field', attrs: { for: 'login-password' } }, h('span', null, 'Password'), password),
    error,
    submit,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    setText(submit, 'Logging in…');
    setText(error, '');
    HotlineClient.login(location.origin, username.value.trim(), password.value)
      .then((session) => {
        password.value = '';
        options.onLoggedIn(session);
      })
      .catch((err: unknown) => {
        const code = err instanceof HotlineError ? err.code : undefined;
        setText(
          error,
          code === ErrorCode.UNAUTHENTICATED
            ? 'Unknown user or wrong password.'
            : code === ErrorCode.DISCONNECTED
              ? 'Cannot reach the server. Check the line and try again.'
              : `Login failed: ${(err as Error).message}`,
        );
        submit.disabled = false;
        setText(submit, 'Log in');
        password.select();
      });
  });
  fill(root, h('main', { class: 'login' }, form));
  document.title = 'Log in · Hotline';
  (username.value ? password : username).focus();
}
