/**
 * Owner death for shared-memory structures whose code cannot see a thread
 * die: Atomics-backend locks, a Condition's waiter slots, a ReadWriteLock's
 * writer word and reader slots (the native addon recognises each by its
 * magic word, `contract/layout.ts`). A service the native backend provides
 * when its addon loads; the Atomics backend and those primitives use it.
 * Backends never import each other; both import this.
 *
 * The provider records, per thread, the structures that thread opens; when
 * the thread exits or is terminated, what it still holds is released (locks
 * marked abandoned, a waiter's slot freed and its notification passed on, a
 * reader's shares returned), whether or not the object was collected (the
 * provider keeps the memory alive while the thread holds something in it).
 * Without a provider (no addon, or `OS_MUTEX_BACKEND=atomics`) a dead
 * holder's Atomics lock stays held and a dead waiter's slot stays taken.
 * @module
 */

/** Records one watched structure's shared words (a layout of `contract/layout.ts`). Never throws. */
export type WatchLock = (words: Int32Array) => void;

let provider: WatchLock | undefined;

/** Installs the provider (the native backend, once its addon has loaded in this thread). */
export function provideOwnerDeathWatch(watch: WatchLock): void {
  provider = watch;
}

/** Whether a dead holder's Atomics locks are recovered in this thread. */
export function ownerDeathWatched(): boolean {
  return provider !== undefined;
}

/** Called by a backend for every lock it opens in this thread. Never blocks; never throws. */
export function watchLock(words: Int32Array): void {
  provider?.(words);
}
