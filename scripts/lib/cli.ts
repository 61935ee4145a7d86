/** Flag validation for the scripts: every bad flag becomes a UsageError naming the flag and the rule. */
import { Duration } from '@hotline/shared';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A number flag within [min, max]; `undefined` when absent and no default. */
export function numberFlag(name: string, raw: string | undefined, opts: { min: number; max: number; integer?: boolean }): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name}: "${raw}" is not a number`);
  if (opts.integer && !Number.isInteger(v)) throw new UsageError(`--${name}: must be a whole number, got ${raw}`);
  if (v < opts.min) throw new UsageError(`--${name}: must be at least ${opts.min}, got ${raw}`);
  if (v > opts.max) throw new UsageError(`--${name}: ${raw} is above the limit of ${opts.max}`);
  return v;
}

/** A duration flag ("250ms", "30s", "5m", "1h" or milliseconds) within [min, max] ms. */
export function durationFlag(name: string, raw: string | undefined, opts: { min: number; max: number }): number | undefined {
  if (raw === undefined) return undefined;
  const parsed = Duration.safeParse(/^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw.trim());
  if (!parsed.success) throw new UsageError(`--${name}: "${raw}" is not a duration (e.g. 250ms, 30s, 5m, 1h)`);
  const ms = parsed.data;
  if (ms < opts.min) throw new UsageError(`--${name}: must be at least ${formatDuration(opts.min)}, got ${raw}`);
  if (ms > opts.max) throw new UsageError(`--${name}: ${raw} is above the limit of ${formatDuration(opts.max)}`);
  return ms;
}

/** One of a fixed set of words. */
export function enumFlag<T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) throw new UsageError(`--${name}: must be one of ${allowed.join(', ')}; got "${raw}"`);
  return raw as T;
}

/** A comma-separated list of non-empty words. */
export function listFlag(name: string, raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const items = raw.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new UsageError(`--${name}: empty item in "${raw}"`);
  return items;
}

/** "1.5s", "2m 05s", "350ms" */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(ms < 10_000 ? 1 : 0))}s`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m ${String(s).padStart(2, '0')}s`;
}
