/**
 * Scenario 2: throughput and fairness of ONE lock shared by W worker threads.
 *
 * How: per (repeat, W, implementation) the parent creates a lock and starts W
 * fresh workers (workers/contended.ts) that open it by handle. Each round
 * (critical-section size x work outside) starts all workers at once, runs
 * for `durationMs`, and counts acquisitions per worker. Implementations are
 * interleaved within each repeat. Reported per configuration:
 *   acquisitions/s, total  min / median / max over repeats
 *   per-worker max, min    acquisitions/s of the busiest and the idlest worker (median over repeats)
 *   Jain's index           fairness of the per-worker counts (1 = equal shares)
 *   CPU per acquisition    process CPU time (user+sys, all threads) / acquisitions:
 *                          high values mean spinning or costly sleeping/waking
 *   wait p50 / p99 / max   per acquisition, over every worker's acquisitions in the round:
 *                          time from calling acquire() to release() returning, clock read
 *                          outside the critical section (workers/contended.ts); p50/p99 are
 *                          medians over repeats, max the longest in any repeat
 *   lost updates           must be 0: increments of the shared array that
 *                          another thread overwrote (mutual exclusion broken)
 * More workers than the machine's cores is measured on purpose (oversubscription).
 *
 * Each W also gets a `no lock` row (NO_LOCK, workers/contended.ts): the same
 * workers and rounds with no lock, each worker on its own array. Its Jain's
 * index is what the OS scheduler alone allows in one round, the ceiling for
 * any lock that keeps runnable threads running.
 *
 * One cell only: OS_MUTEX_BENCH_CELL=W/writes/outsideOps[/repeats[/ms]] (e.g.
 * `16/100/0/6`, or `16/100/0/3/1500` for 1.5 s rounds) replaces the grid of the
 * mode's settings by that cell. Its
 * workers first run CELL_WARMUP_ROUNDS unrecorded rounds of it, as in the
 * full grid, where two other rounds run before W/100/0 in the same workers
 * (a worker's first round also measures its JIT warming up).
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { implementationColor } from '../charts';
import * as control from '../harness/control';
import { WorkerGroup } from '../harness/spawn';
import { addHistograms, histogramQuantile, jainIndex, median, spread, type Spread } from '../harness/stats';
import { availableImplementations, keepAlive, NO_LOCK, unavailableNotes } from '../implementations';
import { workerScript } from '../paths';
import { duration, rate, sig3, spreadCells, type Table } from '../report';
import type { ContendedReply, ContendedRound, ContendedSetup } from '../workers/contended';
import { keepResult, localWork } from '../workers/local-work';
import type { Chart, Scenario } from './scenario';

interface Settings {
  repeats: number;
  workers: number[];
  /** Shared-array writes inside the lock. */
  writes: number[];
  /** Steps of local work after each release; 0 = none. */
  outsideOps: number[];
  durationMs: number;
  /** Unrecorded rounds each group of workers runs first (OS_MUTEX_BENCH_CELL). */
  warmupRounds?: number;
}

/** Names one cell of the grid to run alone: `W/writes/outsideOps[/repeats[/ms]]`. */
export const CELL_ENV = 'OS_MUTEX_BENCH_CELL';
const CELL_WARMUP_ROUNDS = 2;
const NO_LOCK_LABEL = 'no lock (own array)';

/** `settings`, or only the cell OS_MUTEX_BENCH_CELL names. Throws on a malformed value. */
function cellSettings(settings: Settings): Settings {
  const spec = process.env[CELL_ENV];
  if (spec === undefined || spec === '') return settings;
  const parts = spec.split('/').map(Number);
  if (parts.length < 3 || parts.length > 5 || !parts.every((n) => Number.isInteger(n) && n >= 0) ||
      parts[0] < 1 || parts[3] === 0 || parts[4] === 0) {
    throw new Error(`${CELL_ENV}=${spec}: expected W/writes/outsideOps[/repeats[/ms]], e.g. 16/100/0/6`);
  }
  const [workers, writes, outsideOps, repeats = settings.repeats, durationMs = settings.durationMs] = parts;
  return { ...settings, repeats, durationMs, workers: [workers], writes: [writes], outsideOps: [outsideOps],
    warmupRounds: CELL_WARMUP_ROUNDS };
}

