import { ErrorCode } from '@hotline/shared';
import { HotlineClient, HotlineError, closeTransport, openTransport, type Transport } from '@hotline/client-sdk';
import { fill, h, setText } from './dom.js';
import type { Session } from './session.js';
import { t } from './i18n/index.js';
import { languageSelect } from './i18n/preferences.js';
import type { BootResponse, UiLanguage } from '@hotline/shared';

/**
 * Whether this page lacks WebCrypto. Browsers give `crypto.subtle` only to secure contexts (https, or
 * localhost); the console needs it to make its signing key and sign every action, and the server refuses
 * unsigned ones (SIGNATURE_REQUIRED).
 */
export function webCryptoMissing(): boolean {
  return !globalThis.isSecureContext || typeof globalThis.crypto?.subtle?.generateKey !== 'function';
}

/**
 * The login form. Calls `onLoggedIn` with the new session, what the console needs to start (one
 * answer) and the WebSocket opened while the login was on its way (its TCP and upgrade round trips
 * overlap with the login's instead of following it; closed again when the login fails).
 */
export function showLogin(
  root: HTMLElement,
  options: {
    message?: string | undefined;
    onLoggedIn: (session: Session, boot: BootResponse, transport: Transport) => void;
    onLanguage: (lang: UiLanguage) => Promise<void> | void;
  },
): void {
  const username = h('input', { attrs: { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false', id: 'login-user' } });
  const password = h('input', { attrs: { name: 'password', type: 'password', autocomplete: 'current-password', required: true, id: 'login-password' } });
  const error = h('p', { class: 'form-error', attrs: { role: 'alert', id: 'login-error' } }, options.message ?? '');
  const submit = h('button', { class: 'primary', attrs: { type: 'submit' } }, t('login.submit'));
  const form = h(
    'form',
    { class: 'login-form', attrs: { 'aria-labelledby': 'login-title' } },
    h('div', { class: 'login-head' }, h('h1', { id: 'login-title' }, t('login.title')), languageSelect(options.onLanguage, 'login-language')),
    h('p', { class: 'login-sub' }, t('login.sub')),
    h('label', { class: 'field', attrs: { for: 'login-user' } }, h('span', null, t('login.user')), username),
    h('label', { class: 'field', attrs: { for: 'login-password' } }, h('span', null, t('login.password')), password),
    error,
    submit,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    setText(submit, t('login.busy'));
    setText(error, '');
    const transport = openTransport(location.origin);
    HotlineClient.loginWithBoot(location.origin, username.value.trim(), password.value)
      .then(({ boot, ...login }) => {
        password.value = '';
        options.onLoggedIn({ ...login, drill: boot.drill }, boot, transport);
      })
      .catch((err: unknown) => {
        closeTransport(transport);
        const code = err instanceof HotlineError ? err.code : undefined;
        setText(
          error,
          code === ErrorCode.UNAUTHENTICATED
            ? t('login.wrong')
            : code === ErrorCode.DISCONNECTED
              ? t('login.unreachable')
              : t('login.failed', { reason: (err as Error).message }),
        );
        submit.disabled = false;
        setText(submit, t('login.submit'));
        password.select();
      });
  });
  if (webCryptoMissing()) {
    // Plainly, before anyone types a password: nothing sent from here would be accepted.
    form.insertBefore(
      h(
        'div',
        { class: 'insecure-origin', attrs: { role: 'alert', id: 'insecure-origin' } },
        h('strong', null, t('login.insecureTitle')),
        h(
          'p',
          null,
          t('login.insecureWhy', { origin: location.origin }),
          ' ',
          t('login.insecureEffect'),
        ),
        h('p', null, t('login.insecureFix')),
      ),
      username.closest('label'),
    );
    for (const el of [username, password, submit]) el.disabled = true;
    form.setAttribute('aria-describedby', 'insecure-origin');
    fill(root, h('main', { class: 'login' }, form));
    document.title = t('login.insecureDocTitle');
    return;
  }
  fill(root, h('main', { class: 'login' }, form));
  document.title = t('login.docTitle');
  (username.value ? password : username).focus();
}
