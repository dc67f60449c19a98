/**
 * Chaos: 16 workers doing random mixes of blocking, try, timed, recursive and
 * async acquisitions on a few shared locks, some terminated at random moments
 * and replaced. No two holders ever overlap, every round finishes, and the
 * count of live native locks returns to its baseline.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import * as native from '../lib/native';
import { collectGarbage } from './helpers/gc';
import { IMPLEMENTATIONS } from './helpers/implementations';
import { makeRandom, testSeed } from './helpers/random';
import { sleep } from './helpers/workers';

const CHAOS_WORKER = path.join(__dirname, 'fixtures', 'chaos-worker.js');
const WORKERS = 16;
const LOCKS = 3;
const ROUNDS_PER_WORKER = 600;

function assertAllFree(locks: ReadonlyArray<{ locked(): boolean; owner: number | null }>): void {
  for (const lock of locks) assert.equal(lock.locked(), false, `no lock left held: ${String(lock.owner)}`);
}

for (const impl of IMPLEMENTATIONS) {
  // Killing a holder is only recoverable where owner death is handled.
  const kills = impl.recoversDeadOwner;
  describe(`${impl.name}: chaos`, function () {
    this.timeout(120_000);

    it(`${WORKERS} workers, ${LOCKS} locks, random acquisitions${kills ? ', random terminations' : ''}: no overlap, all rounds finish`, async () => {
      const seed = testSeed();
      const random = makeRandom(seed);
      await collectGarbage();
      const baseline = native.available ? native.nativeLockCount() : 0;
      const inside = new SharedArrayBuffer(4 * LOCKS);
      const stats = new SharedArrayBuffer(20);
      const counters = new Int32Array(stats);
      let locks: Array<InstanceType<typeof impl.Lock>> | undefined = Array.from({ length: LOCKS }, () => new impl.Lock());
      const handles = locks.map((lock) => lock.handle);
      let started = 0;
      let finished = 0;
      let killed = 0;
      const errors: string[] = [];
      const live = new Set<Worker>();
      const done = new WeakSet<Worker>();

      const spawn = (): Promise<void> => new Promise((resolve) => {
        const worker = new Worker(CHAOS_WORKER, {
          workerData: { impl: impl.name, handles, inside, stats, seed: seed + started++, rounds: ROUNDS_PER_WORKER },
        });
        live.add(worker);
        worker.on('message', (message: { type: string; message?: string }) => {
          if (message.type === 'done') {
            finished++;
            done.add(worker);
          }
          if (message.type === 'error') errors.push(String(message.message));
        });
        worker.on('error', (error) => errors.push(error.message));
        worker.on('exit', () => {
          live.delete(worker);
          resolve();
        });
      });

      const running: Array<Promise<void>> = [];
      for (let i = 0; i < WORKERS; i++) running.push(spawn());
      if (kills) {
        // Terminate a random worker now and then, and start a replacement.
        for (let k = 0; k < 12; k++) {
          await sleep(10 + random() * 50);
          const victims = [...live];
          if (victims.length === 0) break;
          const victim = victims[Math.floor(random() * victims.length)];
          const wasDone = done.has(victim);
          await victim.terminate();
          if (!wasDone && !done.has(victim)) killed++;
          running.push(spawn());
        }
      }
      while (live.size > 0) await Promise.all(running);

      const [rounds, acquisitions, overlaps, timeouts, abandoned] = counters;
      const summary = `seed ${seed}: ${started} workers (${killed} terminated), ${rounds} rounds, ` +
        `${acquisitions} acquisitions, ${timeouts} not acquired, ${abandoned} abandoned locks taken over, ${overlaps} overlaps`;
      console.log(`      ${summary}`);
      assert.deepEqual(errors, [], summary);
      assert.equal(overlaps, 0, summary);
      assert.equal(finished, started - killed, `every worker that was not terminated finished (${summary})`);
      assert.ok(rounds >= finished * ROUNDS_PER_WORKER, summary);
      assert.ok(acquisitions > 0, summary);
      assertAllFree(locks); // (not a loop here: an async function's locals outlive the loop)
      locks = undefined;
      if (native.available) {
        await sleep(50);
        await collectGarbage(8);
        assert.equal(native.nativeLockCount(), baseline, 'every lock of the run was freed');
      }
    });
  });
}
