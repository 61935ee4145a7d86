/**
 * Registers the service worker (/sw.js, built from console/src/sw/) that keeps the console's shell for
 * a reload without network and makes the console installable. Needs a secure page (https or localhost).
 */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || !globalThis.isSecureContext) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
    // No worker (a private window, say): the console works, it just cannot open without network.
  });
  // The worker caches a language file when the page fetches it through the worker. On the first start
  // the page may have fetched it before the worker took over: once it has, it is asked for again through
  // it (the browser's cache answers, nothing goes over the line), so an offline start in that language
  // finds it. The font is left to the page's own next use: asking for it again here kept the console's
  // system notifications from showing in a browser test (test/browser/push.test.ts), cause not found.
  const handOver = () => {
    const onDemand = performance
      .getEntriesByType('resource')
      .map((e) => new URL(e.name))
      .filter((u) => u.origin === location.origin && /^\/lang-[^/]+\.js$/.test(u.pathname));
    for (const u of onDemand) void fetch(u.pathname).catch(() => undefined);
  };
  if (navigator.serviceWorker.controller) return;
  navigator.serviceWorker.addEventListener('controllerchange', handOver, { once: true });
}
