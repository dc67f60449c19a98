/**
 * A plain Mutex acquired again by the thread that holds it. Python's Lock
 * freezes here forever; os-mutex throws MutexDeadlockError at once.
 *
 *   node dist/examples/deadlock.js
 */
import { Mutex, MutexDeadlockError } from '../lib';

export function main(): void {
  const m = new Mutex();
  m.acquire();
  try {
    m.acquire(); // would wait for ourselves forever
    console.log('  acquired twice?! (this line is never reached)');
  } catch (error) {
    if (!(error instanceof MutexDeadlockError)) throw error;
    console.log(`  caught ${error.name} (${error.code}):`);
    console.log(`    ${error.message}`);
  } finally {
    m.release();
  }
  console.log(`  tryAcquire() by the holder just says no: ${(() => {
    m.acquire();
    const again = m.tryAcquire();
    m.release();
    return again;
  })()}`);
}

if (require.main === module) main();
