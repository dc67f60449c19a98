/**
 * Names, permissions and cleanup of named locks: hostile names get coded
 * errors before anything is created; 1,000 names can be opened, used and
 * removed, leaving nothing in /dev/shm; the Linux object is
 * /dev/shm/os-mutex.<euid>.<name>, mode 0600, and outlives its last user
 * until NamedMutex.remove(); another OS user cannot open it or squat the
 * name; without the native addon NamedMutex cannot be made.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { killAll, startChild } from './children';
import {
  EUID, NAMED_KINDS, namedClass, NamedMutex, removeAll, shmObjects, shmPath, SLOW, uniqueName,
} from './named-api';

const run = promisify(execFile);
const ATOMICS_ONLY = process.env.OS_MUTEX_BACKEND === 'atomics';
const DIST_LIB = path.join(__dirname, '..', '..', 'lib');
/** The user `nobody` (Debian, most Linux distributions). */
const NOBODY = 65534;

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** Hostile values of the wrong type; none may be converted (their getters and toString must not run). */
function wrongTypes(touched: string[]): Array<[string, unknown]> {
  const trap = (what: string) => () => {
    touched.push(what);
    throw new Error(`${what} must not run`);
  };
  return [
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['NaN', NaN],
    ['a bigint', 1n],
    ['a symbol', Symbol('name')],
    ['a boolean', true],
    ['a function', () => 'name'],
    ['an array', ['name']],
    ['a String object', new String('name')],
    ['a null-prototype object', Object.create(null)],
    ['an object whose toString returns an object', { toString: () => ({}) }],
    ['an object with throwing toString/valueOf/Symbol.toPrimitive', {
      toString: trap('toString'), valueOf: trap('valueOf'), [Symbol.toPrimitive]: trap('Symbol.toPrimitive'),
    }],
    ['an object with getters', Object.defineProperties({}, {
      toString: { get: trap('get toString') }, length: { get: trap('get length') },
    })],
    ['a revoked Proxy', revoked()],
  ];
}

const OUT_OF_RANGE: Array<[string, string]> = [
  ['the empty string', ''],
  ['129 characters', 'a'.repeat(129)],
];

const BAD_VALUES: Array<[string, string]> = [
  ['"/"', '/'],
  ['"a/b"', 'a/b'],
  ['"\\\\"', '\\'],
  ['a NUL', 'a\0b'],
  ['".."', '..'],
  ['"a..b"', 'a..b'],
  ['" "', ' '],
  ['"a b"', 'a b'],
  ['"é"', 'é'],
  ['a newline', 'a\nb'],
  ['"Global\\\\x"', 'Global\\x'],
  ['"a:b"', 'a:b'],
  ['"*"', '*'],
];

