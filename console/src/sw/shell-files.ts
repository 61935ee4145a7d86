/**
 * Which files the service worker's shell holds, as pure functions of the build's lists (no worker or
 * DOM types, so the unit tests run them under Node).
 */

/** Every start's files (cached at install). */
declare const SHELL_FILES: string[];
/** The files only some consoles need: the catalogs of Urdu, Pashto and Dari, the Arabic-script font. */
declare const SHELL_ON_DEMAND: string[];

/** Whether a request is for the shell (the console's files or a page of it), not the API or the socket. */
export function isShellRequest(url: URL, origin: string, mode: string): boolean {
  if (url.origin !== origin) return false;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/socket.io/')) return false;
  return mode === 'navigate' || SHELL_FILES.includes(url.pathname) || SHELL_ON_DEMAND.includes(url.pathname);
}

/** A built file's name without its content hash (`/lang-ur-AB12CD34.js` → `/lang-ur.js`). */
export function withoutHash(pathname: string): string {
  return pathname.replace(/-[A-Za-z0-9]{8}(\.[A-Za-z0-9]+)$/, '$1');
}

/** The page's word that it used these on-demand files (`{ type: 'shell:keep', paths }`): those of this build. */
export function keptPaths(message: unknown): string[] | null {
  if (typeof message !== 'object' || message === null) return null;
  const m = message as { type?: unknown; paths?: unknown };
  if (m.type !== 'shell:keep' || !Array.isArray(m.paths)) return null;
  return m.paths.filter((p): p is string => typeof p === 'string' && SHELL_ON_DEMAND.includes(p));
}

/** The on-demand files of this build (for the worker's install). */
export function onDemandFiles(): readonly string[] {
  return SHELL_ON_DEMAND;
}

/** Every start's files of this build. */
export function shellFiles(): readonly string[] {
  return SHELL_FILES;
}
