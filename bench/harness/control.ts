/**
 * A small shared control block that lines workers up and stops them, so that
 * every worker of a measurement starts at the same moment and the parent
 * decides when it ends. Words (Int32Array over a SharedArrayBuffer):
 *   READY  workers that finished setting up for the current round
 *   GO     round number the workers may start (parent stores, notifies)
 *   STOP   round number that must stop (parent stores; workers poll)
 * Rounds are numbered from 1, so a stale GO/STOP never matches a new round.
 * @module
 */

export const READY = 0;
export const GO = 1;
export const STOP = 2;
const WORDS = 4;

export function createControl(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(WORDS * Int32Array.BYTES_PER_ELEMENT));
}

/** In a worker: report ready, then block until the parent starts `round`. */
export function arriveAndWaitForGo(control: Int32Array, round: number): void {
  Atomics.add(control, READY, 1);
  Atomics.notify(control, READY);
  for (;;) {
    const go = Atomics.load(control, GO);
    if (go === round) return;
    Atomics.wait(control, GO, go);
  }
}

/** In a worker: block until `count` threads (this one included) have arrived. */
export function barrier(control: Int32Array, count: number): void {
  Atomics.add(control, READY, 1);
  Atomics.notify(control, READY);
  for (;;) {
    const ready = Atomics.load(control, READY);
    if (ready >= count) return;
    Atomics.wait(control, READY, ready);
  }
}

/** In the parent: resolves once `count` workers are ready (polls; never blocks the event loop). */
export async function allReady(control: Int32Array, count: number): Promise<void> {
  while (Atomics.load(control, READY) < count) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** In the parent: start `round` in every waiting worker. */
export function go(control: Int32Array, round: number): void {
  Atomics.store(control, GO, round);
  Atomics.notify(control, GO);
}

/** In the parent: end `round`; workers see it at their next poll. */
export function stop(control: Int32Array, round: number): void {
  Atomics.store(control, STOP, round);
}