/** One measured round. */
interface Round {
  impl: string;
  label: string;
  workers: number;
  writes: number;
  outsideOps: number;
  repeat: number;
  elapsedMs: number;
  counts: number[];
  perSecond: number;
  perWorkerMaxPerSecond: number;
  perWorkerMinPerSecond: number;
  jain: number;
  cpuNsPerAcquisition: number;
  /** CPU seconds per wall second: how many cores were busy. */
  coresBusy: number;
  lostUpdates: number;
  waitP50Ns: number;
  waitP99Ns: number;
  waitMaxNs: number;
  /** Acquisitions per wait bucket (harness/stats.ts), all workers. */
  waits: number[];
}

/** One cell over its repeats: the spread of the rate, medians of the rest. */
type Summary = Omit<Round, 'repeat' | 'elapsedMs' | 'counts' | 'perSecond' | 'waits'> & { perSecond: Spread };

/** ns one call of localWork(ops) takes here (timed in this thread, after warm-up). */
function timeLocalWork(ops: number): number {
  let x = 1;
  for (let i = 0; i < 2_000; i++) x = localWork(x, ops);
  const n = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) x = localWork(x, ops);
  const ns = ((performance.now() - t0) * 1e6) / n;
  keepResult(x);
  return ns;
}

export const contended: Scenario<Settings> = {
  id: 'contended',
  title: 'Contended throughput: one lock, W worker threads',
  settings: {
    quick: { repeats: 2, workers: [1, 2, 4, 16], writes: [100], outsideOps: [0], durationMs: 100 },
    full: { repeats: 3, workers: [1, 2, 4, 8, 16], writes: [0, 100, 1000], outsideOps: [0, 1000], durationMs: 150 },
  },

  async run(modeSettings, { log }) {
    const settings = cellSettings(modeSettings);
    const rows = [
      ...availableImplementations().map((impl) => ({ id: impl.id as string, label: impl.label, create: () => impl.create() })),
      { id: NO_LOCK, label: NO_LOCK_LABEL, create: () => undefined },
    ];
    const maxWrites = Math.max(1, ...settings.writes);
    const rounds: Round[] = [];
    let roundNumber = 0;

    for (let repeat = 0; repeat < settings.repeats; repeat++) {
      for (const workers of settings.workers) {
        log(`contended: repeat ${repeat + 1}/${settings.repeats}, W=${workers}`);
        for (const impl of rows) {
          const lock = impl.create();
          const data = new SharedArrayBuffer(maxWrites * Int32Array.BYTES_PER_ELEMENT);
          const shared = new Int32Array(data);
          const ctl = control.createControl();
          const setup = (): ContendedSetup => ({ implId: impl.id, handle: lock?.handle, data, control: ctl.buffer as SharedArrayBuffer });
          const group = await WorkerGroup.start<ContendedReply>(workerScript('contended'), workers, setup);
          try {
            // Every cell once; a lone cell (OS_MUTEX_BENCH_CELL) after its unrecorded warm-up rounds.
            const cells = settings.writes.flatMap((writes) =>
              settings.outsideOps.map((outsideOps) => ({ writes, outsideOps, warmup: false })));
            const warmups = Array.from({ length: settings.warmupRounds ?? 0 }, () => ({ ...cells[0], warmup: true }));
            for (const { writes, outsideOps, warmup } of [...warmups, ...cells]) {
              const round = ++roundNumber;
              Atomics.store(ctl, control.READY, 0);
              const message: ContendedRound = { round, writes, outsideOps };
              const replies = group.ask(message);
              await control.allReady(ctl, workers);
              const before = shared[0];
              const cpu0 = process.cpuUsage();
              const t0 = performance.now();
              control.go(ctl, round);
              await sleep(settings.durationMs);
              control.stop(ctl, round);
              const elapsedMs = performance.now() - t0;
              const cpu = process.cpuUsage(cpu0);
              const answers = await replies;
              if (warmup) continue;
              const counts = answers.map((reply) => reply.count);
              const waits = addHistograms(answers.map((reply) => reply.waits));
              const total = counts.reduce((a, b) => a + b, 0);
              const cpuNs = (cpu.user + cpu.system) * 1e3;
              rounds.push({
                impl: impl.id, label: impl.label, workers, writes, outsideOps, repeat, elapsedMs, counts,
                perSecond: total / (elapsedMs / 1e3),
                perWorkerMaxPerSecond: Math.max(...counts) / (elapsedMs / 1e3),
                perWorkerMinPerSecond: Math.min(...counts) / (elapsedMs / 1e3),
                jain: jainIndex(counts),
                cpuNsPerAcquisition: cpuNs / total,
                coresBusy: cpuNs / (elapsedMs * 1e6),
                lostUpdates: writes > 0 && lock !== undefined ? total - ((shared[0] - before) | 0) : 0,
                waitP50Ns: histogramQuantile(waits, 0.5),
                waitP99Ns: histogramQuantile(waits, 0.99),
                waitMaxNs: Math.max(...answers.map((reply) => reply.maxWaitNs)),
                waits,
              });
            }
          } finally {
            await group.close();
            if (lock !== undefined) keepAlive(lock);
          }
        }
      }
    }

    const summaries = summarize(rounds);
    const outsideNs = new Map(settings.outsideOps.map((ops) => [ops, ops === 0 ? 0 : timeLocalWork(ops)]));
    const tables: Table[] = [];
    for (const writes of settings.writes) {
      for (const outsideOps of settings.outsideOps) {
        const outside = outsideOps === 0 ? 'no work outside' : `~${duration(outsideNs.get(outsideOps)!)} work outside`;
        tables.push({
          title: `critical section ${writes} writes, ${outside}: acquisitions/s (min / median / max over repeats)`,
          columns: ['<implementation', 'W', 'min', 'median', 'max', 'worker max', 'worker min', 'Jain',
            'wait p50', 'wait p99', 'wait max', 'CPU/acq', 'cores'],
          rows: summaries.filter((s) => s.writes === writes && s.outsideOps === outsideOps).map((s) => [
            s.label, String(s.workers), ...spreadCells(s.perSecond, rate),
            rate(s.perWorkerMaxPerSecond), rate(s.perWorkerMinPerSecond), s.jain.toFixed(3),
            duration(s.waitP50Ns), duration(s.waitP99Ns), duration(s.waitMaxNs),
            duration(s.cpuNsPerAcquisition), sig3(s.coresBusy),
          ]),
        });
      }
    }
    const lost = summaries.filter((s) => s.lostUpdates !== 0);
    return {
      tables,
      notes: [
        `${settings.durationMs} ms per round, ${settings.repeats} repeats, implementations interleaved; ` +
        'worker max/min, Jain, CPU/acq and cores busy are medians over repeats',
        'wait = per acquisition, from calling acquire() to release() returning (the critical section included: ' +
        'W = 1 shows that floor); p50/p99 are medians over repeats of the percentiles over all workers\' ' +
        'acquisitions (log buckets, within 12.5 %), max is the longest in any repeat',
        'CPU/acq = process CPU time (user+sys, every thread) per acquisition; cores = CPU seconds per wall second',
        `${NO_LOCK_LABEL}: the same loop and rounds without a lock, each worker writing its own array; its Jain is ` +
        'how evenly the OS scheduler alone shared the cores in a round (the ceiling for a lock that keeps runnable ' +
        'threads running), its wait the loop\'s own time (a long max: a thread descheduled)',
        ...(settings.warmupRounds === undefined ? []
          : [`${CELL_ENV}: this cell only, after ${settings.warmupRounds} unrecorded rounds of it in the same workers`]),
        lost.length === 0
          ? 'lost updates: 0 in every round (mutual exclusion held)'
          : `LOST UPDATES (mutual exclusion broken): ${lost.map((s) => `${s.label} W=${s.workers}: ${s.lostUpdates}`).join('; ')}`,
        ...unavailableNotes(),
      ],
      data: { settings, outsideWorkNs: Object.fromEntries(outsideNs), summaries, rounds },
      charts: charts(summaries, outsideNs),
    };
  },
};

