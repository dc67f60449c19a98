/**
 * Sweeps after garbage collection: a backend whose addon keeps a per-thread
 * entry per lock object, freed once the object is collected, frees those
 * entries at its own next growth of the table; so that they (and what they
 * hold open) also go when no more locks are made, a canary object watched by
 * a FinalizationRegistry tells this thread that a garbage collection
 * happened, and the backend's sweep runs then. One canary at a time (a
 * registration per lock would itself pile up in a synchronous loop);
 * re-armed at once while the thread has few entries left, else at most once
 * a second (a sweep is O(entries)); none while no entry is left (the next
 * lock arms it again). The timers are unref'd: they never keep a thread
 * alive. Used by the native and the named backends (which never import each
 * other).
 * @module
 */

/** Up to this many entries left, the canary is re-armed at once after a sweep. */
export const SWEEP_EAGER_ENTRIES = 1024;
/** Above SWEEP_EAGER_ENTRIES, the canary is re-armed this long after a sweep (ms). */
export const SWEEP_INTERVAL_MS = 1000;

/**
 * A sweeper over `sweep` (frees the entries of collected objects now and
 * returns how many entries are left; must not throw). Returns its `arm()`:
 * called after every lock a backend makes or opens; never blocks, never
 * throws, and does nothing while a canary is already out.
 */
export function sweepAfterGc(sweep: () => number): () => void {
  let armed = false;
  const canaries = new FinalizationRegistry<undefined>(() => {
    armed = false;
    const kept = sweep();
    if (kept === 0) return;
    if (kept <= SWEEP_EAGER_ENTRIES) arm();
    else setTimeout(arm, SWEEP_INTERVAL_MS).unref();
  });
  function arm(): void {
    if (armed) return;
    armed = true;
    canaries.register({}, undefined);
  }
  return arm;
}
