/**
 * from() accepts exactly the handles of live locks of its own class and
 * backend; everything else is MutexInvalidHandleError, never a crash.
 */
import assert from 'node:assert/strict';

import { MutexInvalidHandleError } from '../../lib/index';
import { IMPLEMENTATIONS, implementation } from '../helpers/implementations';

function assertInvalid(call: () => unknown): void {
  assert.throws(call, (error: MutexInvalidHandleError) => {
    assert.ok(error instanceof MutexInvalidHandleError, `got ${String(error)}`);
    assert.equal(error.code, 'ERR_MUTEX_INVALID_HANDLE');
    return true;
  });
}

const NOT_HANDLES: Array<[string, unknown]> = [
  ['undefined', undefined], ['null', null], ['a number', 1], ['a string', 'mutex#1'], ['true', true],
  ['an empty object', {}], ['an array', [1, 'mutex']], ['a function', () => 1],
  ['a typed array', new Int32Array(8)], ['a SharedArrayBuffer', new SharedArrayBuffer(32)],
  ['a handle without backend', { osMutex: 1, kind: 'mutex', id: 1 }],
  ['a handle of another format version', { osMutex: 2, backend: 'native', kind: 'mutex', id: 1 }],
  ['a handle of an unknown backend', { osMutex: 1, backend: 'futex', kind: 'mutex', id: 1 }],
  ['a handle of an unknown kind', { osMutex: 1, backend: 'native', kind: 'rwlock', id: 1 }],
];

for (const impl of IMPLEMENTATIONS) {
  const { Lock } = impl;
  describe(`${impl.name}: handles`, () => {
    for (const [what, value] of NOT_HANDLES) {
      it(`from(${what}) throws MutexInvalidHandleError`, () => assertInvalid(() => Lock.from(value as never)));
    }

    it('from() of a handle of the other kind (plain vs recursive) throws', () => {
      const otherName = impl.recursive ? impl.name.replace('Recursive', '') : impl.name.replace('Mutex', 'RecursiveMutex');
      const other = new (implementation(otherName).Lock)();
      assertInvalid(() => Lock.from(other.handle));
      // also with the kind field rewritten to match: the backend checks the lock itself
      assertInvalid(() => Lock.from({ ...other.handle, kind: impl.recursive ? 'recursive' : 'mutex' }));
    });

    it('from() of a handle of the other backend throws, naming that backend', () => {
      const otherName = impl.backend === 'native' ? `Atomics${impl.name}` : impl.name.replace('Atomics', '');
      let other;
      try {
        other = new (implementation(otherName).Lock)();
      } catch {
        // the native backend is switched off in this run: forge its handle shape instead
        other = { handle: { osMutex: 1, backend: 'native', kind: impl.recursive ? 'recursive' : 'mutex', id: 1, tag: 1 } };
      }
      assert.throws(() => Lock.from(other.handle as never), (error: Error) => {
        assert.ok(error instanceof MutexInvalidHandleError);
        assert.match(error.message, new RegExp(`belongs to the ${other.handle.backend} backend`));
        return true;
      });
    });

    it('the handle is frozen plain data', () => {
      const m = new Lock();
      assert.ok(Object.isFrozen(m.handle));
      assert.equal(m.handle.backend, impl.backend);
      assert.equal(m.handle.kind, impl.recursive ? 'recursive' : 'mutex');
    });

    if (impl.backend === 'native') {
      it('from() of forged native ids and tags throws', () => {
        const m = new Lock();
        const h = m.handle;
        for (const id of [0, -1, 1.5, NaN, Infinity, 2 ** 53, (h.id as number) + 1_000_000, '1', null]) {
          assertInvalid(() => Lock.from({ ...h, id } as never));
        }
        for (const tag of [(h.tag as number) + 1, -1, 'x', undefined]) {
          assertInvalid(() => Lock.from({ ...h, tag } as never));
        }
      });
    } else {
      it('from() of forged SharedArrayBuffers throws', () => {
        const m = new Lock();
        const h = m.handle;
        const good = h.buffer as SharedArrayBuffer;
        const wrongMagic = new SharedArrayBuffer(good.byteLength);
        const wrongSize = new SharedArrayBuffer(good.byteLength + 4);
        new Uint8Array(wrongSize).set(new Uint8Array(good));
        for (const buffer of [undefined, null, new ArrayBuffer(good.byteLength), wrongMagic, wrongSize, new Int32Array(good)]) {
          assertInvalid(() => Lock.from({ ...h, buffer } as never));
        }
      });
    }
  });
}
