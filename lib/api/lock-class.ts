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

/** Registers a concrete lock class of a backend. */
export function defineLockClass(cls: abstract new () => unknown, backend: Backend, kind: LockKind, name: string): void {
  infos.set(cls, { backend, kind, name });
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
