/**
 * Which backend and kind each lock class stands for. A backend registers
 * its classes here (`defineLockClass(Mutex, nativeBackend, 'mutex', 'Mutex')`); the
 * base constructor and `from()` look the class up, so subclasses of a
 * registered class (user classes included) inherit its entry and nothing is
 * passed through module-level state.
 * @module
 */
import type { Backend, LockKind } from '../contract/raw-lock';

export interface LockClassInfo {
  readonly backend: Backend;
  readonly kind: LockKind;
  /** Class name for messages (literal: survives minifying). */
  readonly name: string;
}

const infos = new WeakMap<object, LockClassInfo>();
/** Any lock class's constructor (a named lock's takes its name). */
type LockConstructor = new (...args: never[]) => unknown;

/** `${backend}:${kind}` -> the class registered for it, for opening a handle found inside another handle. */
const byKind = new Map<string, LockConstructor>();
/** The classes `Mutex` / `RecursiveMutex` stand for (set by index.ts). */
let defaults: Partial<Record<LockKind, new () => unknown>> = {};

/** Registers a concrete lock class of a backend. */
export function defineLockClass(cls: LockConstructor, backend: Backend, kind: LockKind, name: string): void {
  infos.set(cls, { backend, kind, name });
  if (!byKind.has(`${backend.name}:${kind}`)) byKind.set(`${backend.name}:${kind}`, cls);
}

/** The registered class of a backend and kind (values as read from a handle), or undefined. */
export function lockClassFor(backend: unknown, kind: unknown): LockConstructor | undefined {
  return typeof backend === 'string' && typeof kind === 'string' ? byKind.get(`${backend}:${kind}`) : undefined;
}

/** Sets the classes that primitives use for their own locks: index.ts's choice of backend. */
export function setDefaultLockClasses(classes: Record<LockKind, new () => unknown>): void {
  defaults = classes;
}

/** The class `Mutex` (kind 'mutex') or `RecursiveMutex` stands for; undefined before index.ts ran. */
export function defaultLockClass(kind: LockKind): (new () => unknown) | undefined {
  return defaults[kind];
}

/**
 * The entry of `cls` or of the nearest registered class it extends;
 * undefined for anything else (an abstract base, a non-class). Never runs
 * user code, except a Proxy's getPrototypeOf trap, whose failure means
 * "not a lock class".
 */
export function lockClassInfo(cls: unknown): LockClassInfo | undefined {
  try {
    for (let c = cls; typeof c === 'function'; c = Reflect.getPrototypeOf(c)) {
      const info = infos.get(c);
      if (info !== undefined) {
        if (c !== cls) infos.set(cls as object, info);
        return info;
      }
    }
  } catch {
    // A Proxy (revoked, or with a throwing getPrototypeOf trap) is no lock class.
  }
  return undefined;
}
