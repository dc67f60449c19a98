/**
 * `npm run demo`: the three scenarios a Python threading user knows, in Node.
 */
import { backend, nativeUnavailableReason } from '../lib';
import * as counter from './counter';
import * as deadlock from './deadlock';
import * as recursive from './recursive';

async function main(): Promise<void> {
  console.log(`os-mutex demo (backend: ${backend}${nativeUnavailableReason ? `; native unavailable: ${nativeUnavailableReason.message.split('\n')[0]}` : ''})\n`);
  console.log('1. A shared counter, without and with a lock');
  await counter.main();
  console.log('\n2. RecursiveMutex: owner and count');
  recursive.main();
  console.log('\n3. Re-acquiring a plain Mutex: an error, not a frozen program');
  deadlock.main();
}

void main();
