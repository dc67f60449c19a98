/**
 * The examples run and say what the README says they say, on each backend.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DEMO = path.join(__dirname, '..', 'examples', 'demo.js');
const BACKENDS = process.env.OS_MUTEX_BACKEND === 'atomics' ? ['atomics'] : ['native', 'atomics'];

describe('examples', function () {
  this.timeout(60_000);

  for (const backend of BACKENDS) {
    it(`the demo shows exact locked counts, owner and count, and a caught deadlock (${backend})`, async () => {
      const env = { ...process.env, OS_MUTEX_BACKEND: backend === 'atomics' ? 'atomics' : '' };
      const { stdout } = await run(process.execPath, [DEMO], { env, timeout: 50_000 });
      assert.match(stdout, new RegExp(`backend: ${backend}`));
      assert.match(stdout, /without a lock: [\d,]+ \([\d,]+ updates lost\)/);
      assert.match(stdout, new RegExp(`with a Mutex \\(${backend}\\): 1,000,000 \\(exact\\)`));
      assert.match(stdout, /acquire\(\) again +owner=0 +count=2 +\w*RecursiveMutex \{ locked, owner: 0, count: 2 \}/);
      assert.match(stdout, /release\(\) +owner=null count=0 +\w*RecursiveMutex \{ unlocked \}/);
      assert.match(stdout, /caught MutexDeadlockError \(ERR_MUTEX_DEADLOCK\)/);
      assert.doesNotMatch(stdout, /never reached|WRONG/);
    });
  }
});
