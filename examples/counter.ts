/**
 * N workers increment one shared counter. Without a lock, updates are lost
 * (each increment is a read and a write, and threads interleave); with a
 * Mutex shared by handle, the total is exact.
 *
 * The unlocked run lasts a fixed time (each worker counts its own
 * increments, which gives the expected total): a run of a fixed count can
 * finish within one scheduler time slice per worker on a busy 2-core
 * machine, the workers never overlap, and the race comes out with nothing
 * lost. 200 ms spans many slices, so they do overlap.
 *
 *   node dist/examples/counter.js [workers] [increments]
 */
import { isMainThread, Worker, workerData } from 'node:worker_threads';

import { backend, Mutex, type MutexHandle } from '../lib';

interface Job {
  counter: SharedArrayBuffer; // [value, workers started, increments made]
  handle?: MutexHandle;
  /** Increments per worker (locked run). */
  increments: number;
  /** Or: increment for this long (ms), counting (unlocked run). */
  durationMs?: number;
  workers: number;
}

/** How long the unlocked run increments (ms). */
const UNLOCKED_MS = 200;

function work({ counter, handle, increments, durationMs, workers }: Job): void {
  const shared = new Int32Array(counter);
  const mutex = handle === undefined ? undefined : Mutex.from(handle); // the very same lock
  // Start together, so the threads really overlap: the last to arrive wakes
  // the others at once (a polling wait would let the first workers finish
  // before the last one starts, and the race could come out with no loss).
  if (Atomics.add(shared, 1, 1) + 1 === workers) Atomics.notify(shared, 1);
  for (let seen = Atomics.load(shared, 1); seen < workers; seen = Atomics.load(shared, 1)) {
    Atomics.wait(shared, 1, seen);
  }
  if (durationMs !== undefined) {
    // Unlocked, for a fixed time; the clock is read every 1,024 increments.
    const end = performance.now() + durationMs;
    let made = 0;
    while (performance.now() < end) {
      for (let i = 0; i < 1024; i++) shared[0] = shared[0] + 1; // read, then write: not atomic
      made += 1024;
    }
    Atomics.add(shared, 2, made);
    return;
  }
  for (let i = 0; i < increments; i++) {
    mutex?.acquire();
    shared[0] = shared[0] + 1;
    mutex?.release();
  }
  Atomics.add(shared, 2, increments);
}

/** Runs the workers; returns [final counter value, increments made]. */
async function run(workers: number, increments: number, mutex?: Mutex): Promise<[number, number]> {
  const counter = new SharedArrayBuffer(12);
  const job: Job = {
    counter, handle: mutex?.handle, increments, workers, durationMs: mutex === undefined ? UNLOCKED_MS : undefined,
  };
  await Promise.all(Array.from({ length: workers }, () => new Promise((resolve, reject) => {
    new Worker(__filename, { workerData: job }).on('exit', resolve).on('error', reject);
  })));
  const shared = new Int32Array(counter);
  return [shared[0], shared[2]];
}

const fmt = (n: number): string => n.toLocaleString('en-US');

export async function main(workers = 4, increments = 250_000): Promise<void> {
  const [unlocked, made] = await run(workers, increments);
  console.log(`${workers} workers incrementing one shared counter`);
  console.log(`  without a lock, for ${UNLOCKED_MS} ms: ${fmt(made)} increments made, counter ${fmt(unlocked)} ` +
    `(${fmt(made - unlocked)} updates lost)`);
  const expected = workers * increments;
  const [locked] = await run(workers, increments, new Mutex());
  console.log(`  with a Mutex (${backend}), ${fmt(increments)} each: counter ${fmt(locked)} of ${fmt(expected)} ` +
    `(${locked === expected ? 'exact' : 'WRONG'})`);
  if (locked !== expected) process.exitCode = 1;
}

if (!isMainThread) {
  work(workerData as Job);
} else if (require.main === module) {
  void main(Number(process.argv[2] ?? 4), Number(process.argv[3] ?? 250_000));
}
