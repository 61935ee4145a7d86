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
  // first start the page may have fetched them before the worker took over: once it has, they are asked
  // for again through it (the browser's cache answers, nothing goes over the line), so an offline start
  // in that language finds them.
  const handOver = () => {
    const onDemand = performance
      .getEntriesByType('resource')
      .map((e) => new URL(e.name))
      .filter((u) => u.origin === location.origin && (/^\/lang-[^/]+\.js$/.test(u.pathname) || u.pathname.endsWith('.woff2')));
    for (const u of onDemand) void fetch(u.pathname).catch(() => undefined);
  };
  if (navigator.serviceWorker.controller) return;
  navigator.serviceWorker.addEventListener('controllerchange', handOver, { once: true });
}
