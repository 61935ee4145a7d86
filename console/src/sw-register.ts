/**
 * Registers the service worker (/sw.js, built from console/src/sw/) that keeps the console's shell for
 * a reload without network and makes the console installable. Needs a secure page (https or localhost).
 */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || !globalThis.isSecureContext) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
    // No worker (a private window, say): the console works, it just cannot open without network.
  });
}
