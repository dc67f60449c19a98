/**
 * Option parsing for every acquisition: each option is read exactly once
 * (getters run here and nowhere else), and every bad value becomes a
 * Node-style error with a code. Whatever a getter or a Proxy throws while
 * being read becomes `ERR_INVALID_ARG_VALUE` with the original as `cause`.
 * @module
 */
import { invalidArgType, invalidArgValue, outOfRange } from './arg-errors';

/** Options of `acquire()`, `lock()` and `withLock()`. */
export interface AcquireOptions {
  /** `false`: try once and never block (same as `tryAcquire()`). Default `true`. */
  blocking?: boolean;
  /**
   * Milliseconds to wait at most, on a monotonic clock. `0` tries once;
   * `Infinity` (or absent) waits forever. Not allowed with `blocking: false`.
   */
  timeout?: number;
}

/** Options of `acquireAsync()`, `lockAsync()` and `withLockAsync()`. */
export interface AsyncAcquireOptions {
  /** Milliseconds to wait at most; `0` tries once; `Infinity` (or absent) waits forever. */
  timeout?: number;
  /** Aborts the wait: the promise rejects with `signal.reason` and the waiter is gone. */
  signal?: AbortSignal;
}

/** Parsed async options. */
export interface AsyncWait {
  /** ms; 0 = try once, Infinity = forever. */
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
}

// AbortSignal's own accessors and EventTarget's methods, taken once: a
// signal is used through these, never through properties its owner (or a
// look-alike) could override.
const abortedGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;
const reasonGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'reason')!.get!;
const addListener = EventTarget.prototype.addEventListener;
const removeListener = EventTarget.prototype.removeEventListener;

/** Whether `value` is a real AbortSignal (brand check: look-alikes fail it). */
function isAbortSignal(value: unknown): value is AbortSignal {
  if (value === null || typeof value !== 'object') return false;
  try {
    Reflect.apply(abortedGetter, value, []);
    return true;
  } catch {
    return false;
  }
}

/** Never throws for a signal that passed parsing. */
export function signalAborted(signal: AbortSignal): boolean {
  return Reflect.apply(abortedGetter, signal, []) as boolean;
}

/** The abort reason of a signal that passed parsing. */
export function signalReason(signal: AbortSignal): unknown {
  return Reflect.apply(reasonGetter, signal, []);
}

/** Listens for abort once; never runs user code, never throws for a parsed signal. */
export function onAbort(signal: AbortSignal, listener: () => void): void {
  Reflect.apply(addListener, signal, ['abort', listener, { once: true }]);
}

/** Removes an onAbort() listener; never runs user code, never throws for a parsed signal. */
export function offAbort(signal: AbortSignal, listener: () => void): void {
  Reflect.apply(removeListener, signal, ['abort', listener]);
}

/** Reads the named properties of an options object, once each. */
function readFields<K extends string>(options: unknown, names: readonly K[]): Record<K, unknown> {
  if (options === null || typeof options !== 'object') {
    throw invalidArgType('options', 'of type object', options);
  }
  const out = {} as Record<K, unknown>;
  try {
    for (const name of names) out[name] = (options as Record<K, unknown>)[name];
  } catch (cause) {
    throw invalidArgValue('options', 'could not be read (a getter or Proxy threw)', cause);
  }
  return out;
}

/** A timeout is a number of milliseconds >= 0, or Infinity. */
function checkTimeout(timeout: unknown): number {
  if (typeof timeout !== 'number') throw invalidArgType('options.timeout', 'of type number', timeout);
  if (Number.isNaN(timeout) || timeout < 0) {
    throw outOfRange('options.timeout', '>= 0 (milliseconds) or Infinity', timeout);
  }
  return timeout;
}

const ACQUIRE_FIELDS = ['blocking', 'timeout'] as const;
const ASYNC_FIELDS = ['timeout', 'signal'] as const;

/**
 * The timeout in ms an options object asks for: 0 = try once, Infinity =
 * forever. Never blocks.
 * @throws TypeError / RangeError with Node's codes for bad options.
 */
export function parseAcquireOptions(options: unknown): number {
  if (options === undefined) return Infinity;
  const { blocking, timeout } = readFields(options, ACQUIRE_FIELDS);
  if (blocking !== undefined && typeof blocking !== 'boolean') {
    throw invalidArgType('options.blocking', 'of type boolean', blocking);
  }
  if (timeout === undefined) return blocking === false ? 0 : Infinity;
  const ms = checkTimeout(timeout);
  if (blocking === false) {
    throw invalidArgValue('options', 'cannot combine blocking: false with a timeout');
  }
  return ms;
}

/**
 * Timeout and signal of async options. Never blocks.
 * @throws TypeError / RangeError with Node's codes for bad options, a signal
 *   that is not a real AbortSignal included.
 */
export function parseAsyncOptions(options: unknown): AsyncWait {
  if (options === undefined) return { timeout: Infinity, signal: undefined };
  const { timeout, signal } = readFields(options, ASYNC_FIELDS);
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw invalidArgType('options.signal', 'an instance of AbortSignal', signal);
  }
  return { timeout: timeout === undefined ? Infinity : checkTimeout(timeout), signal };
}
