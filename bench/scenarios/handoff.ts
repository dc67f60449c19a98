/**
 * Scenario 3: handoff latency, the time for a lock released by one thread to
 * reach a thread blocked on it (wake-up + scheduling + the lock's own path).
 *
 * How: two fresh workers ping-pong over three locks of one implementation
 * (workers/handoff.ts); each step is a round trip, latency = round trip / 2.
 * Implementations interleaved across repeats; min / median / max over repeats.
 * @module
 */
import { createControl } from '../harness/control';
import { runWorkers } from '../harness/spawn';
import { spread, type Spread } from '../harness/stats';
import { availableImplementations, keepAlive, unavailableNotes } from '../implementations';
import { workerScript } from '../paths';
import { duration, ratio, spreadCells, type Table } from '../report';
import type { HandoffReply, HandoffSetup } from '../workers/handoff';
import type { Scenario } from './scenario';

interface Settings {
  repeats: number;
  warmupSteps: number;
  steps: number;
}

interface Row {
  impl: string;
  label: string;
  /** ns per handoff (round trip / 2), one per repeat. */
  repeatsNs: number[];
  spread?: Spread;
}

export const handoff: Scenario<Settings> = {
  id: 'handoff',
  title: 'Handoff latency: two threads ping-pong (round trip / 2)',
  settings: {
    quick: { repeats: 3, warmupSteps: 500, steps: 3_000 },
    full: { repeats: 7, warmupSteps: 2_000, steps: 20_000 },
  },

  async run(settings, { log }) {
    const impls = availableImplementations();
    const rows = impls.map((impl): Row => ({ impl: impl.id, label: impl.label, repeatsNs: [] }));
    for (let repeat = 0; repeat < settings.repeats; repeat++) {
      log(`handoff: repeat ${repeat + 1}/${settings.repeats}`);
      for (const [i, impl] of impls.entries()) {
        const locks = [impl.create(), impl.create(), impl.create()];
        const control = createControl().buffer as SharedArrayBuffer;
        const setups = (['A', 'B'] as const).map((role): HandoffSetup => ({
          implId: impl.id, role, handles: locks.map((l) => l.handle), control,
          warmupSteps: settings.warmupSteps, steps: settings.steps,
        }));
        const [a] = await runWorkers<HandoffReply>(workerScript('handoff'), setups);
        locks.forEach(keepAlive);
        rows[i].repeatsNs.push(a.nsPerRoundTrip / 2);
      }
    }
    for (const row of rows) row.spread = spread(row.repeatsNs);
    const inline = rows.find((r) => r.impl === 'inline')?.spread?.median ?? NaN;
    const table: Table = {
      title: 'one-way handoff latency (round trip / 2), min / median / max over repeats',
      columns: ['<implementation', 'min', 'median', 'max', 'vs inline'],
      rows: rows.map((r) => [r.label, ...spreadCells(r.spread!, duration), ratio(r.spread!.median / inline)]),
    };
    return {
      tables: [table],
      notes: [
        `${settings.steps} timed round trips after ${settings.warmupSteps} warm-up, ${settings.repeats} repeats, fresh workers each`,
        ...unavailableNotes(),
      ],
      data: { settings, rows },
    };
  },
};
