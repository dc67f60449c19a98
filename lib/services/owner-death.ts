/**
 * Owner death for locks whose backend cannot see a thread die (Atomics):
 * a service the native backend provides when its addon loads, and the
 * Atomics backend uses. Backends never import each other; both import this.
 *
 * The provider records, per thread, the locks that thread opens; when the
 * thread exits or is terminated, every one it still holds is released and
 * marked abandoned, whether or not its lock object was collected (the
 * provider keeps the lock's memory alive while the thread holds it). Without
 * a provider (no addon, or `OS_MUTEX_BACKEND=atomics`) a dead holder's
 * Atomics lock stays held.
 * @module
 */

/** Records one Atomics lock's shared words (the buffer layout of `contract/layout.ts`). Never throws. */
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
