/**
 * Every method's behaviour within one thread, for every implementation.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { threadId } from 'node:worker_threads';

import {
  MutexDeadlockError, MutexError, MutexNotOwnerError, MutexRecursionLimitError, MutexTimeoutError,
} from '../../lib/index';
import { MAX_RECURSION } from '../../lib/index';
import { IMPLEMENTATIONS } from '../helpers/implementations';

for (const impl of IMPLEMENTATIONS) {
  const { Lock } = impl;

  describe(`${impl.name}: single thread`, () => {
    it('starts unlocked, unowned, with no owner', () => {
      const m = new Lock();
      assert.equal(m.locked(), false);
      assert.equal(m.isOwned(), false);
      assert.equal(m.owner, null);
      assert.equal(m.backend, impl.backend);
      if (impl.recursive) assert.equal(m.count, 0);
    });

    it('acquire() returns true and makes the calling thread the owner', () => {
      const m = new Lock();
      assert.equal(m.acquire(), true);
      assert.equal(m.locked(), true);
      assert.equal(m.isOwned(), true);
      assert.equal(m.owner, threadId);
      if (impl.recursive) assert.equal(m.count, 1);
      m.release();
      assert.equal(m.locked(), false);
      assert.equal(m.owner, null);
    });

    it('tryAcquire() takes a free lock and acquire({ timeout: 0 }) too', () => {
      const m = new Lock();
      assert.equal(m.tryAcquire(), true);
      m.release();
      assert.equal(m.acquire({ timeout: 0 }), true);
      m.release();
      assert.equal(m.acquire({ blocking: false }), true);
      m.release();
      assert.equal(m.acquire({ timeout: 10 }), true);
      m.release();
      assert.equal(m.acquire({ timeout: Infinity, blocking: true }), true);
      m.release();
      assert.equal(m.locked(), false);
    });

    it('release() of a lock nobody holds throws MutexNotOwnerError', () => {
      const m = new Lock();
      assert.throws(() => m.release(), (error: MutexNotOwnerError) => {
        assert.ok(error instanceof MutexNotOwnerError);
        assert.ok(error instanceof MutexError);
        assert.ok(error instanceof Error);
        assert.equal(error.code, 'ERR_MUTEX_NOT_OWNER');
        assert.equal(error.name, 'MutexNotOwnerError');
        assert.match(error.message, /un-acquired/);
        return true;
      });
    });

    if (!impl.recursive) {
      it('acquire() by the holder throws MutexDeadlockError at once instead of freezing', () => {
        const m = new Lock();
        m.acquire();
        const start = performance.now();
        assert.throws(() => m.acquire(), (error: MutexDeadlockError) => {
          assert.ok(error instanceof MutexDeadlockError);
          assert.equal(error.code, 'ERR_MUTEX_DEADLOCK');
          assert.match(error.message, new RegExp(`threadId ${threadId}`));
          return true;
        });
        assert.ok(performance.now() - start < 1000);
        assert.throws(() => m.acquire({ timeout: 50 }), MutexDeadlockError);
        assert.throws(() => m.lock(), MutexDeadlockError);
        assert.throws(() => m.withLock(() => 1), MutexDeadlockError);
        // still held exactly once
        m.release();
        assert.equal(m.locked(), false);
      });

      it('tryAcquire(), blocking: false and timeout: 0 by the holder return false at once', () => {
        const m = new Lock();
        m.acquire();
        assert.equal(m.tryAcquire(), false);
        assert.equal(m.acquire({ blocking: false }), false);
        assert.equal(m.acquire({ timeout: 0 }), false);
        assert.throws(() => m.lock({ blocking: false }), MutexTimeoutError);
        m.release();
        assert.equal(m.locked(), false);
      });
    } else {
      it('the holder re-enters: count goes up with each acquire and down with each release', () => {
        const m = new Lock();
        assert.equal(m.acquire(), true);
        assert.equal(m.tryAcquire(), true);
        assert.equal(m.acquire({ timeout: 5 }), true);
        assert.equal(m.acquire({ blocking: false }), true);
        assert.equal(m.count, 4);
        m.release();
        m.release();
        m.release();
        assert.equal(m.count, 1);
        assert.equal(m.locked(), true);
        m.release();
        assert.equal(m.count, 0);
        assert.equal(m.locked(), false);
        assert.throws(() => m.release(), MutexNotOwnerError);
      });
    }

    if (impl.recursive && impl.backend === 'atomics') {
      // The count word is reachable here through the handle's shared memory,
      // so the limit can be reached without 2^31 acquisitions.
      it('re-entering past the recursion limit throws MutexRecursionLimitError and keeps the count', () => {
        const m = new Lock();
        m.acquire();
        const words = new Int32Array(m.handle.buffer as SharedArrayBuffer);
        words[1] = MAX_RECURSION - 1; // COUNT
        assert.equal(m.acquire(), true);
        assert.throws(() => m.acquire(), (error: MutexRecursionLimitError) => {
          assert.ok(error instanceof MutexRecursionLimitError);
          assert.equal(error.code, 'ERR_MUTEX_RECURSION_LIMIT');
          return true;
        });
        assert.throws(() => m.tryAcquire(), MutexRecursionLimitError);
        assert.equal(m.count, MAX_RECURSION);
        words[1] = 1;
        m.release();
        assert.equal(m.locked(), false);
      });
    }

    it('lock() returns a guard that `using` releases at scope exit, also on throw', () => {
      const m = new Lock();
      {
        using guard = m.lock();
        assert.equal(guard.held, true);
        assert.equal(guard.abandoned, false);
        assert.equal(m.isOwned(), true);
      }
      assert.equal(m.locked(), false);
      assert.throws(() => {
        using guard = m.lock({ timeout: 100 });
        void guard;
        throw new Error('boom');
      }, /boom/);
      assert.equal(m.locked(), false);
    });

    it('a guard releases once; a second release or dispose is a no-op', () => {
      const m = new Lock();
      const guard = m.lock();
      guard.release();
      assert.equal(guard.held, false);
      guard.release();
      guard[Symbol.dispose]();
      assert.equal(m.locked(), false);
      // the lock is usable again and not released by the stale guard
      m.acquire();
      guard.release();
      assert.equal(m.isOwned(), true);
      m.release();
    });

    it('withLock() returns the callback value and releases, also when it throws', () => {
      const m = new Lock();
      assert.equal(m.withLock(() => (m.isOwned() ? 'inside' : 'not held')), 'inside');
      assert.equal(m.locked(), false);
      assert.throws(() => m.withLock(() => {
        throw new RangeError('from callback');
      }), RangeError);
      assert.equal(m.locked(), false);
    });

    it('withLock() rejects a non-function and a promise-returning callback (lock released)', () => {
      const m = new Lock();
      assert.throws(() => m.withLock(42 as never), { code: 'ERR_INVALID_ARG_TYPE' });
      assert.throws(() => m.withLock(async () => 1), { code: 'ERR_INVALID_RETURN_VALUE' });
      assert.equal(m.locked(), false);
    });

    it('util.inspect shows state, owner and (recursive) count', () => {
      const m = new Lock();
      assert.equal(inspect(m), `${Lock.name} { unlocked }`);
      m.acquire();
      if (impl.recursive) {
        m.acquire();
        assert.equal(inspect(m), `${Lock.name} { locked, owner: ${threadId}, count: 2 }`);
        m.release();
      } else {
        assert.equal(inspect(m), `${Lock.name} { locked, owner: ${threadId} }`);
      }
      m.release();
    });

    it('two objects from one handle in one thread are the same lock', () => {
      const a = new Lock();
      const b = Lock.from(a.handle);
      a.acquire();
      assert.equal(b.locked(), true);
      assert.equal(b.isOwned(), true);
      if (!impl.recursive) assert.throws(() => b.acquire(), MutexDeadlockError);
      b.release();
      assert.equal(a.locked(), false);
    });

    it('the handle survives structuredClone and names the same lock', () => {
      const a = new Lock();
      const clone = structuredClone(a.handle);
      const b = Lock.from(clone);
      b.acquire();
      assert.equal(a.owner, threadId);
      a.release();
      assert.equal(b.locked(), false);
    });
  });
}
