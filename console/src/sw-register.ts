/** The files only some consoles need (a language's catalog, the Arabic-script font). */
const ON_DEMAND = /^\/lang-[^/]+\.js$|\.woff2$/;

/**
 * Registers the service worker (/sw.js, built from console/src/sw/) that keeps the console's shell for
 * a reload without network and makes the console installable. Needs a secure page (https or localhost).
 */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || !globalThis.isSecureContext) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
    // No worker (a private window, say): the console works, it just cannot open without network.
  });
  // The worker caches a language file or the font when the page fetches it through the worker. On the
  // first start the page fetches them before the worker controls it: the page tells the worker which
  // it used (every one, as it is fetched, from the start on), and the worker caches those it has not
  // (from the browser's HTTP cache, nothing goes over the line), so an offline start in that language
  // finds them.
  const tell = (entries: readonly PerformanceEntry[]) => {
    const paths = entries
      .map((e) => new URL(e.name))
      .filter((u) => u.origin === location.origin && ON_DEMAND.test(u.pathname))
      .map((u) => u.pathname);
    if (paths.length === 0) return;
    void navigator.serviceWorker.ready.then((reg) => reg.active?.postMessage({ type: 'shell:keep', paths }));
  };
  try {
    new PerformanceObserver((list) => tell(list.getEntries())).observe({ type: 'resource', buffered: true });
  } catch {
    tell(performance.getEntriesByType('resource'));
  }
}
