/**
 * Scenario 8: the primitives beyond the mutex, against what they are built to
 * beat (issue 14, "Benchmarks").
 *
 * (a) Condition ping-pong: two fresh workers pass a turn word back and forth
 *     (workers/primitives-pingpong.ts), through a Condition over a Mutex
 *     (native), a Condition over an AtomicsMutex, and raw Atomics.wait /
 *     Atomics.notify on the word (the floor). One-way handoff = round trip / 2.
 * (b) Read-mostly: W workers, 9 reads to 1 write, each a short section over
 *     32 words of a shared Int32Array (workers/primitives-rw.ts): ReadWriteLock
 *     (withReadLock / withWriteLock, and the acquire/release pairs) against
 *     Mutex (native) and AtomicsMutex doing the same work under one exclusive
 *     lock. Operations/s; ratios of medians against Mutex (native), and the
 *     ReadWriteLock/Mutex ratio within each repeat (the two ran back to back).
 *
 * Implementations are interleaved within each repeat; min / median / max over
 * repeats. Torn reads (words seen unequal) and lost writes must be 0.
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { AtomicsMutex } from '../../lib/atomics';
import { Condition, ReadWriteLock } from '../../lib/index';
import * as native from '../../lib/native';
import * as control from '../harness/control';
import { runWorkers, WorkerGroup } from '../harness/spawn';
import { spread, type Spread } from '../harness/stats';
import { workerScript } from '../paths';
import { duration, rate, ratio, spreadCells, type Table } from '../report';
import type { PingPongKind, PingPongReply, PingPongSetup } from '../workers/primitives-pingpong';
import type { RwKind, RwReply, RwRound, RwSetup } from '../workers/primitives-rw';
import type { Scenario } from './scenario';

/** Words of shared data each read sums and each write increments. */
const WORDS = 32;

interface Settings {
  repeats: number;
  pingPong: { warmupSteps: number; steps: number };
  /** Worker counts for the read-mostly mix. */
  workers: number[];
  /** One operation in `writeEvery` is a write. */
  writeEvery: number;
  durationMs: number;
}

const nativeReason = native.available
  ? undefined
  : `native addon not loaded: ${native.unavailableReason?.message ?? 'unknown reason'}`;

interface Row<K> {
  kind: K;
  label: string;
  unavailable: string | undefined;
}

const PING_PONG: readonly Row<PingPongKind>[] = [
  { kind: 'cond-native', label: 'Condition over Mutex (native)', unavailable: nativeReason },
  { kind: 'cond-atomics', label: 'Condition over AtomicsMutex', unavailable: undefined },
  { kind: 'raw', label: 'raw Atomics.wait/notify', unavailable: undefined },
];

const READ_MOSTLY: readonly Row<RwKind>[] = [
  { kind: 'rwlock', label: 'ReadWriteLock withRead/WriteLock', unavailable: undefined },
  { kind: 'rwlock-pair', label: 'ReadWriteLock acquire/release', unavailable: undefined },
  { kind: 'native', label: 'Mutex (native) withLock', unavailable: nativeReason },
  { kind: 'atomics', label: 'AtomicsMutex withLock', unavailable: undefined },
];

/** A new condition for `kind` (undefined for the raw floor); its lock is kept alive by the condition. */
function createCondition(kind: PingPongKind): Condition | undefined {
  if (kind === 'raw') return undefined;
  return new Condition(kind === 'cond-native' ? new native.Mutex() : new AtomicsMutex());
}

/** A new lock for `kind`: something with a handle, kept referenced until its workers are gone. */
function createLock(kind: RwKind): { handle: unknown } {
  if (kind === 'native') return new native.Mutex();
  if (kind === 'atomics') return new AtomicsMutex();
  return new ReadWriteLock({ maxReaders: 64 });
}

interface PingPongResult {
  kind: PingPongKind;
  label: string;
  /** ns per one-way handoff, one per repeat. */
  repeatsNs: number[];
  handoffNs?: Spread;
}

interface RwRoundResult {
  kind: RwKind;
  label: string;
  workers: number;
  repeat: number;
  elapsedMs: number;
  reads: number;
  writes: number;
  perSecond: number;
  torn: number;
  lostWrites: number;
}

