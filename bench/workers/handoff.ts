/**
 * Worker: one side of a ping-pong between two threads over three locks, so
 * that every step hands a lock from one thread to the other while the other
 * is (normally) blocked on it. No thread ever releases a lock it does not
 * hold, so plain owner-checked mutexes work.
 *
 *   start:   A holds {0, 1}, B holds {2}
 *   step j:  A: release(j%3), acquire((j+2)%3)     B: acquire(j%3), release((j+2)%3)
 *
 * A's acquire((j+2)%3) waits for B's release in the same step, and B's
 * acquire(j%3) waits for A's release: each step is one round trip (two
 * handoffs). A times the steps after a warm-up; latency = time / steps / 2.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';

import { barrier } from '../harness/control';
import { implementationById } from '../implementations';

export interface HandoffSetup {
  implId: string;
  role: 'A' | 'B';
  handles: unknown[];
  control: SharedArrayBuffer;
  warmupSteps: number;
  steps: number;
}

export interface HandoffReply {
  /** A: ns per measured step (a round trip); B: NaN. */
  nsPerRoundTrip: number;
}

const setup = workerData as HandoffSetup;
const impl = implementationById(setup.implId);
const locks = setup.handles.map((handle) => impl.open(handle));
const isA = setup.role === 'A';
const held = new Set<number>(isA ? [0, 1] : [2]);
for (const i of held) locks[i].acquire();
barrier(new Int32Array(setup.control), 2);

let t0 = 0;
const total = setup.warmupSteps + setup.steps;
for (let j = 0; j < total; j++) {
  if (j === setup.warmupSteps) t0 = performance.now();
  const a = j % 3;
  const b = (j + 2) % 3;
  if (isA) {
    locks[a].release(); held.delete(a);
    locks[b].acquire(); held.add(b);
  } else {
    locks[a].acquire(); held.add(a);
    locks[b].release(); held.delete(b);
  }
}
const elapsedMs = performance.now() - t0;
for (const i of held) locks[i].release();
const reply: HandoffReply = { nsPerRoundTrip: isA ? (elapsedMs * 1e6) / setup.steps : NaN };
parentPort!.postMessage(reply);
