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
 *
 * Wait times: each iteration reads the monotonic clock (performance.now())
 * just before acquire() and just after release(), both outside the critical
 * section, and files the difference in a log-linear histogram
 * (harness/stats.ts waitBucket) after the release. So the figure is the time
 * from asking for the lock to having given it back: the wait, plus the
 * critical section and the acquire/release calls themselves (the W = 1 rows
 * show that floor). Every class pays the same two clock reads per iteration.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';

import { arriveAndWaitForGo, STOP } from '../harness/control';
import { WAIT_BUCKETS, waitBucket } from '../harness/stats';
import { type BenchLock, implementationById, NO_LOCK } from '../implementations';
import { keepResult, localWork } from './local-work';

export interface ContendedSetup {
  /** An implementation's id, or NO_LOCK. */
  implId: string;
  /** The lock's handle; undefined for NO_LOCK. */
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
  /** Acquisitions per wait bucket (harness/stats.ts), ask-to-release time. */
  waits: number[];
  /** The longest ask-to-release time, ns. */
  maxWaitNs: number;
}

function hammer(m: BenchLock, shared: Int32Array, control: Int32Array, round: number,
  writes: number, outsideOps: number): ContendedReply {
  const waits = new Float64Array(WAIT_BUCKETS);
  let maxMs = 0;
  let count = 0;
  let x = count + 1;
  while (Atomics.load(control, STOP) !== round) {
    const t0 = performance.now();
    m.acquire();
    for (let k = 0; k < writes; k++) shared[k]++;
    m.release();
    const ms = performance.now() - t0;
    waits[waitBucket(ms * 1e6)]++;
    if (ms > maxMs) maxMs = ms;
    count++;
    if (outsideOps > 0) x = localWork(x, outsideOps);
  }
  keepResult(x);
  return { count, waits: Array.from(waits), maxWaitNs: maxMs * 1e6 };
}

/**
 * The NO_LOCK row's stand-in: acquire() and release() do nothing (V8 inlines
 * them away), so hammer() runs the same loop without a lock, on this
 * worker's own array.
 */
const NOTHING: BenchLock = { acquire() {}, release() {}, handle: undefined };

const setup = workerData as ContendedSetup;
const noLock = setup.implId === NO_LOCK;
const lock = noLock ? NOTHING : implementationById(setup.implId).open(setup.handle);
const control = new Int32Array(setup.control);
// NO_LOCK: a private array of the same kind and size as the shared one.
const shared = new Int32Array(noLock ? new SharedArrayBuffer(setup.data.byteLength) : setup.data);

parentPort!.on('message', ({ round, writes, outsideOps }: ContendedRound) => {
  arriveAndWaitForGo(control, round);
  const reply = hammer(lock, shared, control, round, writes, outsideOps);
  parentPort!.postMessage(reply);
});
parentPort!.postMessage('ready');