interface RwSummary {
  kind: RwKind;
  label: string;
  workers: number;
  perSecond: Spread;
  torn: number;
  lostWrites: number;
}

let kept: unknown;
/** Keeps `x` referenced until here: a native lock lives only while some object refers to it. */
function keepAlive(x: unknown): void {
  kept = x;
  kept = undefined;
}

async function pingPongOnce(kind: PingPongKind, settings: Settings): Promise<number> {
  const condition = createCondition(kind);
  const turn = new SharedArrayBuffer(4);
  const ctl = control.createControl().buffer as SharedArrayBuffer;
  const setups = (['A', 'B'] as const).map((role): PingPongSetup => ({
    kind, role, condition: condition?.handle, turn, control: ctl, ...settings.pingPong,
  }));
  const [a] = await runWorkers<PingPongReply>(workerScript('primitives-pingpong'), setups);
  keepAlive(condition);
  return a.nsPerRoundTrip / 2;
}

async function readMostlyOnce(row: Row<RwKind>, workers: number, repeat: number, round: number,
  settings: Settings): Promise<RwRoundResult> {
  const lock = createLock(row.kind);
  const data = new SharedArrayBuffer(WORDS * Int32Array.BYTES_PER_ELEMENT);
  const shared = new Int32Array(data);
  const ctl = control.createControl();
  const setup = (): RwSetup => ({ kind: row.kind, handle: lock.handle, data, words: WORDS, control: ctl.buffer as SharedArrayBuffer });
  const group = await WorkerGroup.start<RwReply>(workerScript('primitives-rw'), workers, setup);
  try {
    const message: RwRound = { round, writeEvery: settings.writeEvery };
    const replies = group.ask(message);
    await control.allReady(ctl, workers);
    const t0 = performance.now();
    control.go(ctl, round);
    await sleep(settings.durationMs);
    control.stop(ctl, round);
    const elapsedMs = performance.now() - t0;
    const all = await replies;
    const reads = all.reduce((a, r) => a + r.reads, 0);
    const writes = all.reduce((a, r) => a + r.writes, 0);
    return {
      kind: row.kind, label: row.label, workers, repeat, elapsedMs, reads, writes,
      perSecond: (reads + writes) / (elapsedMs / 1e3),
      torn: all.reduce((a, r) => a + r.torn, 0),
      lostWrites: writes - shared[0],
    };
  } finally {
    await group.close();
    keepAlive(lock);
  }
}

