/**
 * Scenario `named`: the machine-wide NamedMutex (a lock that separate
 * processes open by name) against what it replaces.
 *
 * (a) uncontended acquire()+release() pair, ns, one thread: NamedMutex and
 *     NamedRecursiveMutex vs Mutex (native) and AtomicsMutex, each in a fresh
 *     worker thread, interleaved over repeats (as scenario 1);
 * (b) lock+unlock rate of one process alone: NamedMutex (from (a)) vs
 *     proper-lockfile's lockSync/unlockSync and async lock/release (a lock
 *     directory next to a file, staleness by mtime);
 * (c) P = 2, 4, 8 PROCESSES contending, each a loop of lock; counter++; unlock
 *     for a fixed time, all started at one moment: NamedMutex vs
 *     proper-lockfile's async lock, tried again 1 ms after each ELOCKED.
 * Every figure: min / median / max over repeats; ratios of medians.
 * @module
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { NamedMutex } from '../../lib/index';
import * as native from '../../lib/native';
import { runWorker, withTimeout, HANG_TIMEOUT_MS } from '../harness/spawn';
import { median, spread, type Spread } from '../harness/stats';
import { workerScript } from '../paths';
import { duration, rate, ratio, sig3, spreadCells, type Table } from '../report';
import type { NamedPairClass, NamedPairJob, NamedPairResult } from '../workers/named-pair';
import type { NamedProcessJob, NamedProcessLoop, NamedProcessResult } from '../workers/named-process';
import type { Timing } from '../workers/timing';
import { skipped, type Scenario } from './scenario';

interface Settings {
  repeats: number;
  timing: Timing;
  /** Process counts of (c). */
  processes: number[];
  /** How long each process loops in (b) and (c). */
  durationMs: number;
}

const PAIR_CLASSES: readonly NamedPairClass[] = ['NamedMutex', 'NamedRecursiveMutex', 'Mutex', 'AtomicsMutex'];
const PAIR_LABEL: Record<NamedPairClass, string> = {
  NamedMutex: 'NamedMutex', NamedRecursiveMutex: 'NamedRecursiveMutex', Mutex: 'Mutex (native)', AtomicsMutex: 'AtomicsMutex',
};
const LOOP_LABEL: Record<NamedProcessLoop, string> = {
  named: 'NamedMutex acquire/release',
  'plf-sync': 'proper-lockfile lockSync/unlockSync',
  'plf-async': 'proper-lockfile await lock()/release()',
};

let counter = 0;
function uniqueName(tag: string): string {
  return `osm-bench.${tag}.${process.pid}.${counter++}`;
}

