/**
 * Timing a hot loop inside a worker: warm up until the JIT has settled, size
 * a sample to last about `sampleMs`, then time `samples` samples.
 * @module
 */

export interface Timing {
  /** Run the loop this long first (JIT tiers up, caches warm). */
  warmupMs: number;
  /** Each timed sample lasts about this long. */
  sampleMs: number;
  /** Timed samples per run. */
  samples: number;
}

/**
 * Times `loop(n)`, which performs `n * opsPerCall` operations, and returns
 * nanoseconds per operation for each sample.
 */
export function timeLoop(loop: (n: number) => void, opsPerCall: number, timing: Timing): number[] {
  let n = 1_000;
  let msPerCall = Infinity;
  const start = performance.now();
  for (;;) {
    const t0 = performance.now();
    loop(n);
    const t1 = performance.now();
    msPerCall = (t1 - t0) / n;
    if (t1 - start >= timing.warmupMs) break;
    if (t1 - t0 < timing.sampleMs / 4) n *= 2;
  }
  const calls = Math.max(1_000, Math.round(timing.sampleMs / Math.max(msPerCall, 1e-9)));
  const nsPerOp: number[] = [];
  for (let s = 0; s < timing.samples; s++) {
    const t0 = performance.now();
    loop(calls);
    nsPerOp.push(((performance.now() - t0) * 1e6) / (calls * opsPerCall));
  }
  return nsPerOp;
}
