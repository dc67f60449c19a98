#!/usr/bin/env node
// Smoke test of an installed os-mutex, as a user gets it: `require('os-mutex')`.
// Run by scripts/test-platforms.sh in a folder where the packed tarball was
// installed, under each Node and platform (also under qemu and Wine).
//
// Checks, on the main thread and 4 worker_threads sharing one Mutex by handle:
//   - backend is the expected one (SMOKE_EXPECT_BACKEND, default 'native');
//   - 4 x 10000 increments of a SharedArrayBuffer counter, each a plain
//     (non-atomic) read then write under the lock, add up exactly. The workers
//     start together (a barrier), so without the lock updates do get lost;
//   - RecursiveMutex reports owner and recursion count.
// Prints one JSON line and exits 0 when all hold, 1 otherwise.
'use strict';
const { Worker, isMainThread, workerData, threadId } = require('node:worker_threads');
const { Mutex, RecursiveMutex, backend, nativeUnavailableReason } = require('os-mutex');

const WORKERS = 4;
const INCREMENTS = 10000;
const COUNTER = 0; // Int32 slots of the shared buffer
const READY = 1;
const GO = 2;

if (!isMainThread) {
  const mutex = Mutex.from(workerData.handle);
  const shared = new Int32Array(workerData.buffer);
  Atomics.add(shared, READY, 1);
  Atomics.notify(shared, READY);
  Atomics.wait(shared, GO, 0);
  for (let i = 0; i < INCREMENTS; i++) {
    mutex.acquire();
    const value = shared[COUNTER]; // not atomic: only the mutex keeps this exact
    shared[COUNTER] = value + 1;
    mutex.release();
  }
  return;
}

function recursiveCheck() {
  const r = new RecursiveMutex();
  r.acquire();
  r.acquire();
  const held = { owner: r.owner, count: r.count };
  r.release();
  const once = r.count;
  r.release();
  const free = { owner: r.owner, count: r.count };
  return held.owner === threadId && held.count === 2 && once === 1 &&
    free.owner === null && free.count === 0;
}

async function main() {
  const expected = process.env.SMOKE_EXPECT_BACKEND || 'native';
  const mutex = new Mutex();
  const buffer = new SharedArrayBuffer(3 * 4);
  const shared = new Int32Array(buffer);
  const started = process.hrtime.bigint();
  const exits = [];
  let exited = 0;
  for (let i = 0; i < WORKERS; i++) {
    const worker = new Worker(__filename, { workerData: { handle: mutex.handle, buffer } });
    exits.push(new Promise((resolve, reject) => {
      worker.on('error', reject);
      worker.on('exit', (code) => { exited++; resolve(code); });
    }));
  }
  // Release the workers together once all are waiting (or one died early).
  while (Atomics.load(shared, READY) < WORKERS && exited === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  Atomics.store(shared, GO, 1);
  Atomics.notify(shared, GO);
  const codes = await Promise.all(exits);
  // The lock lives while an object refers to it: keep ours until every
  // worker is done (an engine may collect an unused local during an await;
  // JavaScriptCore, under Bun, does).
  mutex.locked();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const count = shared[COUNTER];
  const result = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    backend,
    ...(nativeUnavailableReason ? { nativeUnavailableReason: nativeUnavailableReason.message.split('\n')[0] } : {}),
    count,
    expectedCount: WORKERS * INCREMENTS,
    workerExitCodes: codes,
    recursive: recursiveCheck(),
    ms: Math.round(ms),
  };
  const ok = backend === expected && count === WORKERS * INCREMENTS &&
    codes.every((code) => code === 0) && result.recursive;
  console.log(JSON.stringify({ ok, ...result }));
  process.exitCode = ok ? 0 : 1;
}

main().catch((error) => {
  console.log(JSON.stringify({ ok: false, error: String(error && error.stack || error) }));
  process.exitCode = 1;
});
