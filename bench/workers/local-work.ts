/**
 * "Work outside the lock": a dependent chain of integer multiply-adds on a
 * local variable, so it touches no shared memory. Callers hand the final
 * value to {@link keepResult}, so the optimiser cannot drop the work.
 * @module
 */

const sink = new Int32Array(1);

/** Stores `x` where the optimiser must assume it is read. */
export function keepResult(x: number): void {
  sink[0] = x;
}
export function localWork(seed: number, ops: number): number {
  let x = seed;
  for (let k = 0; k < ops; k++) x = (Math.imul(x, 1103515245) + 12345) | 0;
  return x;
}
