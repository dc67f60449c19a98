/**
 * Real worker_threads for multi-thread tests, with timeouts that turn a hang
 * into a failure and cleanup that never leaves a worker running.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import type { MutexHandle } from '../../lib/index';

export const LOCK_WORKER = path.join(__dirname, '..', 'fixtures', 'lock-worker.js');

export interface LockWorkerData {
  /** Implementation name (helpers/implementations.ts). */
  impl: string;
  /** Handle of the lock under test, or absent when it arrives by postMessage. */
  handle?: MutexHandle;
  /** Task name in fixtures/lock-worker.ts. */
  task: string;
  /** Task parameters. */
  args?: Record<string, unknown>;
}

export interface WorkerMessage {
  type: string;
  [key: string]: unknown;
}

const live = new Set<Worker>();

/** A worker running fixtures/lock-worker.js, with message helpers. */
export class TestWorker {
  readonly worker: Worker;
  readonly #inbox: WorkerMessage[] = [];
  readonly #waiters: Array<() => void> = [];
  readonly exited: Promise<number>;
  #error: Error | undefined;
  #exitedFlag = false;

  constructor(data: LockWorkerData, script = LOCK_WORKER) {
    this.worker = new Worker(script, { workerData: data });
    this.threadId = this.worker.threadId;
    live.add(this.worker);
    this.worker.on('message', (message: WorkerMessage) => {
      this.#inbox.push(message);
      this.#wake();
    });
    this.worker.on('error', (error) => {
      this.#error = error;
      this.#wake();
    });
    // Not events.once(): it would reject on the worker's 'error' event.
    this.exited = new Promise<number>((resolve) => {
      this.worker.on('exit', (code) => {
        live.delete(this.worker);
        this.#exitedFlag = true;
        this.#wake();
        resolve(code);
      });
    });
  }

  /** The worker's threadId (kept: Worker#threadId reads -1 once the worker has exited). */
  readonly threadId: number;

  post(message: unknown): void {
    this.worker.postMessage(message);
  }

  /** The next message of `type` (or of any of several types); others stay queued. */
  async next(type: string | string[], timeoutMs = 10_000): Promise<WorkerMessage> {
    const types = Array.isArray(type) ? type : [type];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.#inbox.findIndex((message) => types.includes(message.type));
      if (index >= 0) return this.#inbox.splice(index, 1)[0];
      const error = this.#inbox.find((message) => message.type === 'error');
      if (error) throw new Error(`worker failed: ${String(error.message)}\n${String(error.stack)}`);
      // Messages posted before the worker died are delivered before 'exit',
      // so an error only counts once the worker has exited.
      if (this.#exitedFlag) {
        throw this.#error ?? new Error(`the worker exited without sending '${types.join("' or '")}'`);
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for '${types.join("' or '")}' from the worker`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the worker to exit; fails on timeout. */
  async exit(timeoutMs = 10_000): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`worker did not exit within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }
}

/** Terminates every worker a test left behind (mocha afterEach). */
export async function terminateAll(): Promise<void> {
  await Promise.all([...live].map((worker) => worker.terminate()));
  live.clear();
}

/** Starts a worker and waits for its 'ready' message. */
export async function startWorker(data: LockWorkerData): Promise<TestWorker> {
  const worker = new TestWorker(data);
  await worker.next('ready');
  return worker;
}

/** Runs a task to completion and returns its 'done' message. */
export async function runTask(data: LockWorkerData, timeoutMs = 30_000): Promise<WorkerMessage> {
  const worker = new TestWorker(data);
  const done = await worker.next('done', timeoutMs);
  await worker.exit(timeoutMs);
  return done;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
