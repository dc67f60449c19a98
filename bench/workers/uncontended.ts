/**
 * Worker: times ONE variant of uncontended locking for ONE implementation,
 * then exits. A fresh worker per (implementation, variant) keeps V8's call-site
 * feedback monomorphic, as it is in a program that uses one lock class at one
 * site; the parent interleaves implementations across repeats.
 *
 * Variants (ns per acquire+release pair):
 *   pair         m.acquire(); m.release();            one instance
 *   guard        { using g = m.lock(); }              one instance (tsc's ES2022 `using` helpers)
 *   guardRelease m.lock().release();                  one instance: the guard without `using`
 *   roundRobin4  ms[i & 3].acquire(); ...release();   four instances, one call site
 *   roundRobin8  ms[i & 7].acquire(); ...release();   eight instances, one call site
 *   pairUsingNoop  m.acquire(); { using d = NOOP; } m.release();   the pair plus the
 *                `using` machinery around a no-op disposable: what `guard` costs
 *                when the guard itself costs nothing
 *   crossings    addon.unlock(); addon.unlock();     native only, in a worker that made
 *                no lock: the two argument-less calls into the addon a native pair
 *                makes, each finding no lock (the slot word names no entry), so
 *                the floor of any design with one Node-API call per operation
 *   depth        acquire d times, release d times, d = 1..maxDepth (recursive only)
 * The yardstick (`inline`) has the three-state Atomics operations written out
 * in the loop itself, with no call at all.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';

import { nativeAddon } from '../../lib/services/native-addon';
import { type BenchLock, implementationById } from '../implementations';
import { lockSlow, unlockSlow } from '../inline-lock';
import { type Timing, timeLoop } from './timing';

export type UncontendedVariant =
  'pair' | 'guard' | 'guardRelease' | 'pairUsingNoop' | 'crossings' | 'roundRobin4' | 'roundRobin8' | 'depth';

export interface UncontendedJob {
  implId: string;
  variant: UncontendedVariant;
  maxDepth: number;
  timing: Timing;
}

export interface UncontendedResult {
  /** ns per acquire+release pair, one value per sample; for `depth`, index = depth - 1. */
  samplesNs: number[][];
}

function inlineLoop(states: Int32Array[]): (n: number) => void {
  if (states.length === 1) {
    const s = states[0];
    return (n) => {
      for (let i = 0; i < n; i++) {
        if (Atomics.compareExchange(s, 0, 0, 1) !== 0) lockSlow(s);
        if (Atomics.sub(s, 0, 1) !== 1) unlockSlow(s);
      }
    };
  }
  const mask = states.length - 1;
  return (n) => {
    for (let i = 0; i < n; i++) {
      const s = states[i & mask];
      if (Atomics.compareExchange(s, 0, 0, 1) !== 0) lockSlow(s);
      if (Atomics.sub(s, 0, 1) !== 1) unlockSlow(s);
    }
  };
}

function pairLoop(m: BenchLock): (n: number) => void {
  return (n) => {
    for (let i = 0; i < n; i++) {
      m.acquire();
      m.release();
    }
  };
}

function guardLoop(m: BenchLock): (n: number) => void {
  if (typeof m.lock !== 'function') throw new Error('this implementation has no lock() guard');
  return (n) => {
    for (let i = 0; i < n; i++) {
      using g = m.lock!();
    }
  };
}

function guardReleaseLoop(m: BenchLock): (n: number) => void {
  if (typeof m.lock !== 'function') throw new Error('this implementation has no lock() guard');
  return (n) => {
    for (let i = 0; i < n; i++) m.lock!().release();
  };
}

/** A disposable whose dispose does nothing: `using` of it costs only the language's machinery. */
const NOOP: Disposable = { [Symbol.dispose]() {} };

function pairUsingNoopLoop(m: BenchLock): (n: number) => void {
  return (n) => {
    for (let i = 0; i < n; i++) {
      m.acquire();
      {
        using d = NOOP;
      }
      m.release();
    }
  };
}

/**
 * Two calls of the addon's argument-less unlock() per iteration. This
 * worker made no native lock, so the slot word names no entry and each call
 * returns after the bounds check: what is left is the crossing itself.
 */
function crossingsLoop(): (n: number) => void {
  const addon = nativeAddon() as { unlock(): void } | undefined;
  if (addon === undefined) throw new Error('the native addon is not loaded in this thread');
  return (n) => {
    for (let i = 0; i < n; i++) {
      addon.unlock();
      addon.unlock();
    }
  };
}

/** `ms.length` is a power of two. */
function roundRobinLoop(ms: BenchLock[]): (n: number) => void {
  const mask = ms.length - 1;
  return (n) => {
    for (let i = 0; i < n; i++) {
      const m = ms[i & mask];
      m.acquire();
      m.release();
    }
  };
}

function depthLoop(m: BenchLock, depth: number): (n: number) => void {
  return (n) => {
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < depth; d++) m.acquire();
      for (let d = 0; d < depth; d++) m.release();
    }
  };
}

function run(job: UncontendedJob): UncontendedResult {
  const impl = implementationById(job.implId);
  if (impl.yardstick) {
    const count = job.variant === 'roundRobin4' ? 4 : job.variant === 'roundRobin8' ? 8 : 1;
    const states = Array.from({ length: count }, () => new Int32Array(new SharedArrayBuffer(4)));
    return { samplesNs: [timeLoop(inlineLoop(states), 1, job.timing)] };
  }
  switch (job.variant) {
    case 'pair':
      return { samplesNs: [timeLoop(pairLoop(impl.create()), 1, job.timing)] };
    case 'guard':
      return { samplesNs: [timeLoop(guardLoop(impl.create()), 1, job.timing)] };
    case 'guardRelease':
      return { samplesNs: [timeLoop(guardReleaseLoop(impl.create()), 1, job.timing)] };
    case 'pairUsingNoop':
      return { samplesNs: [timeLoop(pairUsingNoopLoop(impl.create()), 1, job.timing)] };
    case 'crossings':
      if (impl.id !== 'native') throw new Error('the crossings variant is the native addon\'s');
      return { samplesNs: [timeLoop(crossingsLoop(), 1, job.timing)] };
    case 'roundRobin4':
      return { samplesNs: [timeLoop(roundRobinLoop(Array.from({ length: 4 }, () => impl.create())), 1, job.timing)] };
    case 'roundRobin8':
      return { samplesNs: [timeLoop(roundRobinLoop(Array.from({ length: 8 }, () => impl.create())), 1, job.timing)] };
    case 'depth': {
      const m = impl.create();
      const samplesNs: number[][] = [];
      for (let depth = 1; depth <= job.maxDepth; depth++) samplesNs.push(timeLoop(depthLoop(m, depth), depth, job.timing));
      return { samplesNs };
    }
  }
}

parentPort!.postMessage(run(workerData as UncontendedJob));
