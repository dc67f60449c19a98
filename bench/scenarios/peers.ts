/**
 * Scenario 7: peers, uncontended, for scale: CPython's threading.Lock and
 * RLock (C implementations, timed by python3's timeit) and V8's experimental
 * Atomics.Mutex (--harmony-struct, workers/v8-mutex-child.ts, with the inline
 * three-state loop timed in the same child as the yardstick). Each is
 * skipped with the reason when missing. Absolute ns only across runtimes:
 * a Python statement and a JS call are not the same unit of work.
 * @module
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { runChild } from '../harness/spawn';
import { spread } from '../harness/stats';
import { workerScript } from '../paths';
import { duration, spreadCells, type Table } from '../report';
import type { Timing } from '../workers/timing';
import type { V8MutexResult } from '../workers/v8-mutex-child';
import type { Scenario } from './scenario';

interface Settings {
  repeats: number;
  /** timeit `number`: statements per repeat. */
  pythonNumber: number;
  timing: Timing;
}

/** Prints {"version": ..., "results": {name: [ns per statement, per repeat]}}. */
const PYTHON = `
import json, sys, timeit
number, repeat = int(sys.argv[1]), int(sys.argv[2])
cases = [
    ('threading.Lock', 'l.acquire(); l.release()', 'l = threading.Lock()'),
    ('threading.Lock', 'with l: pass', 'l = threading.Lock()'),
    ('threading.RLock', 'l.acquire(); l.release()', 'l = threading.RLock()'),
    ('threading.RLock', 'with l: pass', 'l = threading.RLock()'),
]
results = []
for name, stmt, setup in cases:
    times = timeit.repeat(stmt, setup='import threading; ' + setup, number=number, repeat=repeat)
    results.append({'name': name, 'stmt': stmt, 'ns': [t / number * 1e9 for t in times]})
print(json.dumps({'version': sys.version.split()[0], 'results': results}))
`;

interface PythonResult {
  version: string;
  results: { name: string; stmt: string; ns: number[] }[];
}

async function python(settings: Settings): Promise<PythonResult | string> {
  try {
    const { stdout } = await promisify(execFile)('python3',
      ['-c', PYTHON, String(settings.pythonNumber), String(settings.repeats)], { timeout: 120_000 });
    return JSON.parse(stdout) as PythonResult;
  } catch (error) {
    return `python3 not usable: ${(error as Error).message.split('\n')[0]}`;
  }
}

async function v8Mutex(settings: Settings): Promise<V8MutexResult | string> {
  try {
    return await runChild<V8MutexResult>(workerScript('v8-mutex-child'), {
      execArgv: ['--harmony-struct'], args: [String(settings.repeats), JSON.stringify(settings.timing)],
    });
  } catch (error) {
    return `Node ${process.version} would not start with --harmony-struct: ${(error as Error).message.split('\n')[0]}`;
  }
}

export const peers: Scenario<Settings> = {
  id: 'peers',
  title: 'Peers, uncontended: CPython threading.Lock/RLock, V8 Atomics.Mutex',
  settings: {
    full: { repeats: 7, pythonNumber: 1_000_000, timing: { warmupMs: 60, sampleMs: 25, samples: 5 } },
  },

  async run(settings, { log }) {
    log('peers: python3 timeit');
    const py = await python(settings);
    log('peers: V8 Atomics.Mutex (--harmony-struct)');
    const v8 = await v8Mutex(settings);
    const rows: string[][] = [];
    const notes: string[] = [];
    if (typeof py === 'string') notes.push(`CPython: skipped, ${py}`);
    else {
      for (const r of py.results) rows.push([`CPython ${py.version} ${r.name}`, r.stmt, ...spreadCells(spread(r.ns), duration)]);
    }
    if (typeof v8 === 'string') notes.push(`V8 Atomics.Mutex: skipped, ${v8}`);
    else if (v8.unavailable !== undefined) notes.push(`V8 Atomics.Mutex: skipped, ${v8.unavailable}`);
    else {
      for (const [variant, values] of Object.entries(v8.repeatsNs)) {
        const what = variant.startsWith('inline') ? 'yardstick, same child' : `${variant}(m, () => {})`;
        rows.push([`V8 ${v8.v8} ${variant}`, what, ...spreadCells(spread(values), duration)]);
      }
    }
    notes.push(`${settings.repeats} repeats each; CPython: timeit.repeat(number=${settings.pythonNumber}); ` +
      'V8: a fresh worker per variant and repeat, as in scenario 1');
    const table: Table = {
      title: 'uncontended acquire+release, one thread; min / median / max over repeats',
      columns: ['<peer', '<operation', 'min', 'median', 'max'],
      rows,
    };
    return { tables: rows.length > 0 ? [table] : [], notes, data: { settings, python: py, v8 } };
  },
};
