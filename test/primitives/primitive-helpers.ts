/**
 * What the Semaphore, Event and Barrier tests share: the locks each test runs
 * over (one per backend, through the primitives' `lock` option) and the
 * worker that opens a primitive by handle (fixtures/primitive-worker.ts).
 */
import path from 'node:path';

import { AtomicsMutex, type BaseLock } from '../../lib/index';
import * as native from '../../lib/native';
import type { PrimitiveWorkerData } from '../fixtures/primitive-worker';
import { TestWorker, type LockWorkerData } from '../helpers/workers';

export interface LockChoice {
  readonly name: string;
  readonly backend: 'native' | 'atomics';
  make(): BaseLock;
}

/**
 * One plain lock per backend. The native one is left out only under
 * OS_MUTEX_BACKEND=atomics (as helpers/implementations.ts does).
 */
export const LOCK_CHOICES: readonly LockChoice[] = [
  { name: 'Mutex (native)', backend: 'native' as const, make: (): BaseLock => new native.Mutex() },
  { name: 'AtomicsMutex', backend: 'atomics' as const, make: (): BaseLock => new AtomicsMutex() },
].filter((choice) => choice.backend === 'atomics' || process.env.OS_MUTEX_BACKEND !== 'atomics');

/**
 * Whether a thread that dies waiting on a condition is counted in its
 * `deaths` (the native addon's cleanup hook does it, for the locks of both
 * backends; not when the addon is not loaded).
 */
export const DEATHS_COUNTED = native.available;

const PRIMITIVE_WORKER = path.join(__dirname, '..', 'fixtures', 'primitive-worker.js');

/** A worker running one task of fixtures/primitive-worker.ts. */
export function primitiveWorker(data: PrimitiveWorkerData): TestWorker {
  return new TestWorker(data as unknown as LockWorkerData, PRIMITIVE_WORKER);
}

/** Polls `check` every 5 ms until true; fails after `ms`. */
export async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The error `fn` throws (fails when it does not throw). */
export function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected an error, none was thrown');
}

/** Options nobody can read: a revoked Proxy, and a Proxy whose every property getter throws. */
export function hostileOptions(): object[] {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  const throwing = new Proxy({}, {
    get(): never {
      throw new Error('getter throws');
    },
  });
  return [proxy, throwing];
}
