import { z } from 'zod';

/**
 * The console's own settings per user, kept by the server so they follow the user to any device:
 * GET /api/me/preferences answers `PreferencesResponse`; PUT /api/me/preferences takes `PreferencesUpdate`.
 */

/** Languages the console's interface is translated into (docs/glossary.md). Dari is `fa-AF`. */
export const UI_LANGUAGES = ['en', 'ur', 'ps', 'fa-AF'] as const;
export const UiLanguage = z.enum(UI_LANGUAGES);
export type UiLanguage = z.infer<typeof UiLanguage>;

export const Preferences = z.strictObject({
  language: UiLanguage,
});
export type Preferences = z.infer<typeof Preferences>;

/** A change of some preferences; what is left out stays as it was. */
export const PreferencesUpdate = Preferences.partial();
export type PreferencesUpdate = z.infer<typeof PreferencesUpdate>;

export const PreferencesResponse = z.strictObject({
  preferences: Preferences,
  /** Whether the user chose them; otherwise they are the defaults (their side's working language). */
  chosen: z.boolean(),
});
export type PreferencesResponse = z.infer<typeof PreferencesResponse>;

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
