/**
 * Piscina task module for the pool scenario. Each pool thread gets, through
 * piscina's workerData, the handle of one shared lock and the shared array.
 * A task takes the lock, increments `writes` words of the array, releases.
 *
 * open: 'cached'   the thread opens the lock by handle once (on its first task)
 * open: 'per-task' every task calls `from(handle)` again (what naive code does)
 * implId 'none': no lock at all, the pool's own cost (updates may be lost).
 * @module
 */
import { workerData } from 'piscina';

import { type BenchLock, implementationById } from '../implementations';

export interface PoolSetup {
  implId: string;
  handle: unknown;
  shared: SharedArrayBuffer;
  writes: number;
  open: 'cached' | 'per-task';
}

const setup = workerData as PoolSetup;
const shared = new Int32Array(setup.shared);
const impl = setup.implId === 'none' ? undefined : implementationById(setup.implId);
let cached: BenchLock | undefined;

function lockFor(): BenchLock | undefined {
  if (impl === undefined) return undefined;
  if (setup.open === 'per-task') return impl.open(setup.handle);
  return (cached ??= impl.open(setup.handle));
}

/** One task: a locked update of the shared array. */
export function lockedUpdate(): void {
  const m = lockFor();
  m?.acquire();
  for (let k = 0; k < setup.writes; k++) shared[k]++;
  m?.release();
}
