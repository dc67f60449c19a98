/**
 * Child process (run with --harmony-struct) timing V8's own experimental
 * `Atomics.Mutex` uncontended: `Atomics.Mutex.lock(m, callback)` (acquire,
 * run, release) and `Atomics.Mutex.tryLock(m, callback)`, next to the inline
 * three-state Atomics loop timed in the same process as the yardstick.
 * Each loop runs in its own fresh worker thread, as in scenario 1.
 * @module
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

import { runWorker } from '../harness/spawn';
import { lockSlow, unlockSlow } from '../inline-lock';
import { type Timing, timeLoop } from './timing';

interface V8Mutex {
  lock(mutex: unknown, callback: () => void): unknown;
  tryLock(mutex: unknown, callback: () => void): unknown;
  new (): unknown;
}

export type V8Variant = 'Atomics.Mutex.lock' | 'Atomics.Mutex.tryLock' | 'inline 3-state Atomics';

export interface V8MutexResult {
  /** Set when this V8 has no Atomics.Mutex. */
  unavailable?: string;
  v8: string;
  /** ns per acquire+release, per variant: one value (median of samples) per repeat. */
  repeatsNs: Partial<Record<V8Variant, number[]>>;
}

const VARIANTS: V8Variant[] = ['Atomics.Mutex.lock', 'Atomics.Mutex.tryLock', 'inline 3-state Atomics'];

function loopFor(variant: V8Variant): (n: number) => void {
  const noop = (): void => undefined;
  if (variant === 'inline 3-state Atomics') {
    const s = new Int32Array(new SharedArrayBuffer(4));
    return (n) => {
      for (let i = 0; i < n; i++) {
        if (Atomics.compareExchange(s, 0, 0, 1) !== 0) lockSlow(s);
        if (Atomics.sub(s, 0, 1) !== 1) unlockSlow(s);
      }
    };
  }
  const AtomicsMutex = (Atomics as unknown as { Mutex: V8Mutex }).Mutex;
  const mutex = new AtomicsMutex();
  if (variant === 'Atomics.Mutex.lock') {
    return (n) => {
      for (let i = 0; i < n; i++) AtomicsMutex.lock(mutex, noop);
    };
  }
  return (n) => {
    for (let i = 0; i < n; i++) AtomicsMutex.tryLock(mutex, noop);
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

async function main(repeats: number, timing: Timing): Promise<V8MutexResult> {
  const v8 = process.versions.v8;
  const mutex = (Atomics as unknown as { Mutex?: { lock?: unknown } }).Mutex;
  if (typeof mutex?.lock !== 'function') {
    return { unavailable: `V8 ${v8} has no Atomics.Mutex (flag --harmony-struct)`, v8, repeatsNs: {} };
  }
  const repeatsNs: V8MutexResult['repeatsNs'] = {};
  for (let r = 0; r < repeats; r++) {
    for (const variant of VARIANTS) {
      const samples = await runWorker<number[]>(__filename, { variant, timing });
      (repeatsNs[variant] ??= []).push(median(samples));
    }
  }
  return { v8, repeatsNs };
}

if (isMainThread) {
  main(Number(process.argv[2]), JSON.parse(process.argv[3]) as Timing).then(
    (result) => process.send!(result, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  const { variant, timing } = workerData as { variant: V8Variant; timing: Timing };
  parentPort!.postMessage(timeLoop(loopFor(variant), 1, timing));
}
