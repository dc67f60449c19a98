/**
 * Owner identity: who holds a lock. Today an owner is a thread of this
 * process, named by Node's `threadId` (main thread 0; never reused within a
 * process, unlike an OS thread id, so a new thread can never inherit a dead
 * holder's lock). A lock shared by processes widens this to (process,
 * thread); everything that names an owner goes through this module.
 * @module
 */
import { threadId } from 'node:worker_threads';

/** An owner as stored in a lock's OWNER word: a Node `threadId`, or NO_OWNER (`layout.ts`). */
export type OwnerId = number;

/**
 * The calling thread, as an owner. Hot paths copy it into a module-level
 * `const` (`const SELF = OWNER_SELF`) so that V8 sees a constant, not a
 * property load on this module's exports. (Never re-export with
 * `export { X }` from a module the hot path reads: TypeScript compiles that
 * to a getter, which turns the exports object into a slow dictionary.)
 */
export const SELF: OwnerId = threadId;

/** The holder of a lock shared by processes (named locks): its process and Node `threadId` there. */
export interface ProcessOwner {
  readonly pid: number;
  readonly threadId: number;
}

/**
 * How messages name an owner: `thread 3`, or `this thread (3)` for the
 * caller; a {@link ProcessOwner} of another process as `thread 3 of process 1234`.
 */
export function describeOwner(owner: OwnerId | ProcessOwner): string {
  if (typeof owner === 'object') {
    if (owner.pid !== process.pid) return `thread ${owner.threadId} of process ${owner.pid}`;
    owner = owner.threadId;
  }
  return owner === SELF ? `this thread (${owner})` : `thread ${owner}`;
}

/** How util.inspect shows an owner: `3`, or `{ pid: 1234, threadId: 3 }`. */
export function formatOwner(owner: OwnerId | ProcessOwner): string {
  return typeof owner === 'object' ? `{ pid: ${owner.pid}, threadId: ${owner.threadId} }` : String(owner);
}
