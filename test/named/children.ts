/**
 * Real child processes for the named-lock tests: fixtures/named-child.js
 * forked with this Node (process.execPath) and an IPC channel, with message
 * helpers whose timeouts turn a hang into a failure, and `killAll()` for
 * afterEach, so that a failing test never leaves a process behind.
 */
import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { removeAll, testFile, uniqueName } from './named-api';

export const NAMED_CHILD = path.join(__dirname, '..', 'fixtures', 'named-child.js');

export interface ChildMessage {
  type: string;
  [key: string]: unknown;
}

const live = new Set<ChildProcess>();

/** A forked fixtures/named-child.js running one task. */
export class TestChild {
  readonly process: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #inbox: ChildMessage[] = [];
  readonly #waiters: Array<() => void> = [];
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  #stderr = '';

  constructor(task: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env) {
    this.process = fork(NAMED_CHILD, [JSON.stringify(task)], {
      execPath: process.execPath,
      env,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.pid = this.process.pid!;
    live.add(this.process);
    this.process.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-4000);
    });
    this.process.on('message', (message: ChildMessage) => {
      this.#inbox.push(message);
      this.#wake();
    });
    this.process.on('error', () => this.#wake());
    this.exited = new Promise((resolve) => {
      this.process.on('exit', (code, signal) => {
        live.delete(this.process);
        this.#exit = { code, signal };
        this.#wake();
        resolve(this.#exit);
      });
    });
  }

  /** What the child wrote to stderr (its last 4000 characters). */
  get stderr(): string {
    return this.#stderr;
  }

  send(message: unknown): void {
    this.process.send(message as object);
  }

  /** The next message of `type`; others stay queued. Fails on the child's exit, an 'error' message, or timeout. */
  async next(type: string, timeoutMs = 20_000): Promise<ChildMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.#inbox.findIndex((message) => message.type === type);
      if (index >= 0) return this.#inbox.splice(index, 1)[0];
      const error = this.#inbox.find((message) => message.type === 'error');
      if (error) throw new Error(`child ${this.pid} failed: ${String(error.stack ?? error.message)}`);
      if (this.#exit !== undefined) {
        throw new Error(`child ${this.pid} exited (code ${this.#exit.code}, signal ${this.#exit.signal}) ` +
          `without sending '${type}'; stderr: ${this.#stderr}`);
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for '${type}' from child ${this.pid}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the child to exit; fails on timeout. */
  async exit(timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`child ${this.pid} did not exit within ${timeoutMs} ms`)), timeoutMs);
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

/** Starts a child running `task`. */
export function startChild(task: Record<string, unknown>, env?: NodeJS.ProcessEnv): TestChild {
  return new TestChild(task, env);
}

/** SIGKILLs every child a test left running and waits for them to go (mocha afterEach). */
export async function killAll(): Promise<void> {
  const children = [...live];
  await Promise.all(children.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  })));
  live.clear();
}

/** The time on a clock every process of this machine shares, in ms (sub-ms precision). */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The named locks need the native addon: the Atomics-only run has none (names.test.ts checks the error). */
const ATOMICS_ONLY = process.env.OS_MUTEX_BACKEND === 'atomics';

/**
 * Call inside a describe() of process tests: the suite skips in the
 * Atomics-only run, and after each test every child still running is
 * killed and the names and files made through the returned functions are
 * removed.
 */
export function processTestScope(): { name(tag: string): string; file(tag: string, content: string): string } {
  const names = new Set<string>();
  const files: string[] = [];
  before(function () {
    if (ATOMICS_ONLY) this.skip(); // OS_MUTEX_BACKEND=atomics: no native addon, no named locks
  });
  afterEach(async () => {
    await killAll();
    removeAll(names);
    names.clear();
    for (const file of files.splice(0)) fs.rmSync(file, { force: true });
  });
  return {
    /** A name unique to this run, removed after the test. */
    name(tag) {
      const unique = uniqueName(tag);
      names.add(unique);
      return unique;
    },
    /** A new file holding `content` (tmpfs on Linux), removed after the test. */
    file(tag, content) {
      const file = testFile(tag, content);
      files.push(file);
      return file;
    },
  };
}
