/**
 * Starting measurements in fresh isolates: a worker_thread (`runWorker`,
 * `WorkerGroup`) or a child process (`runChild`), so that no two
 * implementations ever share JIT feedback (see scenarios/uncontended.ts).
 * @module
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/** Longest any one measurement may take before it counts as hung (a deadlocked lock). */
export const HANG_TIMEOUT_MS = 120_000;

/** `promise`, or a rejection naming `what` once `ms` pass first. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1e3} s (hung?)`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A new worker thread. Its errors are reported through {@link nextMessage}
 * (or its exit), never thrown at the parent as an unhandled 'error' event.
 */
function startWorker(script: string, workerData: unknown): Worker {
  return new Worker(script, { workerData }).on('error', () => undefined);
}

/** The worker's next message; rejects if it throws or exits first. */
function nextMessage<T>(worker: Worker): Promise<T> {
  if (worker.threadId === -1) return Promise.reject(new Error('worker has already exited'));
  return new Promise<T>((resolve, reject) => {
    const settle = (): void => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    };
    const onMessage = (message: T): void => {
      settle();
      resolve(message);
    };
    const onError = (error: Error): void => {
      settle();
      reject(error);
    };
    const onExit = (code: number): void => {
      settle();
      reject(new Error(`worker exited (code ${code}) without answering`));
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

/**
 * Runs `script` in one new worker thread per entry of `workerData`, all at
 * once; resolves with each one's first message, then terminates them all.
 */
export async function runWorkers<T>(script: string, workerData: readonly unknown[]): Promise<T[]> {
  const workers = workerData.map((data) => startWorker(script, data));
  try {
    return await withTimeout(Promise.all(workers.map((worker) => nextMessage<T>(worker))), HANG_TIMEOUT_MS, script);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** Runs `script` in a new worker thread; resolves with the first message it posts. */
export async function runWorker<T>(script: string, workerData: unknown): Promise<T> {
  const [message] = await runWorkers<T>(script, [workerData]);
  return message;
}

/**
 * Several worker threads that are started together and asked in rounds: each
 * `ask` posts one message to every worker and resolves with every reply.
 */
export class WorkerGroup<Reply> {
  readonly #workers: Worker[];

  private constructor(workers: Worker[]) {
    this.#workers = workers;
  }

  /** Starts `count` workers; resolves once each has posted its first ("ready") message. */
  static async start<R>(script: string, count: number, workerData: (index: number) => unknown): Promise<WorkerGroup<R>> {
    const workers = Array.from({ length: count }, (_, index) => startWorker(script, workerData(index)));
    const group = new WorkerGroup<R>(workers);
    try {
      await withTimeout(Promise.all(workers.map((worker) => nextMessage(worker))), HANG_TIMEOUT_MS, script);
    } catch (error) {
      await group.close();
      throw error;
    }
    return group;
  }

  /**
   * Registers for every worker's next reply, then posts `message` to all.
   * Callers await the result later (after the round runs): a worker that
   * fails meanwhile rejects it there, not as an unhandled rejection that
   * would end the whole run.
   */
  ask(message: unknown): Promise<Reply[]> {
    const replies = this.#workers.map((worker) => nextMessage<Reply>(worker));
    for (const worker of this.#workers) worker.postMessage(message);
    const all = withTimeout(Promise.all(replies), HANG_TIMEOUT_MS, 'worker round');
    all.catch(() => undefined);
    return all;
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }
}

export interface ChildOptions {
  /** Node executable; default this one. */
  execPath?: string;
  /** V8/Node flags, e.g. ['--expose-gc']. */
  execArgv?: string[];
  args?: string[];
  /** Killed (and rejected) after this long. */
  timeoutMs?: number;
}

/**
 * Runs `script` in a child Node process; resolves with the first message it
 * sends over IPC (`process.send`). Its stderr is passed through.
 */
export async function runChild<T>(script: string, options: ChildOptions = {}): Promise<T> {
  const child = fork(script, options.args ?? [], {
    execPath: options.execPath ?? process.execPath,
    execArgv: options.execArgv ?? [],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    timeout: options.timeoutMs ?? HANG_TIMEOUT_MS,
  });
  const exited = once(child, 'exit').then(([code, signal]) => {
    throw new Error(`${script} exited (${signal ?? `code ${code}`}) without a result`);
  });
  try {
    const [message] = await Promise.race([once(child, 'message'), exited]) as [T];
    return message;
  } finally {
    if (child.exitCode === null) child.kill();
    exited.catch(() => undefined);
  }
}