describe('named locks: names, permissions, cleanup', function () {
  this.timeout(60_000 * SLOW);
  const names = new Set<string>();

  afterEach(async () => {
    await killAll();
    if (!ATOMICS_ONLY) removeAll(names);
    names.clear();
  });

  function name(tag: string): string {
    const unique = uniqueName(tag);
    names.add(unique);
    return unique;
  }

  describe('with the native addon', function () {
    before(function () {
      if (ATOMICS_ONLY) this.skip(); // OS_MUTEX_BACKEND=atomics: no native addon, no named locks
    });

    for (const kind of NAMED_KINDS) {
      const Lock = namedClass(kind);

      it(`${kind}: a name of the wrong type throws TypeError ERR_INVALID_ARG_TYPE without converting it`, () => {
        const before = shmObjects();
        const touched: string[] = [];
        for (const [what, value] of wrongTypes(touched)) {
          for (const [where, call] of [['constructor', () => new Lock(value as string)], ['remove', () => Lock.remove(value as string)]] as const) {
            assert.throws(call, (error: unknown) => {
              assert.ok(error instanceof TypeError, `${where}(${what}): ${String(error)}`);
              assert.equal((error as { code?: unknown }).code, 'ERR_INVALID_ARG_TYPE', `${where}(${what}): ${String(error)}`);
              return true;
            });
          }
        }
        assert.throws(() => new (Lock as unknown as new () => unknown)(), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
        assert.deepEqual(touched, [], 'no getter, toString or valueOf ran');
        assert.deepEqual(shmObjects(), before, 'nothing was created');
      });

      it(`${kind}: an empty or 129-character name throws RangeError ERR_OUT_OF_RANGE`, () => {
        const before = shmObjects();
        for (const [what, value] of OUT_OF_RANGE) {
          assert.throws(() => new Lock(value), (error: unknown) =>
            error instanceof RangeError && (error as { code?: unknown }).code === 'ERR_OUT_OF_RANGE', what);
          assert.throws(() => Lock.remove(value), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }, `remove: ${what}`);
        }
        assert.deepEqual(shmObjects(), before, 'nothing was created');
      });

      it(`${kind}: a name with a character outside A-Z a-z 0-9 . _ - or with ".." throws TypeError ERR_INVALID_ARG_VALUE`, () => {
        const before = shmObjects();
        for (const [what, value] of BAD_VALUES) {
          assert.throws(() => new Lock(value), (error: unknown) =>
            error instanceof TypeError && (error as { code?: unknown }).code === 'ERR_INVALID_ARG_VALUE', what);
          assert.throws(() => Lock.remove(value), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }, `remove: ${what}`);
        }
        assert.deepEqual(shmObjects(), before, 'nothing was created');
      });

      it(`${kind}: names of 1 and 128 characters of every allowed character work`, () => {
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-';
        const unique = uniqueName('x');
        const long = `${unique}.${alphabet}`.padEnd(128, 'z').slice(0, 128);
        // One letter, another for each class: this process keeps a name it has
        // opened (an object of it may still be alive) even after remove().
        const short = String.fromCharCode(65 + ((process.pid + NAMED_KINDS.indexOf(kind)) % 26));
        for (const value of [long, short]) {
          names.add(value);
          const m = new Lock(value);
          assert.equal(m.name, value);
          assert.equal(m.acquire(), true);
          m.release();
        }
      });
    }

    const count = Math.max(100, Math.round(1000 / SLOW));
    it(`${count} distinct names: open, acquire, release, remove; nothing is left in /dev/shm`, function () {
      const before = shmObjects();
      const prefix = uniqueName('many');
      for (let i = 0; i < count; i++) {
        const lockName = `${prefix}.${i}`;
        names.add(lockName);
        const m = new NamedMutex(lockName);
        assert.equal(m.acquire(), true);
        m.release();
        if (process.platform === 'linux') assert.equal(NamedMutex.remove(lockName), true, lockName);
        else NamedMutex.remove(lockName);
      }
      assert.deepEqual(shmObjects(), before);
      if (process.platform === 'linux') assert.equal(NamedMutex.remove(`${prefix}.0`), false, 'a removed name is gone');
    });

    it('Linux: the object is /dev/shm/os-mutex.<euid>.<name>, mode 0600, and outlives its last user until remove()', async function () {
      if (process.platform !== 'linux') this.skip(); // /dev/shm and file modes are Linux's
      const lockName = name('object');
      const file = shmPath(lockName);
      assert.equal(fs.existsSync(file), false);
      const holder = startChild({ task: 'hold', kind: 'NamedMutex', name: lockName, then: 'exit' });
      await holder.next('holding');
      await holder.exit();
      const stat = fs.statSync(file);
      assert.equal(stat.mode & 0o777, 0o600);
      assert.equal(stat.uid, EUID);
      // The object outlived the process that made it; the next opener is told the holder died.
      const m = new NamedMutex(lockName);
      assert.equal(m.acquire({ timeout: 5000 }), true);
      assert.equal(m.abandoned, true);
      m.release();
      assert.equal(NamedMutex.remove(lockName), true);
      assert.equal(fs.existsSync(file), false);
      assert.equal(NamedMutex.remove(lockName), false);
    });

    it('Linux: an object of this user whose mode lets others in (0644) is refused: ERR_MUTEX_ACCESS_DENIED', function () {
      if (process.platform !== 'linux') this.skip(); // /dev/shm and file modes are Linux's
      const lockName = name('mode');
      const file = shmPath(lockName);
      try {
        fs.writeFileSync(file, Buffer.alloc(128), { mode: 0o644 });
        fs.chmodSync(file, 0o644);
        assert.throws(() => new NamedMutex(lockName), (error: unknown) =>
          (error as { code?: unknown }).code === 'ERR_MUTEX_ACCESS_DENIED' &&
          (error as Error).name === 'MutexAccessDeniedError');
        assert.equal(fs.statSync(file).mode & 0o777, 0o644, 'the object is left as it was');
      } finally {
        fs.rmSync(file, { force: true });
      }
    });

    describe('another OS user (Linux, as root)', function () {
      before(function () {
        if (process.platform !== 'linux') this.skip(); // setuid and /dev/shm are Linux's here
        if (EUID !== 0) this.skip(); // needs root, to run a child as the user nobody
      });

      it('a process of another user cannot open the lock by its handle: ERR_MUTEX_ACCESS_DENIED', async () => {
        const lockName = name('other-user');
        const m = new NamedMutex(lockName);
        m.acquire();
        try {
          const child = startChild({ task: 'as-user', kind: 'NamedMutex', uid: NOBODY, handle: JSON.parse(JSON.stringify(m.handle)) });
          const seen = await child.next('done');
          assert.equal(seen.uid, NOBODY);
          assert.equal(seen.code, 'ERR_MUTEX_ACCESS_DENIED', `from() as nobody: ${String(seen.message)}`);
          assert.equal(seen.errorName, 'MutexAccessDeniedError');
          await child.exit();
          assert.equal(m.isOwned(), true, 'the holder is undisturbed');
        } finally {
          m.release();
        }
      });

      it('a name squatted by another user (its object made first, mode 0666) is refused: ERR_MUTEX_ACCESS_DENIED', async () => {
        const lockName = name('squat');
        const file = shmPath(lockName);
        const squat = `process.setuid(${NOBODY});
          const fs = require('node:fs');
          fs.writeFileSync(${JSON.stringify(file)}, Buffer.alloc(4096), { mode: 0o666 });
          fs.chmodSync(${JSON.stringify(file)}, 0o666);`;
        try {
          await run(process.execPath, ['-e', squat], { timeout: 20_000 });
          assert.equal(fs.statSync(file).uid, NOBODY);
          assert.throws(() => new NamedMutex(lockName), (error: unknown) =>
            (error as { code?: unknown }).code === 'ERR_MUTEX_ACCESS_DENIED' &&
            (error as Error).name === 'MutexAccessDeniedError');
          assert.equal(fs.statSync(file).uid, NOBODY, 'the squatter\'s object is left as it was');
        } finally {
          fs.rmSync(file, { force: true });
        }
      });
    });
  });

  it('without the native addon (OS_MUTEX_BACKEND=atomics) constructing throws MutexUnsupportedError ERR_MUTEX_UNSUPPORTED', async () => {
    const lockName = uniqueName('atomics');
    const script = `
      const lib = require(${JSON.stringify(path.join(DIST_LIB, 'index.js'))});
      const seen = { backend: lib.backend };
      for (const kind of ['NamedMutex', 'NamedRecursiveMutex']) {
        try { new lib[kind](${JSON.stringify(lockName)}); seen[kind] = 'constructed'; }
        catch (error) { seen[kind] = error.name + ' ' + error.code; }
      }
      console.log(JSON.stringify(seen));`;
    const { stdout } = await run(process.execPath, ['-e', script],
      { env: { ...process.env, OS_MUTEX_BACKEND: 'atomics' }, timeout: 20_000 * SLOW });
    assert.deepEqual(JSON.parse(stdout), {
      backend: 'atomics',
      NamedMutex: 'MutexUnsupportedError ERR_MUTEX_UNSUPPORTED',
      NamedRecursiveMutex: 'MutexUnsupportedError ERR_MUTEX_UNSUPPORTED',
    });
    if (process.platform === 'linux') assert.equal(fs.existsSync(shmPath(lockName)), false);
  });

  it('in this run without the native addon, NamedMutex throws ERR_MUTEX_UNSUPPORTED (Atomics-only run)', function () {
    if (!ATOMICS_ONLY) this.skip(); // the Atomics-only run (OS_MUTEX_BACKEND=atomics) checks this in-process
    for (const kind of NAMED_KINDS) {
      assert.throws(() => new (namedClass(kind))(uniqueName('atomics')), { code: 'ERR_MUTEX_UNSUPPORTED' });
    }
  });
});
