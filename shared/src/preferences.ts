import { z } from 'zod';
import { UI_LANGUAGES } from './languages.js';

/**
 * The console's own settings per user, kept by the server so they follow the user to any device:
 * GET /api/me/preferences answers `PreferencesResponse`; PUT /api/me/preferences takes `PreferencesUpdate`.
 */

export const UiLanguageSchema = z.enum(UI_LANGUAGES);

export const Preferences = z.strictObject({
  language: UiLanguageSchema,
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
