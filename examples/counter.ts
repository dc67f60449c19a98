/**
 * N workers increment one shared counter. Without a lock, updates are lost
 * (each increment is a read and a write, and threads interleave); with a
 * Mutex shared by handle, the total is exact.
 *
 *   node dist/examples/counter.js [workers] [increments]
 */
import { isMainThread, Worker, workerData } from 'node:worker_threads';

import { backend, Mutex, type MutexHandle } from '../lib';

interface Job {
  counter: SharedArrayBuffer; // [value, workers started]
  handle?: MutexHandle;
  increments: number;
  workers: number;
}

function work({ counter, handle, increments, workers }: Job): void {
  const shared = new Int32Array(counter);
  const mutex = handle === undefined ? undefined : Mutex.from(handle); // the same OS mutex
  // Start together, so the threads really overlap.
  Atomics.add(shared, 1, 1);
  while (Atomics.load(shared, 1) < workers) Atomics.wait(shared, 1, Atomics.load(shared, 1), 1);
  for (let i = 0; i < increments; i++) {
    mutex?.acquire();
    shared[0] = shared[0] + 1; // read, then write: not atomic
    mutex?.release();
  }
}

async function run(workers: number, increments: number, mutex?: Mutex): Promise<number> {
  const counter = new SharedArrayBuffer(8);
  const job: Job = { counter, handle: mutex?.handle, increments, workers };
  await Promise.all(Array.from({ length: workers }, () => new Promise((resolve, reject) => {
    new Worker(__filename, { workerData: job }).on('exit', resolve).on('error', reject);
  })));
  return new Int32Array(counter)[0];
}

export async function main(workers = 4, increments = 250_000): Promise<void> {
  const expected = workers * increments;
  console.log(`${workers} workers x ${increments.toLocaleString('en-US')} increments = ${expected.toLocaleString('en-US')} expected`);
  const unlocked = await run(workers, increments);
  const lost = expected - unlocked;
  console.log(`  without a lock: ${unlocked.toLocaleString('en-US')} (${lost.toLocaleString('en-US')} updates lost)`);
  const locked = await run(workers, increments, new Mutex());
  console.log(`  with a Mutex (${backend}): ${locked.toLocaleString('en-US')} (${locked === expected ? 'exact' : 'WRONG'})`);
  if (locked !== expected) process.exitCode = 1;
}

if (!isMainThread) {
  work(workerData as Job);
} else if (require.main === module) {
  void main(Number(process.argv[2] ?? 4), Number(process.argv[3] ?? 250_000));
}