export const primitives: Scenario<Settings> = {
  id: 'primitives',
  title: 'Primitives: Condition ping-pong vs Atomics.wait/notify; ReadWriteLock vs Mutex, 90 % reads',
  settings: {
    quick: { repeats: 2, pingPong: { warmupSteps: 300, steps: 2_000 }, workers: [8], writeEvery: 10, durationMs: 150 },
    full: { repeats: 5, pingPong: { warmupSteps: 2_000, steps: 20_000 }, workers: [1, 8], writeEvery: 10, durationMs: 400 },
  },

  async run(settings, { log }) {
    const pingRows = PING_PONG.filter((r) => r.unavailable === undefined);
    const rwRows = READ_MOSTLY.filter((r) => r.unavailable === undefined);
    const pingResults = pingRows.map((r): PingPongResult => ({ kind: r.kind, label: r.label, repeatsNs: [] }));
    const rwRounds: RwRoundResult[] = [];
    let round = 0;

    for (let repeat = 0; repeat < settings.repeats; repeat++) {
      log(`primitives: repeat ${repeat + 1}/${settings.repeats}, condition ping-pong`);
      for (const [i, row] of pingRows.entries()) {
        pingResults[i].repeatsNs.push(await pingPongOnce(row.kind, settings));
      }
      for (const workers of settings.workers) {
        log(`primitives: repeat ${repeat + 1}/${settings.repeats}, read-mostly W=${workers}`);
        for (const row of rwRows) rwRounds.push(await readMostlyOnce(row, workers, repeat, ++round, settings));
      }
    }

    for (const r of pingResults) r.handoffNs = spread(r.repeatsNs);
    const rawNs = pingResults.find((r) => r.kind === 'raw')?.handoffNs?.median ?? NaN;
    const pingTable: Table = {
      title: '(a) condition ping-pong: one-way handoff (round trip / 2), min / median / max over repeats',
      columns: ['<implementation', 'min', 'median', 'max', 'round trips/s', 'vs raw'],
      rows: pingResults.map((r) => [
        r.label, ...spreadCells(r.handoffNs!, duration), rate(1e9 / (2 * r.handoffNs!.median)),
        ratio(r.handoffNs!.median / rawNs),
      ]),
    };

    const summaries: RwSummary[] = [];
    for (const workers of settings.workers) {
      for (const row of rwRows) {
        const rs = rwRounds.filter((r) => r.workers === workers && r.kind === row.kind);
        summaries.push({
          kind: row.kind, label: row.label, workers,
          perSecond: spread(rs.map((r) => r.perSecond)),
          torn: rs.reduce((a, r) => a + r.torn, 0),
          lostWrites: rs.reduce((a, r) => a + r.lostWrites, 0),
        });
      }
    }
    const mixTables: Table[] = [];
    const pairedRatios: Record<string, Spread> = {};
    const notes: string[] = [];
    for (const workers of settings.workers) {
      const here = summaries.filter((s) => s.workers === workers);
      const nativeMedian = here.find((s) => s.kind === 'native')?.perSecond.median ?? NaN;
      const atomicsMedian = here.find((s) => s.kind === 'atomics')?.perSecond.median ?? NaN;
      mixTables.push({
        title: `(b) W=${workers}, ${100 - 100 / settings.writeEvery} % reads of ${WORDS} words: ` +
          'operations/s (min / median / max over repeats)',
        columns: ['<implementation', 'min', 'median', 'max', 'vs Mutex (native)', 'vs AtomicsMutex'],
        rows: here.map((s) => [
          s.label, ...spreadCells(s.perSecond, rate), ratio(s.perSecond.median / nativeMedian),
          ratio(s.perSecond.median / atomicsMedian),
        ]),
      });
      for (const kind of ['rwlock', 'rwlock-pair'] as const) {
        const per = [];
        for (let repeat = 0; repeat < settings.repeats; repeat++) {
          const rw = rwRounds.find((r) => r.workers === workers && r.kind === kind && r.repeat === repeat);
          const m = rwRounds.find((r) => r.workers === workers && r.kind === 'native' && r.repeat === repeat);
          if (rw !== undefined && m !== undefined) per.push(rw.perSecond / m.perSecond);
        }
        if (per.length === 0) continue;
        const s = spread(per);
        pairedRatios[`${kind}/native W=${workers}`] = s;
        notes.push(`W=${workers}: ${kind === 'rwlock' ? 'ReadWriteLock withRead/WriteLock' : 'ReadWriteLock acquire/release'}` +
          ` / Mutex (native) per repeat: min ${ratio(s.min)}, median ${ratio(s.median)}, max ${ratio(s.max)}`);
      }
    }
    const broken = summaries.filter((s) => s.torn !== 0 || s.lostWrites !== 0);
    return {
      tables: [pingTable, ...mixTables],
      notes: [
        `(a) ${settings.pingPong.steps} timed round trips after ${settings.pingPong.warmupSteps} warm-up, fresh workers each; ` +
        `(b) ${settings.durationMs} ms per round, fresh workers each; ${settings.repeats} repeats, implementations interleaved`,
        ...notes,
        broken.length === 0
          ? 'torn reads and lost writes: 0 in every round (exclusion held)'
          : `EXCLUSION BROKEN: ${broken.map((s) => `${s.label} W=${s.workers}: ${s.torn} torn, ${s.lostWrites} lost`).join('; ')}`,
        ...[...PING_PONG, ...READ_MOSTLY].filter((r) => r.unavailable !== undefined)
          .map((r) => `${r.label}: skipped, ${r.unavailable}`),
      ],
      data: { settings, pingPong: pingResults, readMostly: summaries, pairedRatios, rounds: rwRounds },
    };
  },
};
