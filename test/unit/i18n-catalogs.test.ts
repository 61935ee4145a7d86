import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';
import { en as enCatalog } from '../../console/src/i18n/catalogs/en.js';
import { faAF } from '../../console/src/i18n/catalogs/fa-AF.js';
import { ps } from '../../console/src/i18n/catalogs/ps.js';
import { ur } from '../../console/src/i18n/catalogs/ur.js';
import { UI_LANGUAGES, inLanguages, isLoaded, loadCatalog, t, useLanguage, type Catalog, type MessageKey, type UiLanguage } from '../../console/src/i18n/index.js';
import { formatDuration, formatTime } from '../../console/src/format.js';

/**
 * The console's message catalogs: every key in every language, the same placeholders (and plural
 * arguments) in each, every message valid ICU MessageFormat with an `other` branch for each plural,
 * and no catalog left in English.
 */

/** The argument names a message uses, with their kinds ("name", "name:plural"). */
function argumentsOf(elements: MessageFormatElement[], out = new Set<string>()): Set<string> {
  for (const el of elements) {
    if (el.type === TYPE.argument || el.type === TYPE.number || el.type === TYPE.date || el.type === TYPE.time) out.add(el.value);
    if (el.type === TYPE.plural || el.type === TYPE.select) {
      out.add(`${el.value}:${el.type === TYPE.plural ? 'plural' : 'select'}`);
      for (const option of Object.values(el.options)) argumentsOf(option.value, out);
    }
    if (el.type === TYPE.tag) argumentsOf(el.children, out);
  }
  return out;
}

/** The literal text of a message (placeholders and plural syntax left out). */
function literalText(elements: MessageFormatElement[]): string {
  let out = '';
  for (const el of elements) {
    if (el.type === TYPE.literal) out += el.value;
    else if (el.type === TYPE.plural || el.type === TYPE.select) for (const option of Object.values(el.options)) out += ` ${literalText(option.value)}`;
    else out += ' ';
  }
  return out;
}

function pluralsWithoutOther(elements: MessageFormatElement[]): string[] {
  const out: string[] = [];
  for (const el of elements) {
    if (el.type === TYPE.plural || el.type === TYPE.select) {
      if (!('other' in el.options)) out.push(el.value);
      for (const option of Object.values(el.options)) out.push(...pluralsWithoutOther(option.value));
    }
  }
  return out;
}

const CATALOGS: Record<UiLanguage, Catalog> = { en: enCatalog, ur, ps, 'fa-AF': faAF };
const en = CATALOGS.en;
const keys = Object.keys(en).sort() as MessageKey[];

describe('message catalogs', () => {
  it('are four: English, Urdu, Pashto and Dari', () => {
    expect([...UI_LANGUAGES]).toEqual(['en', 'ur', 'ps', 'fa-AF']);
  });

  for (const lang of UI_LANGUAGES) {
    it(`${lang}: every key, no other key, the same placeholders, valid ICU, an "other" for each plural`, () => {
      const catalog = CATALOGS[lang];
      expect(Object.keys(catalog).sort()).toEqual(keys);
      const problems: string[] = [];
      for (const key of keys) {
        const message = catalog[key];
        if (typeof message !== 'string' || message.trim() === '') {
          problems.push(`${key}: empty`);
          continue;
        }
        let ast: MessageFormatElement[];
        try {
          ast = parse(message);
        } catch (err) {
          problems.push(`${key}: not ICU MessageFormat (${(err as Error).message})`);
          continue;
        }
        const want = [...argumentsOf(parse(en[key]))].sort();
        const got = [...argumentsOf(ast)].sort();
        if (JSON.stringify(want) !== JSON.stringify(got)) problems.push(`${key}: placeholders ${JSON.stringify(got)}, English has ${JSON.stringify(want)}`);
        for (const arg of pluralsWithoutOther(ast)) problems.push(`${key}: plural "${arg}" without "other"`);
      }
      expect(problems).toEqual([]);
    });
  }

  for (const lang of ['ur', 'ps', 'fa-AF'] as const) {
    it(`${lang}: translated, not English left in place (beyond names, codes and key names)`, () => {
      const same = keys.filter((k) => CATALOGS[lang][k] === en[k] && /[A-Za-z]{3,}/.test(en[k]));
      expect(same).toEqual([]);
      // Messages written in Arabic script, not Latin: any Latin word must be a technical name.
      const allowed = /^(?:Alt|Enter|Shift|Space|WebCrypto|HTTPS?|https?|localhost|README|Console|km|EX)$/;
      const latin = keys.flatMap((k) => [...literalText(parse(CATALOGS[lang][k])).matchAll(/[A-Za-z]{2,}/g)].map((m) => m[0]).filter((w) => !allowed.test(w)).map((w) => `${k}: ${w}`));
      expect(latin).toEqual([]);
    });
  }

  it('English is there from the start; the others are fetched when asked for, once', async () => {
    expect(UI_LANGUAGES.filter((l) => isLoaded(l))).toEqual(['en']);
    // Not loaded yet: the key's English text, never the key or nothing.
    useLanguage('ur');
    expect(t('lang.label')).toBe('Language');
    useLanguage('en');
    const [first, again] = await Promise.all([loadCatalog('ur'), loadCatalog('ur')]);
    expect(first).toBe(again);
    expect(first).toEqual(ur);
    expect(isLoaded('ur')).toBe(true);
  });

  it('format plurals, numbers and times by the language', async () => {
    await Promise.all(UI_LANGUAGES.map((l) => loadCatalog(l)));
    useLanguage('en');
    expect(t('header.newEscalations', { count: 1 })).toBe('1 new escalation');
    expect(t('header.newEscalations', { count: 3 })).toBe('3 new escalations');
    useLanguage('ur');
    expect(t('takeover.more', { count: 1 })).toBe('اس کے بعد 1 اور آنے والا الرٹ');
    expect(t('takeover.more', { count: 2 })).toBe('اس کے بعد 2 اور آنے والے الرٹ');
    useLanguage('fa-AF');
    // Dari writes its own digits.
    expect(formatDuration(65_000)).toBe('۱:۰۵');
    expect(formatTime(Date.UTC(2026, 0, 1, 9, 5, 7), Date.UTC(2026, 0, 1, 9, 5, 7))).toMatch(/^[۰-۹]{2}:[۰-۹]{2}:[۰-۹]{2}$/);
    useLanguage('en');
    expect(formatDuration(65_000)).toBe('1:05');
    // Text for the other post: the kind in both sides' languages and English.
    expect(inLanguages('kind.drone', ['ur', 'ps'])).toBe('ڈرون · ډرون · Drone');
    expect(inLanguages('kind.drone', ['fa', 'en'])).toBe('پهپاد · Drone');
  });
});
