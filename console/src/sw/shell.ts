/**
 * The application shell in the service worker: the console's own files (listed by the build in
 * SHELL_FILES, with a version that names the cache) are cached at install, so a reload without network
 * still opens the console; it then works from what the browser keeps (session, topology, history and
 * outbox) and catches up when the line is back. The API and the socket are never touched.
 *
 * A page of the console (index.html) comes from the cache at once when it is there: on a satellite link
 * asking the network first costs a round trip or two (most of a second each) on every start, for a file
 * that changes only with a deployment. A deployment is still picked up: the browser checks /sw.js on every
 * navigation (it is served `no-cache`, and its version names every shell file's content), so a new
 * build's worker installs in the background, caches the new shell, takes over and drops the old cache;
 * the load after that opens the new version. The price is one load on the old version, as a console
 * left open already runs it until reloaded. The console's other files are asked of the network first
 * (their hashed names make them immutable, and the HTTP cache answers them), the cache only when the
 * network fails or hangs; the same for a page not cached yet.
 *
 * Some files are needed only by some consoles (SHELL_ON_DEMAND: the catalogs of Urdu, Pashto and Dari,
 * the Arabic-script font): not fetched at install, so an English console never downloads them; cached
 * when the console first uses one (through this worker's fetch, or, before the worker controlled the
 * page, at the page's word: `shell:keep`), so it opens offline in that language from then on. A new
 * version's worker fetches at install those the last version had cached (same name but the content
 * hash), so a deployment keeps a console's language offline.
 */

import { isShellRequest, keptPaths, onDemandFiles, shellFiles, withoutHash } from './shell-files.js';

export { isShellRequest, withoutHash, keptPaths };

/** The few service-worker types used here (the console compiles against the DOM's types, not the worker's). */
export interface ExtendableEventLike extends Event {
  waitUntil(p: Promise<unknown>): void;
}
export interface FetchEventLike extends ExtendableEventLike {
  readonly request: Request;
  respondWith(r: Response | Promise<Response>): void;
}
export interface ShellMessageEventLike extends ExtendableEventLike {
  readonly data: unknown;
}
export interface WorkerScope {
  addEventListener(type: 'install' | 'activate', fn: (ev: ExtendableEventLike) => void): void;
  addEventListener(type: 'fetch', fn: (ev: FetchEventLike) => void): void;
  addEventListener(type: 'message', fn: (ev: ShellMessageEventLike) => void): void;
  skipWaiting(): Promise<void>;
  readonly clients: { claim(): Promise<void> };
  readonly location: Location;
}

declare const SHELL_VERSION: string;

const PREFIX = 'hotline-shell-';
const CACHE = `${PREFIX}${SHELL_VERSION}`;
/** A network that neither answers nor fails (a silent cut): the cached shell after this long. */
const NETWORK_WAIT_MS = 4000;

function withTimeout(p: Promise<Response>, ms: number): Promise<Response> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('network timeout')), ms);
    p.then(
      (r) => {
        clearTimeout(timer);
        resolve(r);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** The on-demand files whose earlier version an older cache of the shell holds (the ones in use here). */
async function onDemandInUse(): Promise<string[]> {
  const stems = new Set<string>();
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX) || name === CACHE) continue;
    for (const req of await (await caches.open(name)).keys()) stems.add(withoutHash(new URL(req.url).pathname));
  }
  return onDemandFiles().filter((f) => stems.has(withoutHash(f)));
}


/**
 * Caches on-demand files the page used, those not cached yet: the HTTP cache answers (the page has just
 * fetched them and their names are immutable), so nothing goes over the line. A file that cannot be had
 * now is left for the next word.
 */
async function keep(paths: readonly string[]): Promise<void> {
  const cache = await caches.open(CACHE);
  for (const path of new Set(paths)) {
    if (await cache.match(path)) continue;
    try {
      const res = await fetch(path);
      if (res.ok) await cache.put(path, res);
    } catch {
      // Offline or gone: asked again when the page next uses it.
    }
  }
}

/** This version's page: as fetched last, else as cached at install (the shell's "/"). */
async function cachedPage(): Promise<Response | undefined> {
  const cache = await caches.open(CACHE);
  return (await cache.match('/index.html')) ?? (await cache.match('/'));
}

export function installShell(scope: WorkerScope): void {
  scope.addEventListener('install', (ev) => {
    ev.waitUntil(
      caches
        .open(CACHE)
        .then(async (cache) => cache.addAll([...shellFiles(), ...(await onDemandInUse())]))
        .then(() => scope.skipWaiting()),
    );
  });
  scope.addEventListener('activate', (ev) => {
    ev.waitUntil(
      caches
        .keys()
        .then((keys) => Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE).map((k) => caches.delete(k))))
        .then(() => scope.clients.claim()),
    );
  });
  // On-demand files the page fetched before this worker controlled it (the first start) did not pass
  // through it: the page names them, and they are cached from the HTTP cache.
  scope.addEventListener('message', (ev) => {
    const paths = keptPaths(ev.data);
    if (paths && paths.length > 0) ev.waitUntil(keep(paths));
  });
  scope.addEventListener('fetch', (ev) => {
    const req = ev.request;
    if (req.method !== 'GET') return;
    const url = new URL(req.url);
    if (!isShellRequest(url, scope.location.origin, req.mode)) return;
    // Every page of the console is index.html (the address only says which tab).
    const key = req.mode === 'navigate' ? '/index.html' : url.pathname;
    const network = (): Promise<Response> =>
      withTimeout(fetch(req), NETWORK_WAIT_MS)
        .then(async (res) => {
          if (res.ok) {
            const copy = res.clone();
            void caches.open(CACHE).then((c) => c.put(key, copy));
          }
          return res;
        })
        .catch(async () => {
          const cached = await caches.match(key, { cacheName: CACHE });
          if (cached) return cached;
          return new Response('offline', { status: 503, headers: { 'content-type': 'text/plain' } });
        });
    ev.respondWith(req.mode === 'navigate' ? cachedPage().then((page) => page ?? network()) : network());
  });
}
