/**
 * The addon's namedTryLock()/namedUnlock() find their named lock through a
 * slot in a word of shared memory that JavaScript writes (namedSetSlotWord):
 * whatever is written there, they reach only the entries this environment
 * opened, and namedUnlock() releases only a lock the addon's own record says
 * this thread holds (never trusting the JS-writable OWNER word). Run in a
 * child process that loads the addon directly (lib/ would own the slot word
 * otherwise).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { removeAll, uniqueName } from './named-api';

const describeNative = process.env.OS_MUTEX_BACKEND === 'atomics' ? describe.skip : describe;

describeNative('named locks: slots', function () {
  this.timeout(60_000);

  it('namedTryLock()/namedUnlock() with a slot word naming no entry of this thread do nothing; a forged OWNER word unlocks nothing; namedSetSlotWord refuses bad words', () => {
    const name = uniqueName('slots');
    const root = path.resolve(__dirname, '..', '..', '..');
    const layout = path.join(__dirname, '..', '..', 'lib', 'contract', 'layout.js');
    const script = `
      const { KIND_MUTEX, META_OWNER, META_WORDS, NAMED_OWNER, NO_OWNER } = require(${JSON.stringify(layout)});
      const b = require('node-gyp-build')(${JSON.stringify(root)});
      b.init(0);
      const out = {};
      const word = new Int32Array(new SharedArrayBuffer(4));
      out.beforeWord = [String(b.namedTryLock()), String(b.namedUnlock())];
      b.namedSetSlotWord(word);
      out.beforeAny = [String(b.namedTryLock()), String(b.namedUnlock())];
      const w = new Int32Array(new SharedArrayBuffer(META_WORDS * 4));
      w[META_OWNER] = NO_OWNER;
      const anchor = b.namedOpen(${JSON.stringify(name)}, KIND_MUTEX, w);
      const slot = anchor.slot;
      out.slotType = typeof slot;
      out.hostile = [-1, slot + 1, 2 ** 31 - 1, -(2 ** 31), 1e6].map((v) => {
        word[0] = v; return [String(b.namedTryLock()), String(b.namedUnlock()), w[META_OWNER]];
      });
      out.ownerBefore = String(b.namedOp(slot, NAMED_OWNER));
      // A forged OWNER word: the lock is free, namedUnlock() must not release it.
      w[META_OWNER] = 0;
      word[0] = slot;
      b.namedUnlock();
      out.afterForgedUnlock = [w[META_OWNER], String(b.namedOp(slot, NAMED_OWNER))];
      w[META_OWNER] = NO_OWNER;
      out.take = [b.namedTryLock() === b, w[META_OWNER], b.namedOp(slot, NAMED_OWNER)];
      // Held: a second try fails even when OWNER is forged free.
      w[META_OWNER] = NO_OWNER;
      out.again = String(b.namedTryLock());
      w[META_OWNER] = 0;
      word[0] = slot + 1;
      b.namedUnlock();
      out.afterWrongUnlock = [w[META_OWNER], b.namedOp(slot, NAMED_OWNER)];
      word[0] = slot;
      b.namedUnlock();
      out.afterUnlock = [w[META_OWNER], String(b.namedOp(slot, NAMED_OWNER))];
      out.badSlotWords = [new Int32Array(1), new Int32Array(new SharedArrayBuffer(0)), {}, 1].map((v) => {
        try { b.namedSetSlotWord(v); return 'accepted'; } catch (e) { return e.constructor.name; }
      });
      word[0] = slot;
      out.kept = [b.namedTryLock() === b, w[META_OWNER]];
      b.namedUnlock();
      out.end = w[META_OWNER];
      process.stdout.write(JSON.stringify(out));
      void anchor;`;
    let out;
    try {
      out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 }));
    } finally {
      removeAll([name]);
    }
    assert.deepEqual(out.beforeWord, ['undefined', 'undefined']);
    assert.deepEqual(out.beforeAny, ['undefined', 'undefined']);
    assert.equal(out.slotType, 'number');
    for (const step of out.hostile) assert.deepEqual(step, ['undefined', 'undefined', -1], 'a slot naming no entry');
    assert.equal(out.ownerBefore, 'undefined');
    assert.deepEqual(out.afterForgedUnlock, [0, 'undefined'], 'a forged OWNER word released nothing');
    assert.equal(out.take[0], true);
    assert.equal(out.take[1], 0);
    assert.equal(out.take[2][1], 0);
    assert.equal(out.again, 'undefined', 'a held lock was taken again');
    assert.equal(out.afterWrongUnlock[0], 0, 'namedUnlock() of another slot left the lock held');
    assert.equal(out.afterWrongUnlock[1][1], 0);
    assert.deepEqual(out.afterUnlock, [-1, 'undefined']);
    assert.deepEqual(out.badSlotWords, ['TypeError', 'TypeError', 'TypeError', 'TypeError']);
    assert.deepEqual(out.kept, [true, 0]);
    assert.equal(out.end, -1);
  });
});
