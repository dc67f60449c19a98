/**
 * A bounded queue in a SharedArrayBuffer, shared by worker threads: producers
 * put item ids into a ring of a few slots, consumers take them out. One lock
 * and two conditions over it ("not full", "not empty") make a producer wait
 * for room and a consumer wait for an item: Python's queue.Queue, across
 * workers. The last producer to finish closes the queue; consumers stop once
 * it is closed and empty. Every id taken is marked in a shared bitmap, so a
 * lost or duplicated item shows.
 *
 *   node dist/examples/producer-consumer.js [producers] [consumers] [items] [slots]
 */
import { isMainThread, Worker, workerData } from 'node:worker_threads';

import { backend, Condition, Mutex, type BaseLock, type ConditionHandle } from '../lib';

// The queue's shared words: a header, then the ring's slots.
const HEAD = 0; // next slot to take from
const TAIL = 1; // next slot to put into
const SIZE = 2; // items in the ring
const CLOSED = 3; // 1 once every producer has finished
const PRODUCERS_LEFT = 4;
const FULL_WAITS = 5; // times a producer found the ring full and waited
const EMPTY_WAITS = 6; // times a consumer found it empty and waited
const TAKEN = 7; // items taken, over all consumers
const DUPLICATES = 8; // items taken whose id was already marked
const HEADER_WORDS = 9;

interface Job {
  role: 'producer' | 'consumer';
  /** Producer p puts the ids i with i % producers === p. */
  index: number;
  producers: number;
  items: number;
  /** Header and ring. */
  queue: SharedArrayBuffer;
  /** One bit per item id, set by the consumer that takes it. */
  seen: SharedArrayBuffer;
  notFull: ConditionHandle;
  notEmpty: ConditionHandle;
}

/** A worker's view of the queue: the shared words and the two conditions (which share one lock). */
class BoundedQueue {
  readonly #words: Int32Array;
  readonly #slots: number;

  constructor(queue: SharedArrayBuffer, readonly notFull: Condition, readonly notEmpty: Condition) {
    this.#words = new Int32Array(queue);
    this.#slots = this.#words.length - HEADER_WORDS;
  }

  /** Puts an item, waiting while the ring is full. */
  put(item: number): void {
    const q = this.#words;
    using _held = this.notFull.lockGuard(); // the one lock of both conditions
    while (q[SIZE] === this.#slots) {
      q[FULL_WAITS]++;
      this.notFull.wait();
    }
    q[HEADER_WORDS + q[TAIL]] = item;
    q[TAIL] = (q[TAIL] + 1) % this.#slots;
    q[SIZE]++;
    this.notEmpty.notify(); // one consumer can take it
  }

  /** Takes an item, waiting while the ring is empty; undefined once it is empty and closed. */
  take(): number | undefined {
    const q = this.#words;
    using _held = this.notEmpty.lockGuard();
    while (q[SIZE] === 0) {
      if (q[CLOSED] === 1) return undefined;
      q[EMPTY_WAITS]++;
      this.notEmpty.wait();
    }
    const item = q[HEADER_WORDS + q[HEAD]];
    q[HEAD] = (q[HEAD] + 1) % this.#slots;
    q[SIZE]--;
    this.notFull.notify(); // one producer can put
    return item;
  }

  /** A producer is done; the last one closes the queue and wakes every waiting consumer. */
  producerDone(): void {
    const q = this.#words;
    using _held = this.notEmpty.lockGuard();
    if (--q[PRODUCERS_LEFT] === 0) {
      q[CLOSED] = 1;
      this.notEmpty.notifyAll();
    }
  }
}

