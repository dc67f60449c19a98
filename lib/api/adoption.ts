/**
 * How `from()` hands what it opened to the constructor, for every class
 * that has a `from()` (locks, conditions, the primitives over them, the
 * reader-writer lock): `from()` reads and opens the handle first, then
 * constructs the class it was called on, and the constructor of exactly
 * that class (`new.target`) takes the opened parts. A stack, not a
 * module-level variable: a constructor may itself call `from()` or
 * construct other locks first, and neither can take (or steal) the parts.
 * @module
 */

interface Offer<T> {
  readonly target: unknown;
  readonly parts: T;
  taken: boolean;
}

/** One kind of opened parts, offered to constructors by `from()`. */
export class Adoptions<T> {
  readonly #offers: Offer<T>[] = [];

  /**
   * Runs `construct` (which constructs `target`) with `parts` offered to the
   * constructor of `target`; returns what it returned. Never blocks.
   */
  offer<R>(target: unknown, parts: T, construct: () => R): R {
    this.#offers.push({ target, parts, taken: false });
    try {
      return construct();
    } finally {
      this.#offers.pop();
    }
  }

  /**
   * For a constructor: the parts offered to `newTarget` (its `new.target`)
   * by the innermost `from()`, once; undefined when it is not adopting.
   */
  take(newTarget: unknown): T | undefined {
    const top = this.#offers[this.#offers.length - 1];
    if (top === undefined || top.taken || top.target !== newTarget) return undefined;
    top.taken = true;
    return top.parts;
  }
}

/** Whether a callback's result is a promise-like; never throws (a throwing `then` getter counts as one). */
export function isThenable(value: unknown): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return true;
  }
}
