/**
 * Where things are, from the compiled bench (dist/bench/...). Worker scripts
 * are the compiled .js files beside this one, never the .ts sources.
 * @module
 */
import path from 'node:path';

/** dist/bench: this file's own folder once compiled. */
export const BENCH_DIST = __dirname;

/** The repository root (dist/bench -> ../..). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Ignored cache folder for large downloads (the Node 24 binary). */
export const CACHE_DIR = path.join(REPO_ROOT, '.cache');

/** The compiled worker / child script `bench/workers/<name>.ts`. */
export function workerScript(name: string): string {
  return path.join(BENCH_DIST, 'workers', `${name}.js`);
}
