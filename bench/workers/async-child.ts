/**
 * Child process of the async scenario, run by a Node that has the Web Locks
 * API (Node 24) so both async locks are compared in one runtime. For each
 * repeat, W and lock (interleaved), it starts W fresh threads
 * (workers/async-worker.ts), runs a warm-up round and a timed round, and
 * sends every figure back over IPC. An os-mutex class without acquireAsync()
 * is reported as skipped, with the reason.
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';

import * as control from '../harness/control';
import { WorkerGroup } from '../harness/spawn';
import { addHistograms, histogramQuantile, jainIndex } from '../harness/stats';
import { availableImplementations, type BenchLock, keepAlive, unavailableNotes } from '../implementations';
import { workerScript } from '../paths';
import type { AsyncReply, AsyncRound, AsyncSetup } from './async-worker';

export interface AsyncChildSettings {
  repeats: number;
  workers: number[];
  warmupMs: number;
  durationMs: number;
}

export interface AsyncChildRound {
  lock: string;
  label: string;
  workers: number;
  repeat: number;
  perSecond: number;
  jain: number;
  lostUpdates: number;
  waitP50Ns: number;
  waitP99Ns: number;
  waitMaxNs: number;
}

export interface AsyncChildResult {
  node: string;
  rounds: AsyncChildRound[];
  skipped: string[];
}

interface Candidate {
  id: string;
  label: string;
  create(): BenchLock | undefined;
}

function candidates(skippedNotes: string[]): Candidate[] {
  const list: Candidate[] = [];
  for (const impl of availableImplementations()) {
    if (impl.yardstick) {
      skippedNotes.push(`${impl.label}: n/a (no async form)`);
      continue;
    }
    const probe = impl.create() as unknown as { acquireAsync?: unknown };
    if (typeof probe.acquireAsync !== 'function') {
      skippedNotes.push(`${impl.label}: skipped, acquireAsync() is not in this build of os-mutex`);
      continue;
    }
    list.push({ id: impl.id, label: `${impl.label} acquireAsync()`, create: () => impl.create() });
  }
  const nav = (globalThis as { navigator?: { locks?: { request?: unknown } } }).navigator;
  if (typeof nav?.locks?.request === 'function') {
    list.push({ id: 'web-locks', label: 'navigator.locks.request()', create: () => undefined });
  } else {
    skippedNotes.push(`navigator.locks.request(): skipped, Node ${process.version} has no Web Locks API`);
  }
  return list;
}

async function measure(settings: AsyncChildSettings): Promise<AsyncChildResult> {
  const skippedNotes = [...unavailableNotes()];
  const locks = candidates(skippedNotes);
  const rounds: AsyncChildRound[] = [];
  let roundNumber = 0;
  for (let repeat = 0; repeat < settings.repeats; repeat++) {
    for (const workers of settings.workers) {
      for (const candidate of locks) {
        const lock = candidate.create();
        const counter = new Int32Array(new SharedArrayBuffer(4));
        const ctl = control.createControl();
        const setup: AsyncSetup = {
          implId: candidate.id, handle: lock?.handle, name: `os-mutex-bench-${roundNumber}`,
          counter: counter.buffer as SharedArrayBuffer, control: ctl.buffer as SharedArrayBuffer,
        };
        const group = await WorkerGroup.start<AsyncReply>(workerScript('async-worker'), workers, () => setup);
        try {
          for (const durationMs of [settings.warmupMs, settings.durationMs]) {
            const round = ++roundNumber;
            Atomics.store(ctl, control.READY, 0);
            const message: AsyncRound = { round };
            const replies = group.ask(message);
            await control.allReady(ctl, workers);
            const before = counter[0];
            const t0 = performance.now();
            control.go(ctl, round);
            await sleep(durationMs);
            control.stop(ctl, round);
            const seconds = (performance.now() - t0) / 1e3;
            const answers = await replies;
            const counts = answers.map((reply) => reply.count);
            const waits = addHistograms(answers.map((reply) => reply.waits));
            const total = counts.reduce((a, b) => a + b, 0);
            if (durationMs === settings.durationMs) {
              rounds.push({
                lock: candidate.id, label: candidate.label, workers, repeat, perSecond: total / seconds,
                jain: jainIndex(counts), lostUpdates: total - ((counter[0] - before) | 0),
                waitP50Ns: histogramQuantile(waits, 0.5), waitP99Ns: histogramQuantile(waits, 0.99),
                waitMaxNs: Math.max(...answers.map((reply) => reply.maxWaitNs)),
              });
            }
          }
        } finally {
          await group.close();
          if (lock !== undefined) keepAlive(lock);
        }
      }
    }
  }
  return { node: process.version, rounds, skipped: skippedNotes };
}

const settings = JSON.parse(process.argv[2]) as AsyncChildSettings;
measure(settings).then(
  (result) => process.send!(result, () => process.exit(0)),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
