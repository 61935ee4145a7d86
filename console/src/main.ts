/**
 * The border hotline console: served by the server itself from console/dist, built from this file
 * by scripts/build.ts. Everything goes through the client SDK; nothing is fetched from anywhere else.
 */
import './fonts.css';
import type { BootResponse, PreferencesResponse, UiLanguage } from '@hotline/shared';
import type { Transport } from '@hotline/client-sdk';
import { ConsoleApp } from './app.js';
import { language } from './i18n/index.js';
import { setLanguage, startLanguage, switchLanguage } from './i18n/page.js';
import { storeLanguage } from './i18n/preferences.js';
import { showLogin, webCryptoMissing } from './login.js';
import { clearSession, loadSession, saveSession, type Session } from './session.js';
import { registerServiceWorker } from './sw-register.js';

const root = document.getElementById('app');
if (!root) throw new Error('no #app element');
const appRoot: HTMLElement = root;

/** A language chosen on the login page: stored as the user's preference once they are logged in. */
let chosenAtLogin: UiLanguage | null = null;

async function boot(message?: string): Promise<void> {
  await startLanguage();
  const session = loadSession();
  // Without WebCrypto (an http:// address other than localhost) the console cannot sign: say so at the
  // login, whether or not a session is stored, instead of hanging at "connecting".
  if (!session || webCryptoMissing()) {
    showLogin(appRoot, {
      message,
      onLoggedIn: (s, b, transport) => {
        saveSession(s);
        run(s, b, transport);
      },
      onLanguage: async (lang) => {
        await switchLanguage(lang);
        chosenAtLogin = lang;
        await boot(message);
      },
    });
    return;
  }
  run(session);
}

/**
 * The console, in the user's language: chosen at the login (stored as their preference on the way,
 * without waiting), else their stored preference (in the boot answer: the login's, or GET /api/boot's
 * on a reload), else the language this browser used last (offline).
 */
function run(session: Session, answer?: BootResponse, transport?: Transport): void {
  const chosen = chosenAtLogin;
  chosenAtLogin = null;
  if (chosen) {
    setLanguage(chosen);
    void storeLanguage(location.origin, session.token, chosen).catch(() => undefined);
  }
  // Another language stored for the user (chosen on another device): its catalog first; offline
  // without it, the console stays in the one it opened in.
  const applyPreferences = async (prefs: PreferencesResponse): Promise<void> => {
    if (!chosen) await switchLanguage(prefs.preferences.language).catch(() => undefined);
  };
  void ConsoleApp.start(appRoot, session, {
    onSignedOut: (message) => {
      clearSession();
      void boot(message);
    },
    // Called with the catalog loaded (the header's switch waits for it).
    onLanguage: (lang) => {
      setLanguage(lang);
      // Offline, the choice is kept in this browser only (stored for the user the next time it is changed online).
      storeLanguage(location.origin, session.token, lang)
        .catch(() => undefined)
        .finally(() => location.reload());
    },
  }, { boot: answer, applyPreferences, transport });
}

document.documentElement.lang = language();
registerServiceWorker();
void boot();
