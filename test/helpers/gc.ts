/** Forced garbage collection for leak tests, without needing --expose-gc on the command line. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Collects garbage and yields a few times, so that FinalizationRegistry
 * callbacks run (lib/backends/native.ts sweeps the native lock table from
 * one).
 */
export async function collectGarbage(rounds = 4): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}
