/** Small statistics for the benchmark: percentiles over samples, and rounding for the report. */

/** The p-th percentile (0–100) of the samples, nearest-rank; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface Distribution {
  n: number;
  median: number;
  p99: number;
  mean: number;
  max: number;
}

export function distribution(samples: readonly number[]): Distribution {
  const n = samples.length;
  const sum = samples.reduce((a, b) => a + b, 0);
  return { n, median: percentile(samples, 50), p99: percentile(samples, 99), mean: n ? sum / n : Number.NaN, max: n ? Math.max(...samples) : Number.NaN };
}

/** Rounds to `digits` significant digits, keeping integers whole. */
export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (Math.abs(x) >= 10 ** digits) return Math.round(x);
  return Number(x.toPrecision(digits));
}