/** Runs `processes` children of workers/named-process.js together; their acquisitions per second (sum). */
async function runProcesses(job: NamedProcessJob, processes: number): Promise<number> {
  const children = Array.from({ length: processes }, () => fork(workerScript('named-process'), [JSON.stringify(job)], {
    execPath: process.execPath, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  }));
  const exited = children.map((child) => once(child, 'exit').then(([code, signal]) => {
    throw new Error(`named-process exited (${signal ?? `code ${code}`}) without a result`);
  }));
  exited.forEach((p) => p.catch(() => undefined));
  const next = <T>(child: (typeof children)[number], i: number): Promise<T> =>
    Promise.race([once(child, 'message').then(([message]) => message as T), exited[i]]);
  try {
    await withTimeout(Promise.all(children.map((child, i) => next(child, i))), HANG_TIMEOUT_MS, 'named processes: ready');
    const results = children.map((child, i) => next<NamedProcessResult>(child, i));
    const startAt = performance.timeOrigin + performance.now() + 50;
    for (const child of children) child.send({ startAt });
    const all = await withTimeout(Promise.all(results), HANG_TIMEOUT_MS, 'named processes: results');
    return all.reduce((sum, r) => sum + r.count, 0) / (Math.max(...all.map((r) => r.ms)) / 1e3);
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}

interface RateRow {
  label: string;
  processes: number;
  loop: NamedProcessLoop;
  perSecond: number[];
  spread?: Spread;
}

export const named: Scenario<Settings> = {
  id: 'named',
  title: 'Named locks across processes: NamedMutex vs Mutex, AtomicsMutex, proper-lockfile',
  settings: {
    full: { repeats: 3, timing: { warmupMs: 60, sampleMs: 25, samples: 5 }, processes: [2, 4, 8], durationMs: 1000 },
  },

  async run(settings, { log }) {
    if (!native.available) {
      return skipped(`NamedMutex needs the native addon: ${native.unavailableReason?.message ?? 'unknown reason'}`);
    }
    const names: string[] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'os-mutex-bench-named-'));
    const lockFile = path.join(dir, 'resource');
    fs.writeFileSync(lockFile, '');
    try {
      // (a) uncontended pairs, interleaved.
      const pairNs = new Map<NamedPairClass, number[]>(PAIR_CLASSES.map((cls) => [cls, []]));
      for (let repeat = 0; repeat < settings.repeats; repeat++) {
        log(`named: uncontended pairs, repeat ${repeat + 1}/${settings.repeats}`);
        for (const cls of PAIR_CLASSES) {
          const name = uniqueName('pair');
          names.push(name);
          const job: NamedPairJob = { cls, name, timing: settings.timing };
          const result = await runWorker<NamedPairResult>(workerScript('named-pair'), job);
          pairNs.get(cls)!.push(median(result.samplesNs));
        }
      }
      const pairSpread = new Map([...pairNs].map(([cls, values]) => [cls, spread(values)]));
      const pairMedian = (cls: NamedPairClass): number => pairSpread.get(cls)!.median;

      // (b) one process alone, and (c) P processes contending, interleaved per repeat.
      const rows: RateRow[] = [
        { label: LOOP_LABEL['plf-sync'], processes: 1, loop: 'plf-sync', perSecond: [] },
        { label: LOOP_LABEL['plf-async'], processes: 1, loop: 'plf-async', perSecond: [] },
        ...settings.processes.flatMap((p): RateRow[] => [
          { label: LOOP_LABEL.named, processes: p, loop: 'named', perSecond: [] },
          { label: LOOP_LABEL['plf-async'], processes: p, loop: 'plf-async', perSecond: [] },
        ]),
      ];
      for (let repeat = 0; repeat < settings.repeats; repeat++) {
        for (const row of rows) {
          log(`named: ${row.label}, ${row.processes} process(es), repeat ${repeat + 1}/${settings.repeats}`);
          let target = lockFile;
          if (row.loop === 'named') {
            target = uniqueName('contended');
            names.push(target);
          }
          row.perSecond.push(await runProcesses({ loop: row.loop, target, durationMs: settings.durationMs }, row.processes));
        }
      }
      for (const row of rows) row.spread = spread(row.perSecond);

      const pairTable: Table = {
        title: '(a) uncontended acquire()+release(), one thread: ns per pair, min / median / max over repeats; ratios of medians',
        columns: ['<class', 'min', 'median', 'max', 'vs Mutex', 'vs AtomicsMutex'],
        rows: PAIR_CLASSES.map((cls) => [
          PAIR_LABEL[cls], ...spreadCells(pairSpread.get(cls)!, sig3),
          ratio(pairMedian(cls) / pairMedian('Mutex')), ratio(pairMedian(cls) / pairMedian('AtomicsMutex')),
        ]),
      };
      const namedRate = pairSpread.get('NamedMutex')!;
      const namedPerSecond: Spread = { min: 1e9 / namedRate.max, median: 1e9 / namedRate.median, max: 1e9 / namedRate.min, n: namedRate.n };
      const aloneTable: Table = {
        title: '(b) lock+unlock, one process alone: per second, min / median / max over repeats; NamedMutex / row (medians)',
        columns: ['<lock', 'min', 'median', 'max', 'NamedMutex / row'],
        rows: [
          [`${LOOP_LABEL.named} (from (a))`, ...spreadCells(namedPerSecond, rate), ratio(1)],
          ...rows.filter((r) => r.processes === 1).map((r) => [
            r.label, ...spreadCells(r.spread!, rate), ratio(namedPerSecond.median / r.spread!.median),
          ]),
        ],
      };
      const contendedTable: Table = {
        title: '(c) P processes contending, each lock; counter++; unlock: acquisitions per second (all processes), min / median / max; NamedMutex / proper-lockfile (medians)',
        columns: ['<lock', 'P', 'min', 'median', 'max', 'NamedMutex / proper-lockfile'],
        rows: rows.filter((r) => r.processes > 1).map((r) => {
          const named = rows.find((o) => o.loop === 'named' && o.processes === r.processes)!;
          const plf = rows.find((o) => o.loop === 'plf-async' && o.processes === r.processes)!;
          return [r.label, String(r.processes), ...spreadCells(r.spread!, rate),
            r.loop === 'named' ? ratio(named.spread!.median / plf.spread!.median) : ''];
        }),
      };
      return {
        tables: [pairTable, aloneTable, contendedTable],
        notes: [
          `(a) each row: ${settings.repeats} repeats, each a fresh worker_thread (warm-up ${settings.timing.warmupMs} ms, ` +
          `${settings.timing.samples} samples of ~${settings.timing.sampleMs} ms, median of samples); classes interleaved; ` +
          `NamedMutex pair ${duration(pairMedian('NamedMutex'))}, Mutex ${duration(pairMedian('Mutex'))}`,
          `(b), (c): each run ${settings.durationMs} ms, fresh processes started together; rate = acquisitions / longest process's time`,
          'proper-lockfile 4.1.2, default options (stale 10 s, update 5 s, realpath), on a file in the OS temp folder; ' +
          'contended: await lock() tried again 1 ms after each ELOCKED (lockSync cannot wait: it throws ELOCKED)',
        ],
        data: { settings, pairNs: Object.fromEntries(pairNs), pairSpread: Object.fromEntries(pairSpread), rows },
      };
    } finally {
      for (const name of names) {
        try {
          NamedMutex.remove(name);
        } catch {
          // already gone
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
