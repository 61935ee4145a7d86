/** Seeded randomness for drills (so a drill can be replayed with --seed) and delay distributions. Pure. */
import { formatDuration, UsageError } from '../lib/cli.js';
import { Duration } from '@hotline/shared';

/** mulberry32: small, fast, good enough for simulation. */
export class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** true with probability p. */
  chance(p: number): boolean {
    return p >= 1 || (p > 0 && this.next() < p);
  }
  int(minInclusive: number, maxInclusive: number): number {
    return minInclusive + Math.floor(this.next() * (maxInclusive - minInclusive + 1));
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }
  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** A delay distribution in milliseconds. */
export type DelayDistribution =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'exp'; meanMs: number }
  | { kind: 'lognormal'; medianMs: number; sigma: number };

/** Longest delay any distribution yields (a responder never waits longer). */
export const MAX_DELAY_MS = 3_600_000;

function dur(flag: string, raw: string): number {
  const parsed = Duration.safeParse(/^\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw);
  if (!parsed.success) throw new UsageError(`--${flag}: "${raw}" is not a duration (e.g. 500ms, 8s, 2m)`);
  if (parsed.data > MAX_DELAY_MS) throw new UsageError(`--${flag}: ${raw} is above the limit of ${formatDuration(MAX_DELAY_MS)}`);
  return parsed.data;
}

/**
 * Parses "fixed:5s", "uniform:2s..20s", "exp:10s" (mean) or "lognormal:8s:0.9" (median, sigma).
 */
export function parseDelay(flag: string, spec: string): DelayDistribution {
  const [kind, ...rest] = spec.trim().split(':');
  const arg = rest.join(':');
  switch (kind) {
    case 'fixed':
      return { kind: 'fixed', ms: dur(flag, arg) };
    case 'uniform': {
      const m = /^(.+?)\.\.(.+)$/.exec(arg);
      if (!m) throw new UsageError(`--${flag}: write uniform:<min>..<max>, e.g. uniform:2s..20s`);
      const minMs = dur(flag, m[1]!);
      const maxMs = dur(flag, m[2]!);
      if (maxMs < minMs) throw new UsageError(`--${flag}: the maximum of uniform:${arg} is below its minimum`);
      return { kind: 'uniform', minMs, maxMs };
    }
    case 'exp':
      return { kind: 'exp', meanMs: dur(flag, arg) };
    case 'lognormal': {
      const m = /^(.+):([0-9.]+)$/.exec(arg);
      if (!m) throw new UsageError(`--${flag}: write lognormal:<median>:<sigma>, e.g. lognormal:8s:0.9`);
      const sigma = Number(m[2]);
      if (!Number.isFinite(sigma) || sigma < 0 || sigma > 3) throw new UsageError(`--${flag}: sigma must be between 0 and 3, got ${m[2]}`);
      return { kind: 'lognormal', medianMs: dur(flag, m[1]!), sigma };
    }
    default:
      throw new UsageError(`--${flag}: "${spec}" is not a delay distribution; use fixed:5s, uniform:2s..20s, exp:10s or lognormal:8s:0.9`);
  }
}

export function sampleDelay(d: DelayDistribution, rng: Rng): number {
  let ms: number;
  switch (d.kind) {
    case 'fixed':
      ms = d.ms;
      break;
    case 'uniform':
      ms = d.minMs + rng.next() * (d.maxMs - d.minMs);
      break;
    case 'exp':
      ms = -d.meanMs * Math.log(1 - rng.next());
      break;
    case 'lognormal':
      ms = d.medianMs * Math.exp(d.sigma * rng.normal());
      break;
  }
  return Math.min(MAX_DELAY_MS, Math.max(0, Math.round(ms)));
}

export function describeDelay(d: DelayDistribution): string {
  switch (d.kind) {
    case 'fixed':
      return `fixed ${formatDuration(d.ms)}`;
    case 'uniform':
      return `uniform ${formatDuration(d.minMs)}..${formatDuration(d.maxMs)}`;
    case 'exp':
      return `exponential, mean ${formatDuration(d.meanMs)}`;
    case 'lognormal':
      return `lognormal, median ${formatDuration(d.medianMs)}, sigma ${d.sigma}`;
  }
}
