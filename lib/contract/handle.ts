/**
 * Handles: plain, structured-clone-safe data naming one lock. Send one with
 * `postMessage` or in `workerData`; `Class.from(handle)` in the other thread
 * gives the very same lock.
 * @module
 */
import { types } from 'node:util';

import { MutexInvalidHandleError } from '../api/errors';
import type { BackendName, LockKind } from './raw-lock';

/** A handle, as `lock.handle` gives it (frozen). */
export interface MutexHandle {
  /** Format marker: 1. */
  readonly osMutex: 1;
  readonly backend: BackendName;
  readonly kind: LockKind;
  /** Native: the lock's id in its process's table (never reused). */
  readonly id?: number;
  /** Native: tag of the table (the process-wide copy of the addon) that issued `id`. */
  readonly tag?: number;
  /** Native: the process the lock lives in (for the message when a handle reaches another one). */
  readonly pid?: number;
  /**
   * The lock's shared memory (Atomics: the lock itself; native: a slab
   * holding the shared words of up to 32 native locks made by one thread).
   */
  readonly buffer?: SharedArrayBuffer;
  /** Native: the byte offset of the lock's shared words in `buffer` (a multiple of 16). */
  readonly offset?: number;
  /** Named: the lock's name. */
  readonly name?: string;
  /** Named: the OS user the lock belongs to (POSIX: the effective uid; Windows: the user's SID). */
  readonly user?: number | string;
}

/** A handle's fields, each read exactly once, with no user code run after. */
export interface HandleFields {
  readonly backend: unknown;
  readonly kind: unknown;
  readonly id: unknown;
  readonly tag: unknown;
  readonly pid: unknown;
  readonly buffer: unknown;
  readonly offset: unknown;
  readonly name: unknown;
  readonly user: unknown;
}

/** Renders any value for a message without running user code that could throw. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string': return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
    case 'number': case 'boolean': case 'undefined': case 'bigint': return String(value);
    case 'symbol': return 'a symbol';
    case 'function': return 'a function';
    default:
      if (value === null) return 'null';
      if (types.isProxy(value)) return 'a Proxy';
      return Array.isArray(value) ? 'an array' : 'an object';
  }
}

/**
 * Reads a would-be handle's fields once. Getters run here and nowhere else;
 * whatever they or a Proxy throw becomes MutexInvalidHandleError (with the
 * original as `cause`). Never blocks.
 * @throws MutexInvalidHandleError for anything that is not an os-mutex handle.
 */
export function readHandle(handle: unknown): HandleFields {
  if (handle === null || typeof handle !== 'object') {
    throw new MutexInvalidHandleError(`not an os-mutex handle: ${describeValue(handle)}`);
  }
  let fields: HandleFields & { osMutex: unknown };
  try {
    const h = handle as Record<string, unknown>;
    fields = {
      osMutex: h.osMutex, backend: h.backend, kind: h.kind, id: h.id, tag: h.tag, pid: h.pid, buffer: h.buffer,
      offset: h.offset, name: h.name, user: h.user,
    };
  } catch (cause) {
    throw new MutexInvalidHandleError(`not an os-mutex handle: reading its fields threw`, { cause });
  }
  if (fields.osMutex !== 1) throw new MutexInvalidHandleError(`not an os-mutex handle: ${describeValue(handle)}`);
  return fields;
}

/** Whether `value` is a real SharedArrayBuffer (not a look-alike with its prototype). */
export function isSharedArrayBuffer(value: unknown): value is SharedArrayBuffer {
  return types.isSharedArrayBuffer(value);
}
