/**
 * Child process of scenario `named`: one lock+unlock loop for a fixed time,
 * started at the same moment as its sibling processes. argv[2] is the job
 * (JSON). It sends { type: 'ready' } once its lock is open, waits for
 * { startAt } (a time on the clock every process shares,
 * performance.timeOrigin + performance.now()), runs until startAt +
 * durationMs, and sends { type: 'result', count, ms }.
 *
 * Loops (each iteration: lock; counter++; unlock):
 *   named      NamedMutex(name): acquire(); counter++; release()
 *   plf-sync   proper-lockfile lockSync(file) / unlockSync(file)
 *              (uncontended only: lockSync has no retries, it throws ELOCKED)
 *   plf-async  proper-lockfile `release = await lock(file)` / `await release()`,
 *              tried again every 1 ms while another process holds it (ELOCKED)
 * @module
 */
import { NamedMutex } from '../../lib/index';

export type NamedProcessLoop = 'named' | 'plf-sync' | 'plf-async';

export interface NamedProcessJob {
  loop: NamedProcessLoop;
  /** Lock name (named) or the existing file to lock (proper-lockfile). */
  target: string;
  durationMs: number;
}

export interface NamedProcessResult {
  type: 'result';
  count: number;
  ms: number;
}

interface ProperLockfile {
  lockSync(file: string, options?: Record<string, unknown>): () => void;
  unlockSync(file: string, options?: Record<string, unknown>): void;
  lock(file: string, options?: Record<string, unknown>): Promise<() => Promise<void>>;
}

const now = (): number => performance.timeOrigin + performance.now();

/** Spins until `at`: a sleep would add the timer's lateness to the start. */
function spinUntil(at: number): void {
  while (now() < at) {
    // spin
  }
}

/**
 * proper-lockfile's async lock, tried again 1 ms after each ELOCKED for as
 * long as it takes. (Its own `retries` option is not used: with a retry
 * count large enough never to give up, the `retry` package it uses builds
 * the whole table of timeouts on every call, ~75 ms here.)
 */
async function lockRetrying(lockfile: ProperLockfile, file: string): Promise<() => Promise<void>> {
  for (;;) {
    try {
      return await lockfile.lock(file);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ELOCKED') throw error;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]) as NamedProcessJob;
  let runLoop: (endAt: number) => Promise<number>;
  if (job.loop === 'named') {
    const m = new NamedMutex(job.target);
    runLoop = async (endAt) => {
      let counter = 0;
      do {
        for (let i = 0; i < 64; i++) {
          m.acquire();
          counter++;
          m.release();
        }
      } while (now() < endAt);
      return counter;
    };
  } else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lockfile = require('proper-lockfile') as ProperLockfile;
    if (job.loop === 'plf-sync') {
      runLoop = async (endAt) => {
        let counter = 0;
        do {
          lockfile.lockSync(job.target);
          counter++;
          lockfile.unlockSync(job.target);
        } while (now() < endAt);
        return counter;
      };
    } else {
      runLoop = async (endAt) => {
        let counter = 0;
        do {
          const release = await lockRetrying(lockfile, job.target);
          counter++;
          await release();
        } while (now() < endAt);
        return counter;
      };
    }
  }
  process.send!({ type: 'ready' });
  const { startAt } = await new Promise<{ startAt: number }>((resolve) => process.once('message', resolve));
  spinUntil(startAt);
  const t0 = performance.now();
  const count = await runLoop(startAt + job.durationMs);
  const ms = performance.now() - t0;
  process.send!({ type: 'result', count, ms } satisfies NamedProcessResult, () => process.disconnect());
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
