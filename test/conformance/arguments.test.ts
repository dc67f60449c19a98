/**
 * Bad arguments give Node-style TypeError / RangeError codes and leave the
 * lock untouched, for every implementation and every method taking options.
 */
import assert from 'node:assert/strict';

import { IMPLEMENTATIONS } from '../helpers/implementations';

const BAD_TYPES: Array<[string, unknown]> = [
  ['a number', 5], ['a string', 'fast'], ['null', null], ['true', true], ['a function', () => 1],
];
const BAD_TIMEOUT_TYPES: Array<[string, unknown]> = [
  ['a string', '10'], ['null', null], ['an object', {}], ['a bigint', 10n], ['a boolean', true],
];
const OUT_OF_RANGE_TIMEOUTS = [-1, -0.5, -Infinity, NaN];

for (const impl of IMPLEMENTATIONS) {
  describe(`${impl.name}: argument validation`, () => {
    const m = new impl.Lock();
    const methods: Array<[string, (options: unknown) => unknown]> = [
      ['acquire', (o) => m.acquire(o as never)],
      ['lock', (o) => m.lock(o as never)],
      ['withLock', (o) => m.withLock(() => 1, o as never)],
    ];

    afterEach(() => assert.equal(m.locked(), false, 'a rejected call must not leave the lock held'));

    for (const [method, call] of methods) {
      for (const [what, value] of BAD_TYPES) {
        it(`${method}(${what}) throws TypeError ERR_INVALID_ARG_TYPE`, () => {
          assert.throws(() => call(value), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
        });
      }
      for (const [what, value] of BAD_TIMEOUT_TYPES) {
        it(`${method}({ timeout: ${what} }) throws TypeError ERR_INVALID_ARG_TYPE`, () => {
          assert.throws(() => call({ timeout: value }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
        });
      }
      for (const value of OUT_OF_RANGE_TIMEOUTS) {
        it(`${method}({ timeout: ${value} }) throws RangeError ERR_OUT_OF_RANGE`, () => {
          assert.throws(() => call({ timeout: value }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
        });
      }
      it(`${method}({ blocking: 'yes' }) throws TypeError ERR_INVALID_ARG_TYPE`, () => {
        assert.throws(() => call({ blocking: 'yes' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
        assert.throws(() => call({ blocking: 1 }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
      });
      it(`${method}({ blocking: false, timeout }) throws TypeError ERR_INVALID_ARG_VALUE`, () => {
        assert.throws(() => call({ blocking: false, timeout: 10 }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
        assert.throws(() => call({ blocking: false, timeout: 0 }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
      });
    }
  });
}
