/**
 * Worker thread: times the uncontended acquire()+release() pair of ONE lock
 * class (scenario `named`), then exits: NamedMutex / NamedRecursiveMutex (a
 * lock opened by name, shared with other processes) against Mutex (native)
 * and AtomicsMutex, each in a fresh worker so that no two classes share one
 * call site's JIT feedback.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';

import { AtomicsMutex } from '../../lib/atomics';
import { NamedMutex, NamedRecursiveMutex } from '../../lib/index';
import * as native from '../../lib/native';
import { type Timing, timeLoop } from './timing';

export type NamedPairClass = 'NamedMutex' | 'NamedRecursiveMutex' | 'Mutex' | 'AtomicsMutex';

export interface NamedPairJob {
  cls: NamedPairClass;
  /** The name for the named classes (the parent removes it afterwards). */
  name: string;
  timing: Timing;
}

export interface NamedPairResult {
  /** ns per acquire+release pair, one value per sample. */
  samplesNs: number[];
}

interface PairLock {
  acquire(): unknown;
  release(): void;
}

function create(job: NamedPairJob): PairLock {
  switch (job.cls) {
    case 'NamedMutex':
      return new NamedMutex(job.name);
    case 'NamedRecursiveMutex':
      return new NamedRecursiveMutex(job.name);
    case 'Mutex':
      return new native.Mutex();
    case 'AtomicsMutex':
      return new AtomicsMutex();
  }
}

function pairLoop(m: PairLock): (n: number) => void {
  return (n) => {
    for (let i = 0; i < n; i++) {
      m.acquire();
      m.release();
    }
  };
}

const job = workerData as NamedPairJob;
parentPort!.postMessage({ samplesNs: timeLoop(pairLoop(create(job)), 1, job.timing) } satisfies NamedPairResult);
