/**
 * Child process (run with --expose-gc) of the memory scenario: creates
 * `count` locks of one implementation, measures what they cost, drops them,
 * collects garbage and measures what came back. One process per
 * implementation, so earlier allocations never blur the figures.
 *
 * While they are held, a worker thread opens every one of them by handle
 * (workers/memory-open.ts): from() time and memory per lock in a second
 * thread.
 *
 * "Collect" = gc() then a turn of the event loop, several times: Node-API
 * finalizers (which free native locks) may run only after the GC that found
 * their objects dead.
 * @module
 */
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';

import { type BenchLock, implementationById } from '../implementations';
import * as native from '../../lib/native';
import { SWEEP_INTERVAL_MS } from '../../lib/services/gc-sweep';
import { workerScript } from '../paths';
import type { MemoryOpenResult, MemoryOpenSetup } from './memory-open';

export interface MemoryFigures {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface MemoryResult {
  implId: string;
  count: number;
  before: MemoryFigures;
  held: MemoryFigures;
  dropped: MemoryFigures;
  /** Native locks alive in the registry: before, while held, after the drop (undefined: not native). */
  nativeLocks?: [number, number, number];
  createMs: number;
  /** The same locks opened by handle in a worker thread. */
  opened: MemoryOpenResult;
}

const gc = (globalThis as { gc?: () => void }).gc;

async function collect(): Promise<void> {
  for (let i = 0; i < 6; i++) {
    gc!();
    await tick();
  }
}

function figures(): MemoryFigures {
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, external, arrayBuffers };
}

function nativeCount(): number | undefined {
  return native.available ? native.nativeLockCount() : undefined;
}

/** Opens every lock by handle in a fresh worker thread; resolves with what that cost it. */
function openInWorker(implId: string, locks: BenchLock[]): Promise<MemoryOpenResult> {
  const setup: MemoryOpenSetup = { implId, handles: locks.map((lock) => lock.handle) };
  const worker = new Worker(workerScript('memory-open'), { workerData: setup });
  return new Promise<MemoryOpenResult>((resolve, reject) => {
    // Resolves once the worker is gone, so the drop below also drops its references.
    let result: MemoryOpenResult | undefined;
    worker.once('message', (reply: MemoryOpenResult) => {
      result = reply;
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (result !== undefined) resolve(result);
      else reject(new Error(`memory-open worker exited with ${code} before replying`));
    });
  });
}

async function measure(implId: string, count: number): Promise<MemoryResult> {
  if (gc === undefined) throw new Error('run with --expose-gc');
  const impl = implementationById(implId);
  const isNative = implId.startsWith('native');
  await collect();
  const before = figures();
  const n0 = nativeCount();
  const t0 = performance.now();
  let locks: BenchLock[] | undefined = [];
  for (let i = 0; i < count; i++) locks.push(impl.create());
  const createMs = performance.now() - t0;
  await collect();
  const held = figures();
  const n1 = nativeCount();
  const opened = await openInWorker(implId, locks);
  if (locks.length !== count) throw new Error('unreachable');
  locks = undefined;
  await collect();
  // With more than SWEEP_EAGER_ENTRIES entries, the native backend sweeps
  // the entries of collected locks at most once per SWEEP_INTERVAL_MS
  // (services/gc-sweep.ts): wait one interval, then collect again, so the
  // figures include what that sweep gives back.
  await sleep(SWEEP_INTERVAL_MS + 100);
  await collect();
  const dropped = figures();
  const n2 = nativeCount();
  const nativeLocks = isNative ? [n0!, n1!, n2!] as [number, number, number] : undefined;
  return { implId, count, before, held, dropped, nativeLocks, createMs, opened };
}

measure(process.argv[2], Number(process.argv[3])).then(
  (result) => process.send!(result, () => process.exit(0)),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
