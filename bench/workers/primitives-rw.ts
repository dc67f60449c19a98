/**
 * Worker: one of W threads running a read-mostly mix on shared data
 * (scenario `primitives`, part b). Started once per (implementation, W, repeat);
 * runs one round per message, as workers/contended.ts does.
 *
 * One operation: every `writeEvery`-th is a write (increment each of the
 * `words` words), the others reads (sum the words and check that they are all
 * equal: a torn read means exclusion broke). The same work runs under
 *   rwlock       ReadWriteLock.withReadLock / withWriteLock
 *   rwlock-pair  ReadWriteLock acquireRead/releaseRead, acquireWrite/releaseWrite
 *   native       Mutex (native) withLock, for reads and writes alike
 *   atomics      AtomicsMutex withLock, for reads and writes alike
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';

import { AtomicsMutex } from '../../lib/atomics';
import { ReadWriteLock, type ReadWriteLockHandle } from '../../lib/index';
import * as native from '../../lib/native';
import { arriveAndWaitForGo, STOP } from '../harness/control';

export type RwKind = 'rwlock' | 'rwlock-pair' | 'native' | 'atomics';

export interface RwSetup {
  kind: RwKind;
  /** A ReadWriteLock's handle (rwlock kinds) or a mutex handle. */
  handle: unknown;
  /** `words` Int32 words. */
  data: SharedArrayBuffer;
  /** Words each operation reads or writes. */
  words: number;
  control: SharedArrayBuffer;
}

export interface RwRound {
  round: number;
  /** 10: one operation in ten is a write. */
  writeEvery: number;
}

export interface RwReply {
  reads: number;
  writes: number;
  /** Reads that saw words differ: must be 0. */
  torn: number;
}

const setup = workerData as RwSetup;
const data = new Int32Array(setup.data);
const control = new Int32Array(setup.control);
const WORDS = setup.words;
let torn = 0;
let sink = 0;

function read(): number {
  let sum = 0;
  for (let k = 0; k < WORDS; k++) sum += data[k];
  if (sum !== WORDS * data[0]) torn++;
  return sum;
}

function write(): void {
  for (let k = 0; k < WORDS; k++) data[k]++;
}

/** What each kind needs: a read and a write under its lock. Built once; each worker runs one kind. */
function operations(kind: RwKind, handle: unknown): { readOp: () => number; writeOp: () => void } {
  switch (kind) {
    case 'rwlock': {
      const rw = ReadWriteLock.from(handle as ReadWriteLockHandle);
      return { readOp: () => rw.withReadLock(read), writeOp: () => rw.withWriteLock(write) };
    }
    case 'rwlock-pair': {
      const rw = ReadWriteLock.from(handle as ReadWriteLockHandle);
      return {
        readOp: () => {
          rw.acquireRead();
          const sum = read();
          rw.releaseRead();
          return sum;
        },
        writeOp: () => {
          rw.acquireWrite();
          write();
          rw.releaseWrite();
        },
      };
    }
    case 'native': {
      const m = native.Mutex.from(handle as native.Mutex['handle']);
      return { readOp: () => m.withLock(read), writeOp: () => m.withLock(write) };
    }
    case 'atomics': {
      const m = AtomicsMutex.from(handle as AtomicsMutex['handle']);
      return { readOp: () => m.withLock(read), writeOp: () => m.withLock(write) };
    }
  }
}

const { readOp, writeOp } = operations(setup.kind, setup.handle);

function hammer(round: number, writeEvery: number): RwReply {
  let reads = 0;
  let writes = 0;
  let i = 0;
  while (Atomics.load(control, STOP) !== round) {
    if (++i === writeEvery) {
      i = 0;
      writeOp();
      writes++;
    } else {
      sink ^= readOp();
      reads++;
    }
  }
  return { reads, writes, torn };
}

parentPort!.on('message', ({ round, writeEvery }: RwRound) => {
  arriveAndWaitForGo(control, round);
  torn = 0;
  const reply = hammer(round, writeEvery);
  if (sink === 0.5) reply.torn = -1; // never: keeps the sums alive
  parentPort!.postMessage(reply);
});
parentPort!.postMessage('ready');
