/**
 * Issue 14's acceptance test for Condition: an 8-worker producer/consumer
 * queue of 100,000 items through a bounded ring in a SharedArrayBuffer
 * (4 producers, 4 consumers, 64 slots, "not full" / "not empty" conditions
 * over one lock) loses and duplicates nothing, over every lock class. The
 * queue is examples/producer-consumer.ts, run in-process with each lock and
 * as a script on each backend.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import { runQueue } from '../../examples/producer-consumer';
import { IMPLEMENTATIONS } from '../helpers/implementations';

const run = promisify(execFile);
const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'producer-consumer.js');
const BACKENDS = process.env.OS_MUTEX_BACKEND === 'atomics' ? ['atomics'] : ['native', 'atomics'];

describe('lock-tests: bounded producer/consumer queue across 8 workers (Condition)', function () {
  this.timeout(60_000);

  for (const impl of IMPLEMENTATIONS) {
    it(`4 producers, 4 consumers, 100,000 items through 64 slots over ${impl.name}: each id taken exactly once`, async () => {
      const r = await runQueue({ producers: 4, consumers: 4, items: 100_000, slots: 64, lock: new impl.Lock() });
      assert.deepEqual({ taken: r.taken, lost: r.lost, duplicated: r.duplicated },
        { taken: 100_000, lost: 0, duplicated: 0 });
      assert.ok(r.fullWaits + r.emptyWaits > 0, 'nobody ever waited: the conditions were not exercised');
    });

    it(`a 1-slot queue (every put and take can wait) over ${impl.name}: 20,000 items, each exactly once`, async () => {
      const r = await runQueue({ producers: 4, consumers: 4, items: 20_000, slots: 1, lock: new impl.Lock() });
      assert.deepEqual({ taken: r.taken, lost: r.lost, duplicated: r.duplicated },
        { taken: 20_000, lost: 0, duplicated: 0 });
      assert.ok(r.fullWaits > 0 && r.emptyWaits > 0, `fullWaits ${r.fullWaits}, emptyWaits ${r.emptyWaits}`);
    });
  }

  for (const backend of BACKENDS) {
    it(`examples/producer-consumer.js says every item was taken exactly once (${backend})`, async () => {
      const env = { ...process.env, OS_MUTEX_BACKEND: backend === 'atomics' ? 'atomics' : '' };
      const { stdout } = await run(process.execPath, [EXAMPLE], { env, timeout: 50_000 });
      assert.match(stdout, new RegExp(
        `4 producers, 4 consumers, 100,000 items through 64 slots \\(Mutex, ${backend}\\)`));
      assert.match(stdout, /taken 100,000 of 100,000: 0 lost, 0 duplicated \(exact\)/);
      assert.match(stdout, /producers waited for room [\d,]+ times, consumers for an item [\d,]+ times/);
      assert.doesNotMatch(stdout, /WRONG/);
    });
  }
});
