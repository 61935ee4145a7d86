/**
 * The application shell in the service worker: the console's own files (listed by the build in
 * SHELL_FILES, with a version that names the cache) are cached at install, so a reload without network
 * still opens the console; it then works from what the browser keeps (session, topology, history and
 * outbox) and catches up when the line is back. Network first, so a new deployment is picked up at once;
 * the cache only when the network fails or hangs. The API and the socket are never touched.
 */

/** The few service-worker types used here (the console compiles against the DOM's types, not the worker's). */
export interface ExtendableEventLike extends Event {
  waitUntil(p: Promise<unknown>): void;
}
export interface FetchEventLike extends ExtendableEventLike {
  readonly request: Request;
  respondWith(r: Response | Promise<Response>): void;
}
export interface WorkerScope {
  addEventListener(type: 'install' | 'activate', fn: (ev: ExtendableEventLike) => void): void;
  addEventListener(type: 'fetch', fn: (ev: FetchEventLike) => void): void;
  skipWaiting(): Promise<void>;
  readonly clients: { claim(): Promise<void> };
  readonly location: Location;
}

declare const SHELL_FILES: string[];
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

/** Whether a request is for the shell (the console's files or a page of it), not the API or the socket. */
export function isShellRequest(url: URL, origin: string, mode: RequestMode): boolean {
  if (url.origin !== origin) return false;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/socket.io/')) return false;
  return mode === 'navigate' || SHELL_FILES.includes(url.pathname);
}

export function installShell(scope: WorkerScope): void {
  scope.addEventListener('install', (ev) => {
    ev.waitUntil(
      caches
        .open(CACHE)
        .then((cache) => cache.addAll(SHELL_FILES))
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
  scope.addEventListener('fetch', (ev) => {
    const req = ev.request;
    if (req.method !== 'GET') return;
    const url = new URL(req.url);
    if (!isShellRequest(url, scope.location.origin, req.mode)) return;
    // Every page of the console is index.html (the address only says which tab).
    const key = req.mode === 'navigate' ? '/index.html' : url.pathname;
    ev.respondWith(
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
        }),
    );
  });
}
