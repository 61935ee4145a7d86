/**
 * The border hotline console: served by the server itself from console/dist, built from this file
 * by scripts/build.ts. Everything goes through the client SDK; nothing is fetched from anywhere else.
 */
import './fonts.css';
import { ConsoleApp } from './app.js';
import { showLogin, webCryptoMissing } from './login.js';
import { clearSession, loadSession, saveSession, type Session } from './session.js';

const root = document.getElementById('app');
if (!root) throw new Error('no #app element');
const appRoot: HTMLElement = root;

function boot(message?: string): void {
  const session = loadSession();
  // Without WebCrypto (an http:// address other than localhost) the console cannot sign: say so at the
  // login, whether or not a session is stored, instead of hanging at "connecting".
  if (!session || webCryptoMissing()) {
    showLogin(appRoot, {
      message,
      onLoggedIn: (s) => {
        saveSession(s);
        run(s);
      },
    });
    return;
  }
  run(session);
}

function run(session: Session): void {
  void ConsoleApp.start(appRoot, session, {
    onSignedOut: (message) => {
      clearSession();
      boot(message);
    },
  });
}

boot();
