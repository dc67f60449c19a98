/**
 * Worker: one of W threads hammering ONE shared lock. Started once per
 * (implementation, W); then runs one round per message: line up with the
 * others (harness/control.ts), loop until the parent says stop, reply with
 * how many acquisitions it completed.
 *
 * One iteration: acquire; `writes` increments of a shared Int32Array (the
 * critical section: plain, non-atomic writes that only the lock protects, so
 * the parent can detect lost updates); release; then `outsideOps` steps of
 * local work (workers/local-work.ts), or none.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';

import { arriveAndWaitForGo, STOP } from '../harness/control';
import { type BenchLock, implementationById } from '../implementations';
import { keepResult, localWork } from './local-work';

export interface ContendedSetup {
  implId: string;
  handle: unknown;
  data: SharedArrayBuffer;
  control: SharedArrayBuffer;
}

export interface ContendedRound {
  round: number;
  writes: number;
  outsideOps: number;
}

export interface ContendedReply {
  count: number;
}

function hammer(m: BenchLock, shared: Int32Array, control: Int32Array, round: number,
  writes: number, outsideOps: number): number {
  let count = 0;
  let x = count + 1;
  while (Atomics.load(control, STOP) !== round) {
    m.acquire();
    for (let k = 0; k < writes; k++) shared[k]++;
    m.release();
    count++;
    if (outsideOps > 0) x = localWork(x, outsideOps);
  }
  keepResult(x);
  return count;
}

const setup = workerData as ContendedSetup;
const lock = implementationById(setup.implId).open(setup.handle);
const shared = new Int32Array(setup.data);
const control = new Int32Array(setup.control);

parentPort!.on('message', ({ round, writes, outsideOps }: ContendedRound) => {
  arriveAndWaitForGo(control, round);
  const reply: ContendedReply = { count: hammer(lock, shared, control, round, writes, outsideOps) };
  parentPort!.postMessage(reply);
});
parentPort!.postMessage('ready');
