/**
 * A piscina pool whose tasks update shared memory under one Mutex.
 *
 * The pattern: hand the lock's handle to the pool once, in `workerData`, and
 * open it once per pool thread, at the top of the task module. Opening a lock
 * (`Mutex.from`) costs microseconds (a native call, a table entry, two bound
 * functions); doing it in every task would cost more than the task.
 *
 *   node dist/examples/pool.js [tasks]
 */
import { isMainThread } from 'node:worker_threads';

import Piscina from 'piscina';

import { backend, Mutex, type MutexHandle } from '../lib';

interface PoolData {
  lock: MutexHandle;
  counter: SharedArrayBuffer;
}

// --- the task module: runs in every pool thread -----------------------------
// Opened once per thread, when piscina first loads this module there.
const data = isMainThread ? undefined : (Piscina.workerData as PoolData);
const lock = data === undefined ? undefined : Mutex.from(data.lock);
const counter = data === undefined ? undefined : new Int32Array(data.counter);

/** One task: a read-modify-write of the shared counter, under the lock. */
export default function increment(times: number): void {
  for (let i = 0; i < times; i++) {
    lock!.acquire();
    counter![0] = counter![0] + 1;
    lock!.release();
  }
}

// --- the main thread ---------------------------------------------------------
export async function main(tasks = 2_000, perTask = 100): Promise<void> {
  const mutex = new Mutex(); // keep it referenced while the pool uses its handle
  const shared = new SharedArrayBuffer(4);
  const pool = new Piscina({ filename: __filename, maxThreads: 4, workerData: { lock: mutex.handle, counter: shared } });
  await Promise.all(Array.from({ length: tasks }, () => pool.run(perTask)));
  await pool.destroy();
  const total = new Int32Array(shared)[0];
  const expected = tasks * perTask;
  console.log(`piscina, 4 threads, ${tasks} tasks x ${perTask} locked increments (${backend}): ` +
    `${total.toLocaleString('en-US')} of ${expected.toLocaleString('en-US')} (${total === expected ? 'exact' : 'WRONG'})`);
  if (total !== expected) process.exitCode = 1;
}

if (isMainThread && require.main === module) void main(Number(process.argv[2] ?? 2_000));
