import { IntlMessageFormat } from 'intl-messageformat';
import { UI_LANGUAGES, type UiLanguage } from '@hotline/shared/core';
import { en, type MessageKey } from './catalogs/en.js';

/**
 * The console's interface language: every label comes from a message catalog (ICU MessageFormat through
 * intl-messageformat, so plurals follow each language's Intl.PluralRules); times, dates and numbers
 * through Intl for the chosen locale. The page's `lang` and `dir` follow the choice. Changing the
 * language reloads the console (everything is drawn again in the new language; nothing is lost, the
 * outbox and drafts are kept in storage).
 *
 * English, the fallback, is part of the console's script; Urdu, Pashto and Dari are files of their own
 * (split off by the build with content-hashed names), fetched only when chosen (`loadCatalog`), so a
 * console on a satellite or GPRS link downloads one language, not four. The service worker keeps the
 * one in use for offline starts.
 */

export type { MessageKey } from './catalogs/en.js';
export { UI_LANGUAGES, type UiLanguage };

export type Catalog = Readonly<Record<MessageKey, string>>;

/** The catalogs loaded so far (English always). */
const catalogs = new Map<UiLanguage, Catalog>([['en', en]]);
const loading = new Map<UiLanguage, Promise<Catalog>>();

/** Each catalog but English, imported on demand (the build points each import at the catalog's own hashed file). */
function importCatalog(lang: Exclude<UiLanguage, 'en'>): Promise<Catalog> {
  switch (lang) {
    case 'ur':
      return import('./catalogs/ur.js').then((m) => m.ur);
    case 'ps':
      return import('./catalogs/ps.js').then((m) => m.ps);
    case 'fa-AF':
      return import('./catalogs/fa-AF.js').then((m) => m.faAF);
  }
}

/** Whether `lang`'s catalog is here (then `useLanguage` shows it at once). */
export function isLoaded(lang: UiLanguage): boolean {
  return catalogs.has(lang);
}

/**
 * Fetches `lang`'s catalog once (the network, else the service worker's cache); rejects when neither
 * has it (offline before it was ever used), and a later call tries again.
 */
export function loadCatalog(lang: UiLanguage): Promise<Catalog> {
  const have = catalogs.get(lang);
  if (have) return Promise.resolve(have);
  if (lang === 'en') return Promise.resolve(en);
  let pending = loading.get(lang);
  if (!pending) {
    pending = importCatalog(lang).then(
      (catalog) => {
        catalogs.set(lang, catalog);
        loading.delete(lang);
        return catalog;
      },
      (err: unknown) => {
        loading.delete(lang);
        throw err;
      },
    );
    loading.set(lang, pending);
  }
  return pending;
}

/** Each language named in itself, for the language switch. */
export const LANGUAGE_NAME: Readonly<Record<UiLanguage, string>> = { en: 'English', ur: 'اردو', ps: 'پښتو', 'fa-AF': 'دری' };

/** The locale used for Intl formats (digits, month names, calendars) of each interface language. */
const FORMAT_LOCALE: Readonly<Record<UiLanguage, string>> = { en: 'en-GB', ur: 'ur-PK', ps: 'ps-AF', 'fa-AF': 'fa-AF' };
const RTL: ReadonlySet<UiLanguage> = new Set(['ur', 'ps', 'fa-AF']);

let current: UiLanguage = 'en';
const compiled = new Map<string, IntlMessageFormat>();

export function isUiLanguage(v: unknown): v is UiLanguage {
  return typeof v === 'string' && (UI_LANGUAGES as readonly string[]).includes(v);
}

export function language(): UiLanguage {
  return current;
}

export function isRtl(lang: UiLanguage = current): boolean {
  return RTL.has(lang);
}

export function formatLocale(lang: UiLanguage = current): string {
  return FORMAT_LOCALE[lang];
}

/**
 * Switches the catalog (the page's `lang` and `dir` follow through ./page.ts). Pure: no DOM. Load the
 * catalog first (`loadCatalog`); until it is here, messages are in English.
 */
export function useLanguage(lang: UiLanguage): void {
  current = lang;
  compiled.clear();
}

/** Stands for a live countdown element inside a message; views split the text there (`withCountdown`). */
export const COUNTDOWN_SLOT = '\u2063\u23F1\u2063';

export type MessageValues = Record<string, string | number>;

/** The message `key` in the current language, its placeholders filled from `values`. */
export function t(key: MessageKey, values?: MessageValues): string {
  let fmt = compiled.get(key);
  if (!fmt) {
    const source = catalogs.get(current)?.[key] ?? en[key];
    fmt = new IntlMessageFormat(source, formatLocale());
    compiled.set(key, fmt);
  }
  const out = fmt.format(values);
  return typeof out === 'string' ? out : String(out);
}

/** The message `${prefix}${name}`, for keys built from a value (alert kinds, severities). */
export function tk(prefix: string, name: string | number, values?: MessageValues): string {
  return t(`${prefix}${name}` as MessageKey, values);
}

/** The interface language of a language tag (a side's languages in the topology), if there is one. */
export function languageOfTag(tag: string): UiLanguage | undefined {
  const lower = tag.toLowerCase();
  return lower === 'fa' || lower === 'prs' ? 'fa-AF' : UI_LANGUAGES.find((l) => l.toLowerCase() === lower || l === lower.split('-')[0]);
}

/**
 * A message in several languages at once (each translated one among `tags`, then English), joined by
 * " · ": for text that goes over the wire to a post that reads another language. Only catalogs loaded
 * are used (`loadCatalog` them beforehand, as the raise form does when it opens); English always.
 */
export function inLanguages(key: MessageKey, tags: readonly string[], values?: MessageValues): string {
  const langs = new Set<UiLanguage>();
  for (const tag of [...tags, 'en']) {
    const lang = languageOfTag(tag);
    if (lang) langs.add(lang);
  }
  return [...langs]
    .flatMap((l) => {
      const catalog = catalogs.get(l);
      return catalog ? [new IntlMessageFormat(catalog[key], FORMAT_LOCALE[l]).format(values)] : [];
    })
    .join(' · ');
}

/** Upper case where the script has it (Latin); Arabic script has no case. */
export function upper(text: string): string {
  return text.toLocaleUpperCase(formatLocale());
}

const numberFormats = new Map<string, Intl.NumberFormat>();
export function formatNumber(n: number, options: Intl.NumberFormatOptions = {}): string {
  const key = `${current}|${JSON.stringify(options)}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(formatLocale(), options)));
  return f.format(n);
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
export function formatDate(ts: number, options: Intl.DateTimeFormatOptions): string {
  const key = `${current}|${JSON.stringify(options)}`;
  let f = dateFormats.get(key);
  if (!f) dateFormats.set(key, (f = new Intl.DateTimeFormat(formatLocale(), options)));
  return f.format(ts);
}
