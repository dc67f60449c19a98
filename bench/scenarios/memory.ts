/**
 * Scenario 6: memory per lock, and memory given back when locks are dropped.
 *
 * How: one child process per implementation (workers/memory-child.ts, with
 * --expose-gc) creates `count` locks and reads process.memoryUsage() before,
 * while held and after dropping them + GC. Bytes per lock = (held - before)
 * / count for rss, V8 heap, external memory and ArrayBuffers; "returned" =
 * share of that growth gone after the drop. For native locks the registry
 * count shows whether every OS mutex was freed.
 *
 * Creation and opening: time per `new Lock()` in the child's main thread and
 * per `Lock.from(handle)` in a worker thread of the child that opens all of
 * them while they are held (workers/memory-open.ts), and the rss and V8 heap
 * each thread grew by per lock (the opening thread's heap is its own
 * isolate's; rss is the process's).
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
    quick: { count: 20_000 },
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
    const perThread: Table = {
      title: `${settings.count} locks: time per lock to make them (main thread) and to open them by handle (a worker), ` +
        'and memory each thread grew by per lock',
      columns: ['<implementation', 'new', 'from() in worker', 'rss/lock new', 'heap/lock new',
        'rss/lock from()', 'heap/lock from()'],
      rows: results.map((r) => [
        r.label, duration((r.createMs * 1e6) / r.count), duration((r.opened.openMs * 1e6) / r.count),
        bytes(perLock(r, 'rss')), bytes(perLock(r, 'heapUsed')),
        bytes((r.opened.held.rss - r.opened.before.rss) / r.count),
        bytes((r.opened.held.heapUsed - r.opened.before.heapUsed) / r.count),
      ]),
    };
    return {
      tables: [table, perThread],
      notes: [
        'rss is what the OS sees: malloc rarely hands freed memory back, so "rss back" is usually low even without a leak',
        '"create"/"new" = time per constructor call; one child process per implementation, one run each',
        'from() in worker: a worker thread of that child opens every lock by handle while the main thread holds ' +
        'them (collected with gc() before and after); its heap is its own isolate\'s, rss the process\'s',
        ...unavailableNotes(),
      ],
      data: { settings, results: results.map((r) => ({ ...r, perLock: Object.fromEntries(FIELDS.map((f) => [f, perLock(r, f)])) })) },
    };
  },
};
