/** A small seeded PRNG (mulberry32), so a failing random test can be replayed with its seed. */
export function makeRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of this run: OS_MUTEX_TEST_SEED, or a fresh one. */
export function testSeed(): number {
  const fromEnv = Number(process.env.OS_MUTEX_TEST_SEED);
  return Number.isInteger(fromEnv) ? fromEnv : (Math.random() * 2 ** 32) >>> 0;
}
