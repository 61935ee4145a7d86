import { ErrorCode } from '@hotline/shared';
import { HotlineClient, HotlineError } from '@hotline/client-sdk';
import { fill, h, setText } from './dom.js';
import type { Session } from './session.js';

/**
 * Whether this page lacks WebCrypto. Browsers give `crypto.subtle` only to secure contexts (https, or
 * localhost); the console needs it to make its signing key and sign every action, and the server refuses
 * unsigned ones (SIGNATURE_REQUIRED).
 */
export function webCryptoMissing(): boolean {
  return !globalThis.isSecureContext || typeof globalThis.crypto?.subtle?.generateKey !== 'function';
}

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
  if (webCryptoMissing()) {
    // Plainly, before anyone types a password: nothing sent from here would be accepted.
    form.insertBefore(
      h(
        'div',
        { class: 'insecure-origin', attrs: { role: 'alert', id: 'insecure-origin' } },
        h('strong', null, 'This console cannot work at this address.'),
        h(
          'p',
          null,
          `It was opened over plain http (${location.origin}). Browsers give the cryptography this console needs (WebCrypto) only to secure pages: https, or localhost. `,
          'Without it the console cannot sign your messages, acknowledgements and alerts with your own key, and the server would refuse every one of them.',
        ),
        h('p', null, 'Open the console at its https:// address. Whoever runs the server: put it behind HTTPS (see the README, Console).'),
      ),
      username.closest('label'),
    );
    for (const el of [username, password, submit]) el.disabled = true;
    form.setAttribute('aria-describedby', 'insecure-origin');
    fill(root, h('main', { class: 'login' }, form));
    document.title = 'Cannot sign: open over https · Hotline';
    return;
  }
  fill(root, h('main', { class: 'login' }, form));
  document.title = 'Log in · Hotline';
  (username.value ? password : username).focus();
}
