/**
 * Scenario 1: the cost of an uncontended acquire+release pair, the hot path
 * of every lock.
 *
 * How: each (implementation, variant) runs in its own fresh worker_thread
 * (workers/uncontended.ts): one class at one call site, as in a real program,
 * never several implementations' loops polluting one isolate's JIT feedback.
 * Repeats are interleaved (A, B, C, A, B, C, ...) so machine noise hits every
 * implementation alike; each repeat contributes the median of its samples,
 * and the table gives min / median / max over repeats. Ratios are of medians:
 * against the inline three-state Atomics loop (the floor: no call, no owner
 * check) and against AtomicsMutex (the pure-JS backend of the same API).
 * @module
 */
import { implementationColor } from '../charts';
import { availableImplementations, type Implementation, unavailableNotes } from '../implementations';
import { runWorker } from '../harness/spawn';
import { median, spread, type Spread } from '../harness/stats';
import { workerScript } from '../paths';
import { duration, ratio, sig3, spreadCells, type Table } from '../report';
import type { Timing } from '../workers/timing';
import type { UncontendedJob, UncontendedResult, UncontendedVariant } from '../workers/uncontended';
import type { Scenario } from './scenario';

interface Settings {
  repeats: number;
  maxDepth: number;
  timing: Timing;
}

const VARIANT_LABEL: Record<UncontendedVariant, string> = {
  pair: 'acquire()+release()',
  guard: 'using g = m.lock()',
  guardRelease: 'm.lock().release()',
  pairUsingNoop: 'pair + using of a no-op',
  crossings: '2 empty addon calls',
  roundRobin4: '4 locks round-robin, 1 call site',
  roundRobin8: '8 locks round-robin, 1 call site',
  depth: 'recursive depth',
};

const VARIANTS: readonly UncontendedVariant[] =
  ['pair', 'crossings', 'guard', 'guardRelease', 'pairUsingNoop', 'roundRobin4', 'roundRobin8', 'depth'];

/** Which variants an implementation has. */
function applies(impl: Implementation, variant: UncontendedVariant): boolean {
  if (variant === 'depth') return impl.recursive;
  if (variant === 'crossings') return impl.id === 'native';
  if (variant === 'guard' || variant === 'guardRelease' || variant === 'pairUsingNoop') return !impl.yardstick;
  return true;
}

interface Row {
  impl: string;
  label: string;
  variant: UncontendedVariant;
  /** For `depth`: 1..maxDepth; else 1. */
  depth: number;
  /** ns per pair: one value (median of the worker's samples) per repeat. */
  repeatsNs: number[];
  /** Every sample of every repeat. */
  samplesNs: number[][];
  spread?: Spread;
  vsInline?: number;
  vsAtomicsMutex?: number;
}

