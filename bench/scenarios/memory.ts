/**
 * Scenario 6: memory per lock, and memory given back when locks are dropped.
 *
 * How: one child process per implementation (workers/memory-child.ts, with
 * --expose-gc) creates `count` locks and reads process.memoryUsage() before,
 * while held and after dropping them + GC. Bytes per lock = (held - before)
 * / count for rss, V8 heap, external memory and ArrayBuffers; "returned" =
 * share of that growth gone after the drop. For native locks the registry
 * count shows whether every OS mutex was freed.
 * @module
 */
import { runChild } from '../harness/spawn';
import { availableImplementations, unavailableNotes } from '../implementations';
import { workerScript } from '../paths';
import { bytes, duration, type Table } from '../report';
import type { MemoryFigures, MemoryResult } from '../workers/memory-child';
import type { Scenario } from './scenario';

interface Settings {
  count: number;
}

const FIELDS: (keyof MemoryFigures)[] = ['rss', 'heapUsed', 'external', 'arrayBuffers'];

function percent(x: number): string {
  return Number.isFinite(x) ? `${Math.round(x * 100)}%` : 'n/a';
}

export const memory: Scenario<Settings> = {
  id: 'memory',
  title: 'Memory: bytes per lock and memory returned after drop + GC',
  settings: {
    full: { count: 100_000 },
  },

  async run(settings, { log }) {
    const results: (MemoryResult & { label: string })[] = [];
    for (const impl of availableImplementations()) {
      log(`memory: ${impl.label} x ${settings.count}`);
      const result = await runChild<MemoryResult>(workerScript('memory-child'), {
        execArgv: ['--expose-gc'], args: [impl.id, String(settings.count)],
      });
      results.push({ ...result, label: impl.label });
    }
    const perLock = (r: MemoryResult, field: keyof MemoryFigures): number => (r.held[field] - r.before[field]) / r.count;
    const returned = (r: MemoryResult, field: keyof MemoryFigures): number =>
      (r.held[field] - r.dropped[field]) / (r.held[field] - r.before[field]);
    const table: Table = {
      title: `${settings.count} locks: bytes per lock while held; share of the growth returned after drop + GC`,
      columns: ['<implementation', 'rss/lock', 'heap/lock', 'external/lock', 'arrayBuffers/lock',
        'rss back', 'heap back', 'external back', 'native locks left', 'create'],
      rows: results.map((r) => [
        r.label, ...FIELDS.map((f) => bytes(perLock(r, f))),
        percent(returned(r, 'rss')), percent(returned(r, 'heapUsed')), percent(returned(r, 'external')),
        r.nativeLocks === undefined ? '-' : `${r.nativeLocks[2] - r.nativeLocks[0]} of ${r.nativeLocks[1] - r.nativeLocks[0]}`,
        duration((r.createMs * 1e6) / r.count),
      ]),
    };
    return {
      tables: [table],
      notes: [
        'rss is what the OS sees: malloc rarely hands freed memory back, so "rss back" is usually low even without a leak',
        '"create" = time per constructor call; one child process per implementation, one run each',
        ...unavailableNotes(),
      ],
      data: { settings, results: results.map((r) => ({ ...r, perLock: Object.fromEntries(FIELDS.map((f) => [f, perLock(r, f)])) })) },
    };
  },
};
