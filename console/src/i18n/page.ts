import { isRtl, isUiLanguage, useLanguage, type UiLanguage } from './index.js';

const STORE_KEY = 'hotline:language';

/** Switches the language and sets `<html lang dir>`; remembered in this browser for the login page and offline starts. */
export function setLanguage(lang: UiLanguage): void {
  useLanguage(lang);
  document.documentElement.lang = lang;
  document.documentElement.dir = isRtl(lang) ? 'rtl' : 'ltr';
  try {
    localStorage.setItem(STORE_KEY, lang);
  } catch {
    // No storage: the choice lasts this page.
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
