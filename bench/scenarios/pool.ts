/**
 * Scenario 4: a piscina pool of N threads running small tasks that take one
 * shared mutex by handle and update shared memory: tasks/s end to end, the
 * way most users will meet the lock.
 *
 * How: per (repeat, N, implementation, open mode) a fresh pool (fresh
 * threads) runs `warmupTasks`, then `tasks` timed tasks, all queued at once.
 * The shared counter must end exactly `tasks` higher (checked). A no-lock
 * row gives the pool's own cost. Implementations interleaved per repeat.
 * @module
 */
import { setImmediate as tick } from 'node:timers/promises';

import { spread, type Spread } from '../harness/stats';
import { availableImplementations, keepAlive, unavailableNotes } from '../implementations';
import { workerScript } from '../paths';
import { rate, ratio, spreadCells, type Table } from '../report';
import type { PoolSetup } from '../workers/pool-task';
import { type Scenario, skipped } from './scenario';

interface Settings {
  repeats: number;
  threads: number[];
  /** Pool sizes at which the per-task `from(handle)` variant also runs. */
  perTaskOpenThreads: number[];
  warmupTasks: number;
  tasks: number;
  writes: number;
}

interface Row {
  impl: string;
  label: string;
  threads: number;
  open: PoolSetup['open'];
  tasksPerSecond: number[];
  lostUpdates: number;
  spread?: Spread;
}

type PiscinaClass = typeof import('piscina').Piscina;

export const pool: Scenario<Settings> = {
  id: 'pool',
  title: 'piscina pool: tasks that lock a shared mutex by handle (tasks/s)',
  settings: {
    full: { repeats: 3, threads: [1, 2, 4], perTaskOpenThreads: [2], warmupTasks: 1_000, tasks: 4_000, writes: 100 },
  },

  async run(settings, { log }) {
    let Piscina: PiscinaClass;
    try {
      ({ Piscina } = await import('piscina'));
    } catch (error) {
      return skipped(`piscina is not installed (${(error as Error).message.split('\n')[0]})`);
    }
    const impls = availableImplementations();
    const variants: { implId: string; label: string; open: PoolSetup['open'] }[] = [
      { implId: 'none', label: 'no lock (pool cost)', open: 'cached' },
      ...impls.map((impl) => ({ implId: impl.id, label: impl.label, open: 'cached' as const })),
      ...impls.map((impl) => ({ implId: impl.id, label: impl.label, open: 'per-task' as const })),
    ];
    const rows = new Map<string, Row>();
    for (let repeat = 0; repeat < settings.repeats; repeat++) {
      for (const threads of settings.threads) {
        log(`pool: repeat ${repeat + 1}/${settings.repeats}, ${threads} threads`);
        for (const v of variants) {
          if (v.open === 'per-task' && !settings.perTaskOpenThreads.includes(threads)) continue;
          const impl = impls.find((i) => i.id === v.implId);
          const lock = impl?.create();
          const shared = new SharedArrayBuffer(settings.writes * Int32Array.BYTES_PER_ELEMENT);
          const counter = new Int32Array(shared);
          const setup: PoolSetup = { implId: v.implId, handle: lock?.handle, shared, writes: settings.writes, open: v.open };
          const piscina = new Piscina({
            filename: workerScript('pool-task'), name: 'lockedUpdate',
            minThreads: threads, maxThreads: threads, idleTimeout: 60_000, workerData: setup,
          });
          try {
            await Promise.all(Array.from({ length: settings.warmupTasks }, () => piscina.run(null)));
            await tick();
            const before = counter[0];
            const t0 = performance.now();
            await Promise.all(Array.from({ length: settings.tasks }, () => piscina.run(null)));
            const seconds = (performance.now() - t0) / 1e3;
            const key = `${v.implId}/${threads}/${v.open}`;
            const row = rows.get(key) ?? { impl: v.implId, label: v.label, threads, open: v.open, tasksPerSecond: [], lostUpdates: 0 };
            row.tasksPerSecond.push(settings.tasks / seconds);
            row.lostUpdates += settings.tasks - ((counter[0] - before) | 0);
            rows.set(key, row);
          } finally {
            await piscina.destroy();
            if (lock !== undefined) keepAlive(lock);
          }
        }
      }
    }
    const all = [...rows.values()];
    for (const row of all) row.spread = spread(row.tasksPerSecond);
    const baseline = (threads: number): number =>
      all.find((r) => r.impl === 'none' && r.threads === threads)?.spread?.median ?? NaN;
    const table: Table = {
      title: `tasks/s (min / median / max over repeats); each task: acquire, ${settings.writes} writes, release`,
      columns: ['<implementation', '<open', 'threads', 'min', 'median', 'max', 'vs no lock', 'lost updates'],
      rows: all.map((r) => [
        r.label, r.impl === 'none' ? '-' : r.open === 'cached' ? 'once per thread' : 'from() every task', String(r.threads),
        ...spreadCells(r.spread!, rate), ratio(r.spread!.median / baseline(r.threads)),
        r.impl === 'none' ? `(${r.lostUpdates})` : String(r.lostUpdates),
      ]),
    };
    return {
      tables: [table],
      notes: [
        `${settings.tasks} timed tasks after ${settings.warmupTasks} warm-up, all queued at once; fresh pool per row and repeat`,
        'lost updates must be 0 for every locked row; the no-lock row shows what the lock prevents',
        ...unavailableNotes(),
      ],
      data: { settings, rows: all },
    };
  },
};
