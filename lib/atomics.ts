/**
 * `os-mutex/atomics`: the pure-JavaScript classes, always (no native addon
 * is loaded by this entry on its own).
 * @module
 */
export { AtomicsMutex, AtomicsRecursiveMutex } from './backends/atomics';
export * from './api/errors';
export type { AcquireOptions, AsyncAcquireOptions } from './api/options';
export type { MutexGuard } from './api/guard';
export type { MutexHandle } from './contract/handle';
