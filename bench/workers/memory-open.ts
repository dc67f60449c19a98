/**
 * Worker thread of the memory scenario's child (workers/memory-child.ts):
 * opens every lock it is handed with `from(handle)` (the implementation's
 * `open`), timed, and measures what holding them costs this thread: the
 * growth of process.memoryUsage() between before and after (collected with
 * gc() first: the child runs with --expose-gc, which its workers share).
 * rss is the process's; heapUsed is this thread's own V8 heap.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setImmediate as tick } from 'node:timers/promises';

import { type BenchLock, implementationById } from '../implementations';

export interface MemoryOpenSetup {
  implId: string;
  handles: unknown[];
}

export interface MemoryOpenResult {
  openMs: number;
  before: { rss: number; heapUsed: number };
  held: { rss: number; heapUsed: number };
}

const gc = (globalThis as { gc?: () => void }).gc;

async function collect(): Promise<void> {
  for (let i = 0; i < 6; i++) {
    gc!();
    await tick();
  }
}

function figures(): { rss: number; heapUsed: number } {
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

async function measure({ implId, handles }: MemoryOpenSetup): Promise<MemoryOpenResult> {
  if (gc === undefined) throw new Error('run with --expose-gc');
  const impl = implementationById(implId);
  // Warm the path first (one lock), so the timing is of opening, not of loading code.
  impl.open(handles[0]);
  await collect();
  const before = figures();
  const t0 = performance.now();
  const locks: BenchLock[] = [];
  for (const handle of handles) locks.push(impl.open(handle));
  const openMs = performance.now() - t0;
  await collect();
  const held = figures();
  if (locks.length !== handles.length) throw new Error('unreachable');
  return { openMs, before, held };
}

measure(workerData as MemoryOpenSetup).then((result) => parentPort!.postMessage(result));
