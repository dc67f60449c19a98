/**
 * The statistics every table reports: spread over repeats (min / median /
 * max, never a mean that hides outliers) and Jain's fairness index.
 * @module
 */

export interface Spread {
  min: number;
  median: number;
  max: number;
  /** How many values (repeats) the spread is over. */
  n: number;
}

/** min / median / max of `values` (median of an even count: mean of the middle two). */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { min: NaN, median: NaN, max: NaN, n: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1], n: sorted.length };
}

/** The median alone. */
export function median(values: readonly number[]): number {
  return spread(values).median;
}

/**
 * Jain's fairness index of per-worker shares: (sum x)^2 / (n * sum x^2).
 * 1 = every worker got the same number of acquisitions; 1/n = one got all.
 */
export function jainIndex(shares: readonly number[]): number {
  let sum = 0;
  let sumSquares = 0;
  for (const x of shares) {
    sum += x;
    sumSquares += x * x;
  }
  return sumSquares === 0 ? NaN : (sum * sum) / (shares.length * sumSquares);
}
