/**
 * Hostile input: 100,000 random values given to from() and to every option
 * argument, for every implementation. Only documented errors come out; the
 * process neither crashes nor hangs, and the locks stay usable.
 */
import assert from 'node:assert/strict';

import type { MutexHandle } from '../lib/index';
import { MutexInvalidHandleError, MutexTimeoutError } from '../lib/index';
import * as native from '../lib/native';
import { collectGarbage } from './helpers/gc';
import { IMPLEMENTATIONS } from './helpers/implementations';
import { makeRandom, testSeed } from './helpers/random';

const VALUES = 100_000;

/** A generator of hostile values: primitives, containers, and real handles with altered fields. */
function hostileValues(random: () => number, realHandles: MutexHandle[], freedHandles: MutexHandle[]): () => unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const numbers = [0, -0, 1, -1, 0.5, -0.5, 1e-9, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308,
    NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER, 4294967295, 1e12, 1e13];
  const primitive = (): unknown => {
    switch (Math.floor(random() * 9)) {
      case 0: return pick(numbers);
      case 1: return (random() - 0.5) * 10 ** Math.floor(random() * 20);
      case 2: return pick(['', 'mutex', '1', 'native', 'atomics', 'recursive', '\u0000', 'x'.repeat(1000), '__proto__']);
      case 3: return random() < 0.5;
      case 4: return pick([null, undefined]);
      case 5: return Symbol('hostile');
      case 6: return BigInt(Math.floor(random() * 1e6)) - 500_000n;
      case 7: return () => 1;
      default: return Math.floor(random() * 100);
    }
  };
  const value = (depth = 0): unknown => {
    const roll = random();
    if (roll < 0.35 || depth > 2) return primitive();
    if (roll < 0.45) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
    if (roll < 0.5) return pick([new Int32Array(8), new Uint8Array(3), new Float64Array(1), new DataView(new ArrayBuffer(8))]);
    if (roll < 0.55) return pick([new SharedArrayBuffer(32), new SharedArrayBuffer(Math.floor(random() * 64)), new ArrayBuffer(32)]);
    if (roll < 0.62) return { timeout: primitive(), blocking: primitive(), signal: random() < 0.2 ? new AbortController().signal : primitive() };
    if (roll < 0.7) {
      const fields = ['osMutex', 'backend', 'kind', 'id', 'tag', 'buffer', 'timeout', 'blocking'];
      const object: Record<string, unknown> = {};
      for (let i = Math.floor(random() * 5); i > 0; i--) object[pick(fields)] = value(depth + 1);
      return object;
    }
    if (roll < 0.9) {
      // a real handle with one to three fields altered, removed or swapped in from another handle
      const altered: Record<string, unknown> = { ...pick(realHandles) };
      for (let i = 1 + Math.floor(random() * 3); i > 0; i--) {
        const field = pick(['osMutex', 'backend', 'kind', 'id', 'tag', 'buffer']);
        const how = random();
        if (how < 0.3) delete altered[field];
        else if (how < 0.6) altered[field] = (pick(realHandles) as unknown as Record<string, unknown>)[field];
        else if (how < 0.8 && typeof altered[field] === 'number') altered[field] = (altered[field] as number) + pick([1, -1, 1000, 0.5]);
        else altered[field] = primitive();
      }
      return altered;
    }
    if (roll < 0.95 && freedHandles.length > 0) return pick(freedHandles);
    return pick(realHandles);
  };
  return value;
}

const OPTION_ERRORS = new Set(['ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE', 'ERR_OUT_OF_RANGE']);

function isDocumentedOptionError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return (error instanceof TypeError || error instanceof RangeError) && OPTION_ERRORS.has(code ?? '');
}

describe('hostile input', function () {
  this.timeout(120_000);

  it(`${VALUES.toLocaleString('en-US')} random values to from() and every option argument give only documented errors`, async () => {
    const seed = testSeed();
    const random = makeRandom(seed);
    const locks = IMPLEMENTATIONS.map((impl) => new impl.Lock());
    const realHandles = locks.map((lock) => lock.handle);
    const freedHandles: MutexHandle[] = [];
    if (native.available) {
      freedHandles.push(...(() => [new native.Mutex().handle, new native.RecursiveMutex().handle])());
      await collectGarbage();
    }
    const next = hostileValues(random, realHandles, freedHandles);
    const tally = { opened: 0, invalidHandle: 0, optionErrors: 0, accepted: 0 };
    const perImpl = Math.ceil(VALUES / IMPLEMENTATIONS.length);
    for (const [index, impl] of IMPLEMENTATIONS.entries()) {
      const lock = locks[index];
      for (let i = 0; i < perImpl; i++) {
        const value = next();
        const where = `seed ${seed}, ${impl.name}, value #${i}`;
        // from(): a lock, or MutexInvalidHandleError
        try {
          const opened = impl.Lock.from(value as MutexHandle);
          assert.equal(opened.handle.kind, lock.handle.kind, where);
          tally.opened++;
        } catch (error) {
          assert.ok(error instanceof MutexInvalidHandleError, `${where}: from() threw ${String(error)}`);
          tally.invalidHandle++;
        }
        // every option argument, on a free lock: acquired (then released), or a documented error
        const call = i % 6;
        try {
          switch (call) {
            case 0: if (lock.acquire(value as never)) lock.release(); break;
            case 1: lock.lock(value as never).release(); break;
            case 2: lock.withLock(() => 0, value as never); break;
            case 3: if (await lock.acquireAsync(value as never)) lock.release(); break;
            case 4: (await lock.lockAsync(value as never)).release(); break;
            default: await lock.withLockAsync(async () => 0, value as never);
          }
          tally.accepted++;
        } catch (error) {
          const fine = isDocumentedOptionError(error) || error instanceof MutexTimeoutError ||
            (error instanceof DOMException && error.name === 'AbortError');
          assert.ok(fine, `${where}: call ${call} threw ${String(error)}`);
          tally.optionErrors++;
        }
        assert.equal(lock.locked(), false, `${where}: the lock was left held`);
      }
    }
    console.log(`      seed ${seed}: ${JSON.stringify(tally)}`);
    assert.ok(tally.invalidHandle > VALUES / 2 && tally.opened > 0 && tally.optionErrors > 0 && tally.accepted > 0);
  });
});