export const uncontended: Scenario<Settings> = {
  id: 'uncontended',
  title: 'Uncontended acquire+release (ns per pair, one thread)',
  settings: {
    quick: { repeats: 3, maxDepth: 8, timing: { warmupMs: 30, sampleMs: 10, samples: 3 } },
    full: { repeats: 7, maxDepth: 8, timing: { warmupMs: 60, sampleMs: 25, samples: 5 } },
  },

  async run(settings, { log }) {
    const impls = availableImplementations();
    const jobs = VARIANTS.flatMap((variant) =>
      impls.filter((impl) => applies(impl, variant)).map((impl) => ({ impl, variant })));
    const rows = new Map<string, Row>();
    const rowOf = (impl: Implementation, variant: UncontendedVariant, depth: number): Row => {
      const key = `${impl.id}/${variant}/${depth}`;
      let row = rows.get(key);
      if (row === undefined) {
        row = { impl: impl.id, label: impl.label, variant, depth, repeatsNs: [], samplesNs: [] };
        rows.set(key, row);
      }
      return row;
    };

    for (let repeat = 0; repeat < settings.repeats; repeat++) {
      log(`uncontended: repeat ${repeat + 1}/${settings.repeats} (${jobs.length} fresh workers)`);
      for (const { impl, variant } of jobs) {
        const job: UncontendedJob = { implId: impl.id, variant, maxDepth: settings.maxDepth, timing: settings.timing };
        const result = await runWorker<UncontendedResult>(workerScript('uncontended'), job);
        result.samplesNs.forEach((samples, i) => {
          const row = rowOf(impl, variant, i + 1);
          row.repeatsNs.push(median(samples));
          row.samplesNs.push(samples);
        });
      }
    }

    const all = [...rows.values()];
    for (const row of all) row.spread = spread(row.repeatsNs);
    const medianOf = (implId: string, variant: UncontendedVariant): number => {
      const exact = all.find((r) => r.impl === implId && r.variant === variant && r.depth === 1);
      const pair = all.find((r) => r.impl === implId && r.variant === 'pair');
      return (exact ?? pair)?.spread?.median ?? NaN;
    };
    for (const row of all) {
      row.vsInline = row.spread!.median / medianOf('inline', row.variant);
      row.vsAtomicsMutex = row.spread!.median / medianOf('atomics', row.variant);
    }

    const main: Table = {
      title: 'ns per acquire+release pair, min / median / max over repeats; ratios of medians',
      columns: ['<implementation', '<variant', 'min', 'median', 'max', 'vs inline', 'vs AtomicsMutex'],
      rows: all.filter((r) => r.variant !== 'depth').map((r) => [
        r.label, VARIANT_LABEL[r.variant], ...spreadCells(r.spread!, sig3), ratio(r.vsInline!), ratio(r.vsAtomicsMutex!),
      ]),
    };
    const depths = Array.from({ length: settings.maxDepth }, (_, i) => i + 1);
    const depthTable: Table = {
      title: 'recursion: acquire d times then release d times; median ns per pair (min-max in JSON)',
      columns: ['<implementation', ...depths.map((d) => `d=${d}`)],
      rows: impls.filter((impl) => impl.recursive).map((impl) => [
        impl.label, ...depths.map((d) => sig3(rows.get(`${impl.id}/depth/${d}`)?.spread?.median ?? NaN)),
      ]),
    };
    const pairFloor = medianOf('inline', 'pair');
    return {
      tables: [main, depthTable],
      notes: [
        `each row: ${settings.repeats} repeats, each a fresh worker_thread (warm-up ${settings.timing.warmupMs} ms, ` +
        `${settings.timing.samples} samples of ~${settings.timing.sampleMs} ms, median of samples); implementations interleaved`,
        `inline = Atomics.compareExchange(0->1) / Atomics.sub(1), notify only when the old value was 2, written in the loop (${duration(pairFloor)} a pair here)`,
        '"using" runs the helpers tsc emits for target ES2022 (m.lock().release() is the same guard without them); ' +
        '"pair + using of a no-op" = the pair, plus an empty block with `using` of an object whose dispose does ' +
        'nothing: the language\'s share of the "using" row',
        '"2 empty addon calls" = the native pair\'s two argument-less Node-API calls, each finding no lock: ' +
        'the floor of one crossing per operation',
        '"4/8 locks round-robin" = one call site over 4/8 instances; a ratio against an implementation without ' +
        'that variant (inline: guard and no-op rows; every row: the floor) uses its pair',
        ...unavailableNotes(),
      ],
      data: { settings, rows: all },
      charts: [chart(all.filter((r) => r.variant !== 'depth'))],
    };
  },
};

function chart(rows: Row[]): { file: string; spec: Record<string, unknown> } {
  const values = rows.map((r) => ({
    implementation: r.label, variant: VARIANT_LABEL[r.variant],
    min: r.spread!.min, median: r.spread!.median, max: r.spread!.max,
  }));
  return {
    file: 'uncontended.svg',
    spec: {
      title: 'Uncontended acquire+release: ns per pair (bar = median, line = min..max over repeats)',
      data: { values },
      facet: { row: { field: 'variant', type: 'nominal', title: null, sort: VARIANTS.map((v) => VARIANT_LABEL[v]) } },
      spec: {
        width: 420,
        layer: [
          { mark: 'bar', encoding: {
            y: { field: 'implementation', type: 'nominal', title: null, sort: null },
            x: { field: 'median', type: 'quantitative', title: 'ns per pair' },
            color: implementationColor(false) } },
          { mark: { type: 'rule', color: 'black' }, encoding: {
            y: { field: 'implementation', type: 'nominal', sort: null },
            x: { field: 'min', type: 'quantitative' }, x2: { field: 'max' } } },
        ],
      },
      resolve: { scale: { x: 'independent', y: 'independent' } },
    },
  };
}