function work(job: Job): void {
  // Both conditions open with their lock: the very same lock the main thread made.
  const queue = new BoundedQueue(job.queue, Condition.from(job.notFull), Condition.from(job.notEmpty));
  if (job.role === 'producer') {
    for (let item = job.index; item < job.items; item += job.producers) queue.put(item);
    queue.producerDone();
    return;
  }
  const seen = new Int32Array(job.seen);
  const words = new Int32Array(job.queue);
  let taken = 0;
  let duplicates = 0;
  for (let item = queue.take(); item !== undefined; item = queue.take()) {
    const bit = 1 << (item & 31);
    if ((Atomics.or(seen, item >>> 5, bit) & bit) !== 0) duplicates++;
    taken++;
  }
  Atomics.add(words, TAKEN, taken);
  Atomics.add(words, DUPLICATES, duplicates);
}

export interface QueueOptions {
  producers?: number;
  consumers?: number;
  items?: number;
  slots?: number;
  /** The lock of both conditions (default: a new Mutex). */
  lock?: BaseLock;
}

export interface QueueResult {
  items: number;
  taken: number;
  /** Ids no consumer took. */
  lost: number;
  /** Takes of an id already taken. */
  duplicated: number;
  fullWaits: number;
  emptyWaits: number;
  ms: number;
}

/** Runs the producers and consumers to the end; resolves with what they did. */
export async function runQueue(options: QueueOptions = {}): Promise<QueueResult> {
  const { producers = 4, consumers = 4, items = 100_000, slots = 64, lock = new Mutex() } = options;
  const queue = new SharedArrayBuffer((HEADER_WORDS + slots) * 4);
  new Int32Array(queue)[PRODUCERS_LEFT] = producers;
  const seen = new SharedArrayBuffer(Math.ceil(items / 32) * 4);
  // At most every worker waits on one condition at once.
  const maxWaiters = producers + consumers;
  const notFull = new Condition(lock, { maxWaiters });
  const notEmpty = new Condition(lock, { maxWaiters });
  const start = performance.now();
  const jobs: Job[] = [
    ...Array.from({ length: producers }, (_, index): Job => ({
      role: 'producer', index, producers, items, queue, seen, notFull: notFull.handle, notEmpty: notEmpty.handle,
    })),
    ...Array.from({ length: consumers }, (_, index): Job => ({
      role: 'consumer', index, producers, items, queue, seen, notFull: notFull.handle, notEmpty: notEmpty.handle,
    })),
  ];
  await Promise.all(jobs.map((job) => new Promise((resolve, reject) => {
    new Worker(__filename, { workerData: job }).on('exit', resolve).on('error', reject);
  })));
  const ms = performance.now() - start;
  let marked = 0;
  for (const word of new Int32Array(seen)) {
    for (let bits = word; bits !== 0; bits &= bits - 1) marked++;
  }
  const words = new Int32Array(queue);
  return {
    items, taken: words[TAKEN], lost: items - marked, duplicated: words[DUPLICATES],
    fullWaits: words[FULL_WAITS], emptyWaits: words[EMPTY_WAITS], ms,
  };
}

const fmt = (n: number): string => n.toLocaleString('en-US');

export async function main(producers = 4, consumers = 4, items = 100_000, slots = 64): Promise<void> {
  const lock = new Mutex();
  console.log(`bounded queue: ${producers} producers, ${consumers} consumers, ${fmt(items)} items through ` +
    `${slots} slots (Mutex, ${backend})`);
  const r = await runQueue({ producers, consumers, items, slots, lock });
  const exact = r.taken === items && r.lost === 0 && r.duplicated === 0;
  console.log(`  taken ${fmt(r.taken)} of ${fmt(items)}: ${fmt(r.lost)} lost, ${fmt(r.duplicated)} duplicated ` +
    `(${exact ? 'exact' : 'WRONG'}) in ${Math.round(r.ms)} ms`);
  console.log(`  producers waited for room ${fmt(r.fullWaits)} times, consumers for an item ${fmt(r.emptyWaits)} times`);
  if (!exact) process.exitCode = 1;
}

if (!isMainThread) {
  work(workerData as Job);
} else if (require.main === module) {
  const [producers, consumers, items, slots] = process.argv.slice(2).map(Number);
  void main(producers || undefined, consumers || undefined, items || undefined, slots || undefined);
}
