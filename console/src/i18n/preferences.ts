import { apiFetch } from '@hotline/client-sdk';
import type { PreferencesResponse } from '@hotline/shared';
import { isUiLanguage, type UiLanguage } from '@hotline/shared/core';
import { h, setText } from '../dom.js';
import { LANGUAGE_NAME, UI_LANGUAGES, isLoaded, language, t } from './index.js';

/**
 * The server's answer, checked for what the console relies on (the server validates it against the
 * shared `PreferencesResponse` schema; the console stays free of zod, see @hotline/shared/core).
 */
function readPreferences(body: unknown): PreferencesResponse {
  const r = body as { preferences?: { language?: unknown }; chosen?: unknown } | null;
  if (!r || typeof r.chosen !== 'boolean' || !isUiLanguage(r.preferences?.language)) throw new Error('unexpected preferences reply');
  return { preferences: { language: r.preferences.language }, chosen: r.chosen };
}

export async function storeLanguage(origin: string, token: string, lang: UiLanguage): Promise<PreferencesResponse> {
  return readPreferences(await apiFetch<unknown>(origin, '/api/me/preferences', { token, method: 'PUT', body: { language: lang } }));
}

/**
 * The language switch (login page and console header): each language named in itself. `onChange`
 * fetches the chosen language's catalog (a second or more on a slow link) before anything is redrawn:
 * meanwhile the switch is disabled and says so; when it fails (offline, never used) the switch goes back
 * to the language shown and says why, and nothing else changes.
 */
export function languageSelect(onChange: (lang: UiLanguage) => Promise<void> | void, id = 'language'): HTMLLabelElement {
  const select = h(
    'select',
    { class: 'language-select', attrs: { id, name: 'language', 'aria-label': t('lang.label') } },
    UI_LANGUAGES.map((l) => h('option', { attrs: { value: l, lang: l, selected: l === language() } }, LANGUAGE_NAME[l])),
  );
  const status = h('span', { class: 'language-status', attrs: { role: 'status', id: `${id}-status` } });
  const label = h('label', { class: 'language-switch', attrs: { title: t('lang.label') } }, select, status);
  select.addEventListener('change', () => {
    const lang = select.value as UiLanguage;
    const shown = language();
    select.disabled = true;
    label.setAttribute('aria-busy', 'true');
    setText(status, isLoaded(lang) ? '' : t('lang.loading'));
    Promise.resolve()
      .then(() => onChange(lang))
      .then(
        () => {
          select.disabled = false;
          label.removeAttribute('aria-busy');
          setText(status, '');
        },
        () => {
          select.value = shown;
          select.disabled = false;
          label.removeAttribute('aria-busy');
          setText(status, t('lang.failed'));
        },
      );
  });
  return label;
}
