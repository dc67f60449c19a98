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

// --- Wait-time histogram -----------------------------------------------------
// Log-linear buckets (HDR-style): 8 per power of two of nanoseconds, so a
// bucket's width is at most 1/8 of its value (a percentile read from it is
// within 12.5 % of the true one). Recording is a few integer operations and
// one increment, cheap enough to run on every acquisition; histograms of
// several workers add up bucket by bucket.

/** Sub-buckets per power of two (2^WAIT_SUB_BITS). */
const WAIT_SUB_BITS = 3;
/** Buckets: values 1 ns .. 2^31 - 1 ns (~2.1 s; longer waits land in the last bucket, the max is kept apart). */
export const WAIT_BUCKETS = 31 << WAIT_SUB_BITS;

/** The bucket of a wait of `ns` nanoseconds. */
export function waitBucket(ns: number): number {
  const v = ns < 1 ? 1 : ns >= 0x7fffffff ? 0x7fffffff : ns | 0;
  const e = 31 - Math.clz32(v);
  const sub = e >= WAIT_SUB_BITS ? (v >>> (e - WAIT_SUB_BITS)) & 7 : (v << (WAIT_SUB_BITS - e)) & 7;
  return (e << WAIT_SUB_BITS) | sub;
}

/** The upper bound (ns) of a bucket's values. */
function bucketUpperNs(bucket: number): number {
  const e = bucket >>> WAIT_SUB_BITS;
  const sub = bucket & 7;
  return e >= WAIT_SUB_BITS ? ((8 + sub + 1) << (e - WAIT_SUB_BITS)) - 1 : 2 ** e * (1 + (sub + 1) / 8);
}

/** Bucket-wise sum of histograms. */
export function addHistograms(histograms: readonly ArrayLike<number>[]): number[] {
  const sum = new Array<number>(WAIT_BUCKETS).fill(0);
  for (const h of histograms) for (let i = 0; i < WAIT_BUCKETS; i++) sum[i] += h[i];
  return sum;
}

/** The q-quantile (0..1) of a histogram, as its bucket's upper bound in ns (NaN when empty). */
export function histogramQuantile(histogram: ArrayLike<number>, q: number): number {
  let total = 0;
  for (let i = 0; i < WAIT_BUCKETS; i++) total += histogram[i];
  if (total === 0) return NaN;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < WAIT_BUCKETS; i++) {
    seen += histogram[i];
    if (seen >= rank) return bucketUpperNs(i);
  }
  return bucketUpperNs(WAIT_BUCKETS - 1);
}
