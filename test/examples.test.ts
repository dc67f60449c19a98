/**
 * The examples run and say what the README says they say, on each backend.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DEMO = path.join(__dirname, '..', 'examples', 'demo.js');
const POOL = path.join(__dirname, '..', 'examples', 'pool.js');
const BACKENDS = process.env.OS_MUTEX_BACKEND === 'atomics' ? ['atomics'] : ['native', 'atomics'];

describe('examples', function () {
  this.timeout(60_000);

  for (const backend of BACKENDS) {
    it(`the demo shows lost updates without a lock, exact locked counts, owner and count, and a caught deadlock (${backend})`, async () => {
      const env = { ...process.env, OS_MUTEX_BACKEND: backend === 'atomics' ? 'atomics' : '' };
      const { stdout } = await run(process.execPath, [DEMO], { env, timeout: 50_000 });
      assert.match(stdout, new RegExp(`backend: ${backend}`));
      // The unlocked race must show what it exists to show: lost updates.
      const lost = /without a lock, for \d+ ms: [\d,]+ increments made, counter [\d,]+ \(([\d,]+) updates lost\)/
        .exec(stdout);
      assert.ok(lost, stdout);
      assert.ok(Number(lost[1].replace(/,/g, '')) > 0, `the unlocked race lost nothing: ${lost[0]}`);
      assert.match(stdout, new RegExp(`with a Mutex \\(${backend}\\), 250,000 each: counter 1,000,000 of 1,000,000 \\(exact\\)`));
      assert.match(stdout, /acquire\(\) again +owner=0 +count=2 +\w*RecursiveMutex \{ locked, owner: 0, count: 2 \}/);
      assert.match(stdout, /release\(\) +owner=null count=0 +\w*RecursiveMutex \{ unlocked \}/);
      assert.match(stdout, /caught MutexDeadlockError \(ERR_MUTEX_DEADLOCK\)/);
      assert.doesNotMatch(stdout, /never reached|WRONG/);
    });

    it(`the piscina pool example opens the lock once per thread and counts exactly (${backend})`, async () => {
      const env = { ...process.env, OS_MUTEX_BACKEND: backend === 'atomics' ? 'atomics' : '' };
      const { stdout } = await run(process.execPath, [POOL], { env, timeout: 50_000 });
      assert.match(stdout, new RegExp(`\\(${backend}\\): 200,000 of 200,000 \\(exact\\)`));
    });
  }
});
