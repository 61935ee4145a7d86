/**
 * Files the console hands to the user: made in the page (an export it fetched and verified, a CSV) and
 * saved through a temporary object URL, so the token never appears in an address.
 */

/** Offers a Blob as a download under `name`. */
export function saveFile(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** GET an API path with the bearer token; throws with the server's message when refused. */
export async function fetchWithToken(path: string, token: string, signal?: AbortSignal): Promise<Response> {
  const res = await fetch(path, { headers: { authorization: `Bearer ${token}` }, cache: 'no-store', ...(signal ? { signal } : {}) });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    throw new Error(body?.error ? `${body.error.code ?? res.status}: ${body.error.message ?? ''}` : `HTTP ${res.status}`);
  }
  return res;
}

/** "2024-05-01T0930" for file names, in local time. */
export function fileStamp(ts = Date.now()): string {
  const d = new Date(ts);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** A datetime-local input's value as ms since the epoch, or undefined when empty or invalid. */
export function localInputTime(value: string): number | undefined {
  if (!value) return undefined;
  const t = new Date(value).getTime();
  return Number.isFinite(t) ? t : undefined;
}

/** ms since the epoch as a datetime-local value (local time, to the minute). */
export function toLocalInput(ts: number): string {
  const d = new Date(ts);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
