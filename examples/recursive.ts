/**
 * A RecursiveMutex (Python's RLock): its holder may acquire it again; owner
 * and count show who holds it and how deeply, and it is free only after as
 * many releases.
 *
 *   node dist/examples/recursive.js
 */
import { inspect } from 'node:util';

import { RecursiveMutex } from '../lib';

export function main(): void {
  const r = new RecursiveMutex();
  const show = (step: string): void => {
    console.log(`  ${step.padEnd(22)} owner=${String(r.owner).padEnd(4)} count=${r.count}  ${inspect(r)}`);
  };
  show('new RecursiveMutex()');
  r.acquire();
  show('acquire()');
  r.acquire();
  show('acquire() again');
  r.release();
  show('release()');
  r.release();
  show('release()');
}

if (require.main === module) main();
