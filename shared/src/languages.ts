/**
 * The languages of the console's interface, free of zod so the console can use them (core.ts); the
 * preferences' wire schema (preferences.ts) is built on the same list.
 */

/** Languages the console's interface is translated into (docs/glossary.md). Dari is `fa-AF`. */
export const UI_LANGUAGES = ['en', 'ur', 'ps', 'fa-AF'] as const;
export type UiLanguage = (typeof UI_LANGUAGES)[number];

export function isUiLanguage(v: unknown): v is UiLanguage {
  return typeof v === 'string' && (UI_LANGUAGES as readonly string[]).includes(v);
}

/**
 * The interface language a side's languages call for: the first of them the console is translated
 * into (a tag's region is kept for Dari, `fa-AF`; plain `fa` is taken as Dari too), else English.
 */
export function uiLanguageFor(languages: readonly string[]): UiLanguage {
  for (const tag of languages) {
    const lower = tag.toLowerCase();
    if (lower === 'fa-af' || lower === 'prs' || lower === 'fa') return 'fa-AF';
    const base = lower.split('-')[0]!;
    if (base === 'en' || base === 'ur' || base === 'ps') return base;
  }
  return 'en';
}
