import { isRtl, isUiLanguage, loadCatalog, useLanguage, type UiLanguage } from './index.js';

const STORE_KEY = 'hotline:language';

/**
 * Switches the language and sets `<html lang dir>`; remembered in this browser for the login page and
 * offline starts (unless `remember` is false). Its catalog must be loaded (`switchLanguage` does both).
 */
export function setLanguage(lang: UiLanguage, remember = true): void {
  useLanguage(lang);
  document.documentElement.lang = lang;
  document.documentElement.dir = isRtl(lang) ? 'rtl' : 'ltr';
  if (!remember) return;
  try {
    localStorage.setItem(STORE_KEY, lang);
  } catch {
    // No storage: the choice lasts this page.
  }
}

/** Fetches `lang`'s catalog (rejects when it cannot be had, nothing changed), then switches to it. */
export async function switchLanguage(lang: UiLanguage): Promise<void> {
  await loadCatalog(lang);
  setLanguage(lang);
}

/**
 * The language to open in (`browserLanguage`), its catalog fetched before anything is drawn, so the
 * first paint is in it (no English first). English when that catalog cannot be had (offline before it
 * was ever used), the choice still remembered for the next start.
 */
export async function startLanguage(): Promise<void> {
  const lang = browserLanguage();
  try {
    await loadCatalog(lang);
    setLanguage(lang);
  } catch {
    setLanguage('en', false);
  }
}

/** The language this browser last used, else the browser's own if translated, else English. */
export function browserLanguage(): UiLanguage {
  try {
    const stored = localStorage.getItem(STORE_KEY);
    if (isUiLanguage(stored)) return stored;
  } catch {
    // fall through
  }
  for (const tag of navigator.languages) {
    const lower = tag.toLowerCase();
    if (lower === 'fa-af' || lower === 'prs') return 'fa-AF';
    const base = lower.split('-')[0];
    if (base === 'ur' || base === 'ps' || base === 'en') return base;
  }
  return 'en';
}
