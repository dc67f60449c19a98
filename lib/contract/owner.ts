/**
 * Owner identity: who holds a lock. Today an owner is a thread of this
 * process, named by Node's `threadId` (main thread 0; never reused within a
 * process, unlike an OS thread id, so a new thread can never inherit a dead
 * holder's lock). A lock shared by processes widens this to (process,
 * thread); everything that names an owner goes through this module.
 * @module
 */
import { threadId } from 'node:worker_threads';

import { NO_OWNER } from './layout';

/** An owner as stored in a lock's OWNER word: a Node `threadId`, or {@link NO_OWNER}. */
export type OwnerId = number;

/** The calling thread, as an owner. */
export const SELF: OwnerId = threadId;

export { NO_OWNER };

/** How messages name an owner: `thread 3`, or `this thread (3)` for the caller. */
export function describeOwner(owner: OwnerId): string {
  return owner === SELF ? `this thread (${owner})` : `thread ${owner}`;
}
