/** Summary statistics shared by the drill runner and the benchmarks. Pure. */

export interface Summary {
  count: number;
  min: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

/** The q-quantile (0..1) of ascending-sorted values, nearest-rank; null when empty. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** count, min, p50, p95, p99, max and mean of the values (any order). */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { count: 0, min: null, p50: null, p95: null, p99: null, max: null, mean: null };
  const sorted = Float64Array.from(values).sort();
  const arr = Array.from(sorted);
  let sum = 0;
  for (const v of arr) sum += v;
  return {
    count: arr.length,
    min: arr[0]!,
    p50: quantile(arr, 0.5),
    p95: quantile(arr, 0.95),
    p99: quantile(arr, 0.99),
    max: arr[arr.length - 1]!,
    mean: sum / arr.length,
  };
}

export interface HistogramBin {
  /** Lower bound, inclusive. */
  from: number;
  /** Upper bound, exclusive (Infinity for the overflow bin). */
  to: number;
  count: number;
}

/** Counts values into bins whose edges are given ascending; values past the last edge go in an overflow bin. */
export function histogram(values: readonly number[], edges: readonly number[]): HistogramBin[] {
  const bins: HistogramBin[] = [];
  for (let i = 0; i < edges.length - 1; i++) bins.push({ from: edges[i]!, to: edges[i + 1]!, count: 0 });
  const overflow: HistogramBin = { from: edges[edges.length - 1] ?? 0, to: Infinity, count: 0 };
  for (const v of values) {
    let placed = false;
    for (const bin of bins) {
      if (v >= bin.from && v < bin.to) {
        bin.count++;
        placed = true;
        break;
      }
    }
    if (!placed && v >= overflow.from) overflow.count++;
  }
  if (overflow.count > 0) bins.push(overflow);
  return bins;
}

/** Roughly logarithmic edges (1, 2, 5 per decade) from `min` up to at least `max`. */
export function logEdges(min: number, max: number): number[] {
  const edges: number[] = [0];
  let decade = 10 ** Math.floor(Math.log10(Math.max(min, 1e-9)));
  while (edges[edges.length - 1]! <= max) {
    for (const m of [1, 2, 5]) {
      const e = m * decade;
      if (e > edges[edges.length - 1]! && e >= min) edges.push(e);
    }
    decade *= 10;
    if (edges.length > 40) break;
  }
  return edges;
}

/** Rounds for display: integers above 10, one decimal below. */
export function round(v: number | null, digits?: number): number | null {
  if (v === null || !Number.isFinite(v)) return v;
  const d = digits ?? (Math.abs(v) >= 10 ? 0 : 1);
  const f = 10 ** d;
  return Math.round(v * f) / f;
}

/** Median of a few samples (for noisy measurements such as RSS). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
