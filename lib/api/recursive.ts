/**
 * Recursion, as one layer over the plain lock (the shape of lock_api's
 * ReentrantMutex): the holder may acquire again; the lock keeps the holder's
 * count in its shared COUNT word and is freed after as many releases. The
 * release side needs nothing of its own: BaseLock.release() already frees
 * the lock only when the count drops to zero.
 * @module
 */
import { META_COUNT as COUNT, META_OWNER as OWNER } from '../contract/layout';
import { SELF as OWNER_SELF, type OwnerId, type ProcessOwner } from '../contract/owner';
import { NO_OWNER as NO_OWNER_ID } from '../contract/layout';
import { MutexRecursionLimitError } from './errors';
import { BaseLock } from './lock';

/** The calling thread and 'nobody', as module constants (see contract/owner.ts). */
const SELF = OWNER_SELF;
const NO_OWNER = NO_OWNER_ID;

/** Most times a recursive mutex can be held at once by its owner (the COUNT word is an int32). */
export const MAX_RECURSION = 0x7fffffff;

/** A recursive lock: its holder may acquire it again; it is free after as many releases. */
export abstract class BaseRecursiveMutex<Owner extends OwnerId | ProcessOwner = OwnerId> extends BaseLock<Owner> {
  /** How many times the holder holds it (0 when free). A snapshot from other threads. */
  get count(): number {
    const meta = this.meta;
    if (meta[OWNER] === SELF) return meta[COUNT];
    return Atomics.load(meta, OWNER) === NO_OWNER ? 0 : Atomics.load(meta, COUNT);
  }

  /** The holder re-enters: one more count. Never blocks. */
  protected override reenter(_timeout: number): boolean {
    const meta = this.meta;
    const count = meta[COUNT];
    if (count >= MAX_RECURSION) {
      throw new MutexRecursionLimitError(`${this.describe()} is already held ${count} times by this thread`);
    }
    meta[COUNT] = count + 1;
    return true;
  }

  protected override inspectDetails(): string[] {
    return [`count: ${Atomics.load(this.meta, COUNT)}`];
  }
}
