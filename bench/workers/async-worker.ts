/**
 * Worker (inside the async child process): one of W threads taking one lock
 * asynchronously, one acquisition in flight at a time: `await acquire`,
 * increment a shared counter, release. Rounds as in workers/contended.ts.
 * W = 1 measures the uncontended async round trip. Each locked update is
 * timed as in workers/contended.ts: from asking for the lock to having
 * released it (clock read outside the critical section), into a log-linear
 * histogram.
 *
 * Locks: an os-mutex class through acquireAsync() + release(), or the Web
 * Locks API, `navigator.locks.request(name, callback)`.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';

import { arriveAndWaitForGo, STOP } from '../harness/control';
import { WAIT_BUCKETS, waitBucket } from '../harness/stats';
import { implementationById } from '../implementations';

export interface AsyncSetup {
  /** An implementation id, or 'web-locks'. */
  implId: string;
  handle: unknown;
  /** Web Locks: the lock's name. */
  name: string;
  counter: SharedArrayBuffer;
  control: SharedArrayBuffer;
}

export interface AsyncRound {
  round: number;
}

export interface AsyncReply {
  count: number;
  /** Locked updates per wait bucket (harness/stats.ts). */
  waits: number[];
  maxWaitNs: number;
}

/** The async API this scenario needs; lib classes have it once acquireAsync() exists. */
export interface AsyncCapable {
  acquireAsync(): Promise<boolean>;
  release(): void;
}

interface WebLocks {
  request(name: string, callback: () => void): Promise<void>;
}

/** One locked update, through whichever async lock this worker was given. */
type LockedUpdate = (update: () => void) => Promise<void>;

function lockedUpdateOf(setup: AsyncSetup): LockedUpdate {
  if (setup.implId === 'web-locks') {
    const locks = (globalThis as unknown as { navigator: { locks: WebLocks } }).navigator.locks;
    return (update) => locks.request(setup.name, update);
  }
  const m = implementationById(setup.implId).open(setup.handle) as unknown as AsyncCapable;
  return async (update) => {
    await m.acquireAsync();
    update();
    m.release();
  };
}

const setup = workerData as AsyncSetup;
const lockedUpdate = lockedUpdateOf(setup);
const counter = new Int32Array(setup.counter);
const control = new Int32Array(setup.control);
const update = (): void => {
  counter[0]++;
};

async function hammer(round: number): Promise<AsyncReply> {
  const waits = new Float64Array(WAIT_BUCKETS);
  let maxMs = 0;
  let count = 0;
  while (Atomics.load(control, STOP) !== round) {
    const t0 = performance.now();
    await lockedUpdate(update);
    const ms = performance.now() - t0;
    waits[waitBucket(ms * 1e6)]++;
    if (ms > maxMs) maxMs = ms;
    count++;
  }
  return { count, waits: Array.from(waits), maxWaitNs: maxMs * 1e6 };
}

parentPort!.on('message', ({ round }: AsyncRound) => {
  arriveAndWaitForGo(control, round);
  // A pending Web Locks request (and Atomics.waitAsync) does not keep the
  // event loop alive: without this timer the worker could exit mid-round.
  const keepAlive = setInterval(() => undefined, 1_000);
  void hammer(round).then((reply) => {
    clearInterval(keepAlive);
    parentPort!.postMessage(reply);
  });
});
parentPort!.postMessage('ready');
