/**
 * Scenario 5: async acquisition, never blocking the event loop: os-mutex's
 * acquireAsync() + release() against the Web Locks API
 * (navigator.locks.request), in one runtime that has both (Node 24: this
 * Node, or one from .cache/). W = 1 is the uncontended async round trip;
 * W > 1 threads contend, one acquisition in flight per thread.
 *
 * How: workers/async-child.ts in a child process with that Node; fresh
 * threads per (repeat, W, lock), interleaved; a warm-up round, then a timed
 * round. Classes without acquireAsync() are skipped with the reason.
 * @module
 */
import { spread, median, type Spread } from '../harness/stats';
import { runChild } from '../harness/spawn';
import { findWebLocksNode } from '../node24';
import { workerScript } from '../paths';
import { duration, rate, spreadCells, type Table } from '../report';
import type { AsyncChildResult, AsyncChildSettings } from '../workers/async-child';
import { type Scenario, skipped } from './scenario';

interface Row {
  lock: string;
  label: string;
  workers: number;
  perSecond: Spread;
  jain: number;
  lostUpdates: number;
  waitP50Ns: number;
  waitP99Ns: number;
  waitMaxNs: number;
}

export const asyncScenario: Scenario<AsyncChildSettings> = {
  id: 'async',
  title: 'Async acquisition: acquireAsync() vs navigator.locks.request()',
  settings: {
    full: { repeats: 3, workers: [1, 2, 4, 16], warmupMs: 100, durationMs: 200 },
  },

  async run(settings, { log }) {
    const runtime = await findWebLocksNode(log);
    const execPath = runtime.execPath ?? process.execPath;
    const notes = [runtime.execPath !== undefined ? `runtime: ${runtime.note}` : `Web Locks: skipped, ${runtime.reason}`];
    log(`async: measuring in ${execPath}`);
    const result = await runChild<AsyncChildResult>(workerScript('async-child'), {
      execPath, args: [JSON.stringify(settings)], timeoutMs: 300_000,
    });
    notes.push(...result.skipped);
    if (result.rounds.length === 0) return { ...skipped(`nothing to measure: ${result.skipped.join('; ')}`, { settings, result }), notes };

    const keys = [...new Set(result.rounds.map((r) => `${r.workers}/${r.lock}`))];
    const rows: Row[] = keys.map((key) => {
      const rs = result.rounds.filter((r) => `${r.workers}/${r.lock}` === key);
      return {
        lock: rs[0].lock, label: rs[0].label, workers: rs[0].workers,
        perSecond: spread(rs.map((r) => r.perSecond)), jain: median(rs.map((r) => r.jain)),
        lostUpdates: rs.reduce((a, r) => a + r.lostUpdates, 0),
        waitP50Ns: median(rs.map((r) => r.waitP50Ns)), waitP99Ns: median(rs.map((r) => r.waitP99Ns)),
        waitMaxNs: Math.max(...rs.map((r) => r.waitMaxNs)),
      };
    });
    const table: Table = {
      title: `async locked updates, one in flight per thread (Node ${result.node}); min / median / max over repeats`,
      columns: ['<lock', 'threads', 'min', 'median', 'max', 'ns/op (median)', 'Jain',
        'wait p50', 'wait p99', 'wait max', 'lost updates'],
      rows: rows.map((r) => [
        r.label, String(r.workers), ...spreadCells(r.perSecond, rate), duration(1e9 / r.perSecond.median),
        r.jain.toFixed(3), duration(r.waitP50Ns), duration(r.waitP99Ns), duration(r.waitMaxNs), String(r.lostUpdates),
      ]),
    };
    notes.push(`${settings.durationMs} ms timed after ${settings.warmupMs} ms warm-up, ${settings.repeats} repeats; threads = 1 is the uncontended async round trip`);
    notes.push('wait = per locked update, from asking for the lock to having released it (as in scenario 2); ' +
      'p50/p99 medians over repeats, max the longest in any repeat');
    return { tables: [table], notes, data: { settings, runtime: execPath, result, rows } };
  },
};
