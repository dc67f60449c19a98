/**
 * Worker: one side of a condition-variable ping-pong between two threads
 * (scenario `primitives`, part a). A shared word `turn` says whose move it
 * is; each side waits until it is its turn, passes the turn, and wakes the
 * other. One step = A's move then B's move = one round trip (two handoffs).
 *
 *   cond-native / cond-atomics  a Condition over a Mutex (native) or an
 *                               AtomicsMutex: lock; while (turn !== me) wait();
 *                               turn = other; notify(); unlock
 *   raw                         the floor: Atomics.wait on `turn` while it is
 *                               not mine, Atomics.store + Atomics.notify
 *
 * A times the steps after a warm-up; it replies ns per round trip.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';

import { Condition, type ConditionHandle } from '../../lib/index';
import { barrier } from '../harness/control';

export type PingPongKind = 'cond-native' | 'cond-atomics' | 'raw';

export interface PingPongSetup {
  kind: PingPongKind;
  role: 'A' | 'B';
  /** The condition's handle (carries its lock); undefined for `raw`. */
  condition: ConditionHandle | undefined;
  /** Int32Array word 0: whose turn (0 = A, 1 = B). */
  turn: SharedArrayBuffer;
  control: SharedArrayBuffer;
  warmupSteps: number;
  steps: number;
}

export interface PingPongReply {
  /** A: ns per measured round trip; B: NaN. */
  nsPerRoundTrip: number;
}

const setup = workerData as PingPongSetup;
const turn = new Int32Array(setup.turn);
const me = setup.role === 'A' ? 0 : 1;
const other = 1 - me;

/** Runs `steps` moves; returns ms from the end of the warm-up (move `warmup`) to the last move. */
function conditionLoop(condition: Condition, warmup: number, steps: number): number {
  let t0 = 0;
  for (let j = 0; j < warmup + steps; j++) {
    if (j === warmup) t0 = performance.now();
    condition.acquire();
    while (turn[0] !== me) condition.wait();
    turn[0] = other;
    condition.notify();
    condition.release();
  }
  return performance.now() - t0;
}

function rawLoop(warmup: number, steps: number): number {
  let t0 = 0;
  for (let j = 0; j < warmup + steps; j++) {
    if (j === warmup) t0 = performance.now();
    for (;;) {
      const now = Atomics.load(turn, 0);
      if (now === me) break;
      Atomics.wait(turn, 0, now);
    }
    Atomics.store(turn, 0, other);
    Atomics.notify(turn, 0);
  }
  return performance.now() - t0;
}

const condition = setup.condition === undefined ? undefined : Condition.from(setup.condition);
barrier(new Int32Array(setup.control), 2);
const elapsedMs = condition === undefined
  ? rawLoop(setup.warmupSteps, setup.steps)
  : conditionLoop(condition, setup.warmupSteps, setup.steps);
const reply: PingPongReply = { nsPerRoundTrip: me === 0 ? (elapsedMs * 1e6) / setup.steps : NaN };
parentPort!.postMessage(reply);