function summarize(rounds: Round[]): Summary[] {
  const groups = new Map<string, Round[]>();
  for (const r of rounds) {
    const key = `${r.writes}/${r.outsideOps}/${r.workers}/${r.impl}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((rs) => ({
    impl: rs[0].impl, label: rs[0].label, workers: rs[0].workers, writes: rs[0].writes, outsideOps: rs[0].outsideOps,
    perSecond: spread(rs.map((r) => r.perSecond)),
    perWorkerMaxPerSecond: median(rs.map((r) => r.perWorkerMaxPerSecond)),
    perWorkerMinPerSecond: median(rs.map((r) => r.perWorkerMinPerSecond)),
    jain: median(rs.map((r) => r.jain)),
    cpuNsPerAcquisition: median(rs.map((r) => r.cpuNsPerAcquisition)),
    coresBusy: median(rs.map((r) => r.coresBusy)),
    lostUpdates: rs.reduce((a, r) => a + r.lostUpdates, 0),
    waitP50Ns: median(rs.map((r) => r.waitP50Ns)),
    waitP99Ns: median(rs.map((r) => r.waitP99Ns)),
    waitMaxNs: Math.max(...rs.map((r) => r.waitMaxNs)),
  }));
}

function charts(summaries: Summary[], outsideNs: Map<number, number>): Chart[] {
  const values = summaries.map((s) => ({
    implementation: s.label,
    workers: s.workers,
    writes: s.writes,
    'critical section': `${s.writes} writes`,
    outside: s.outsideOps === 0 ? 'no work outside' : `~${duration(outsideNs.get(s.outsideOps)!)} work outside`,
    median: s.perSecond.median, min: s.perSecond.min, max: s.perSecond.max,
    jain: s.jain,
  }));
  const facet = {
    row: { field: 'outside', type: 'nominal', title: null },
    column: { field: 'critical section', type: 'nominal', title: null, sort: { field: 'writes', op: 'min' } },
  };
  const x = { field: 'workers', type: 'ordinal', title: 'worker threads (W)' };
  // The no-lock row is a fairness ceiling: charted with Jain's index, not with the locks' throughput.
  const color = implementationColor();
  const colorWithCeiling = implementationColor(true, [NO_LOCK_LABEL]);
  const locked = values.filter((v) => v.implementation !== NO_LOCK_LABEL);
  return [
    {
      file: 'contended-throughput.svg',
      spec: {
        title: 'Contended throughput: acquisitions/s (median, band = min..max over repeats)',
        data: { values: locked },
        facet,
        spec: {
          width: 220, height: 180,
          layer: [
            { mark: { type: 'line', point: true }, encoding: {
              x, color, y: { field: 'median', type: 'quantitative', scale: { type: 'log' }, axis: { format: '~s' }, title: 'acquisitions/s' } } },
            { mark: { type: 'rule', opacity: 0.6 }, encoding: {
              x, color, y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' } } },
          ],
        },
      },
    },
    {
      file: 'contended-fairness.svg',
      spec: {
        title: "Fairness under contention: Jain's index of per-worker acquisitions (1 = equal shares; " +
          `${NO_LOCK_LABEL}: the scheduler's ceiling)`,
        data: { values },
        facet,
        spec: {
          width: 220, height: 180,
          mark: { type: 'line', point: true },
          encoding: { x, color: colorWithCeiling, y: { field: 'jain', type: 'quantitative', scale: { domain: [0, 1] }, title: "Jain's index" } },
        },
      },
    },
  ];
}
