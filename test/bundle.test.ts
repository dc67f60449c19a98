/**
 * An app bundled with esbuild (`--bundle --platform=node`, CommonJS and ES
 * module output, minified or not) runs on the native backend when
 * OS_MUTEX_NATIVE_BINDING names the binary, in every worker, with exact
 * counts and literal error names; without the variable it runs on the
 * Atomics backend and its reason names the variable; with a wrong path it
 * says which file failed. The bundle runs from a folder where the package
 * cannot be resolved, so nothing but the named .node file comes from it.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures');

type Esbuild = typeof import('esbuild');

interface AppReport {
  backend: string;
  reason: string | null;
  workers: { backend: string; handleBackend: string; depth: number }[];
  count: number;
  expected: number;
  errors: Record<string, { name?: string; code?: string; mutexError?: boolean; thrown?: boolean }>;
  inspect: string;
  oneInstance: boolean;
}

/** The binary node-gyp-build would load from this checkout (build/Release first), or undefined. */
function nativeBinary(): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('node-gyp-build') as { resolve(dir: string): string }).resolve(ROOT);
  } catch {
    return undefined;
  }
}

describe('bundled with esbuild', function () {
  this.timeout(60_000);
  let esbuild: Esbuild | undefined;
  let dir = '';
  const binary = nativeBinary();

  before(function () {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      esbuild = require('esbuild') as Esbuild;
      esbuild.transformSync(''); // runs its binary: absent for an emulated platform (qemu, Wine legs)
    } catch {
      this.skip(); // no esbuild binary for this platform (a devDependency, installed for the host)
    }
    // The bundles use dist/esm (the "module" condition), which `npm run build:ts` builds.
    assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'esm', 'index.js')), 'dist/esm is missing: run npm run build:ts');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'os-mutex-bundle-'));
    // The app resolves 'os-mutex' to this checkout, for the bundler only.
    fs.mkdirSync(path.join(dir, 'app', 'node_modules'), { recursive: true });
    fs.symlinkSync(ROOT, path.join(dir, 'app', 'node_modules', 'os-mutex'), 'junction');
    for (const name of ['bundle-app.mjs', 'bundle-app.cjs', 'bundle-run.mjs']) {
      fs.copyFileSync(path.join(FIXTURES, name), path.join(dir, 'app', name));
    }
  });

  after(() => {
    if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  });

  const bundles = new Map<string, string>();

  /** Bundles bundle-app.<entry> as `format`; the output lives outside the app folder. */
  async function bundle(entry: 'mjs' | 'cjs', format: 'esm' | 'cjs', minify: boolean): Promise<string> {
    const key = `${entry}-${format}${minify ? '-min' : ''}`;
    const known = bundles.get(key);
    if (known !== undefined) return known;
    const outfile = path.join(dir, 'out', `${key}.${format === 'esm' ? 'mjs' : 'cjs'}`);
    const result = await esbuild!.build({
      entryPoints: [path.join(dir, 'app', `bundle-app.${entry}`)],
      absWorkingDir: path.join(dir, 'app'),
      bundle: true, platform: 'node', format, minify, outfile, logLevel: 'silent',
    });
    assert.deepEqual(result.errors, []);
    bundles.set(key, outfile);
    return outfile;
  }

  /** Runs a bundle in a fresh process with only `env` deciding where the binary comes from. */
  async function runBundle(file: string, env: Record<string, string>): Promise<AppReport> {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete childEnv.OS_MUTEX_BACKEND;
    if (!('OS_MUTEX_NATIVE_BINDING' in env)) delete childEnv.OS_MUTEX_NATIVE_BINDING;
    const { stdout } = await run(process.execPath, [file], { cwd: path.dirname(file), env: childEnv, timeout: 45_000 });
    return JSON.parse(stdout) as AppReport;
  }

  /** What every run must show, whichever backend it is on. */
  function assertCountsAndErrors(seen: AppReport, backend: string): void {
    assert.equal(seen.workers.length, 4);
    for (const w of seen.workers) assert.deepEqual(w, { backend, handleBackend: backend, depth: 2 });
    assert.equal(seen.count, seen.expected);
    assert.equal(seen.expected, 9000);
    assert.deepEqual(seen.errors, {
      deadlock: { name: 'MutexDeadlockError', code: 'ERR_MUTEX_DEADLOCK', mutexError: true },
      timeout: { name: 'MutexTimeoutError', code: 'ERR_MUTEX_TIMEOUT', mutexError: true },
      notOwner: { name: 'MutexNotOwnerError', code: 'ERR_MUTEX_NOT_OWNER', mutexError: true },
      invalidHandle: { name: 'MutexInvalidHandleError', code: 'ERR_MUTEX_INVALID_HANDLE', mutexError: true },
      badTimeout: { name: 'RangeError', code: 'ERR_OUT_OF_RANGE', mutexError: false },
    });
    assert.match(seen.inspect, backend === 'native' ? /^Mutex \{/ : /^AtomicsMutex \{/); // literal class names, minified too
    assert.equal(seen.oneInstance, true, "'os-mutex' and 'os-mutex/atomics' share their classes in the bundle");
  }

  const cases: ['mjs' | 'cjs', 'esm' | 'cjs', boolean][] = [
    ['mjs', 'esm', true], ['cjs', 'cjs', true], ['cjs', 'esm', false], ['mjs', 'cjs', false],
  ];
  for (const [entry, format, minify] of cases) {
    const style = entry === 'mjs' ? 'import' : 'require';
    it(`${style} app as ${format.toUpperCase()}${minify ? ', minified' : ''}: OS_MUTEX_NATIVE_BINDING loads the native backend in every worker, exact counts, literal error names`, async function () {
      if (binary === undefined) this.skip(); // no native binary in this checkout
      const seen = await runBundle(await bundle(entry, format, minify), { OS_MUTEX_NATIVE_BINDING: binary! });
      assert.equal(seen.reason, null);
      assert.equal(seen.backend, 'native');
      assertCountsAndErrors(seen, 'native');
    });
  }

  for (const format of ['esm', 'cjs'] as const) {
    it(`${format.toUpperCase()} bundle without OS_MUTEX_NATIVE_BINDING: Atomics backend, and the reason names the variable`, async () => {
      const seen = await runBundle(await bundle(format === 'esm' ? 'mjs' : 'cjs', format, true), {});
      assert.equal(seen.backend, 'atomics');
      assert.match(seen.reason ?? '', /set OS_MUTEX_NATIVE_BINDING to the absolute path of the os-mutex \.node file/);
      assertCountsAndErrors(seen, 'atomics');
    });
  }

  it('OS_MUTEX_NATIVE_BINDING naming a file that does not load: the reason names it, and no other binary is tried', async () => {
    const missing = path.join(dir, 'no-such-dir', 'os_mutex.node');
    const seen = await runBundle(await bundle('mjs', 'esm', true), { OS_MUTEX_NATIVE_BINDING: missing });
    assert.equal(seen.backend, 'atomics');
    assert.ok(seen.reason?.startsWith(`cannot load OS_MUTEX_NATIVE_BINDING=${missing}: `), seen.reason ?? '');
  });

  it('OS_MUTEX_NATIVE_BINDING must be absolute', async () => {
    const seen = await runBundle(await bundle('cjs', 'cjs', true), { OS_MUTEX_NATIVE_BINDING: 'os_mutex.node' });
    assert.equal(seen.backend, 'atomics');
    assert.match(seen.reason ?? '', /OS_MUTEX_NATIVE_BINDING must be an absolute path/);
  });
});

describe('OS_MUTEX_NATIVE_BINDING, unbundled', function () {
  this.timeout(30_000);
  const binary = nativeBinary();
  const probe = `
    const lib = require(${JSON.stringify(path.join(ROOT, 'dist', 'lib', 'index.js'))});
    console.log(JSON.stringify({
      backend: lib.backend,
      reason: lib.nativeUnavailableReason ? lib.nativeUnavailableReason.message : null,
      loaded: Object.keys(require.cache).filter((file) => file.endsWith('.node')),
    }));`;

  async function probeWith(env: Record<string, string>): Promise<{ backend: string; reason: string | null; loaded: string[] }> {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete childEnv.OS_MUTEX_BACKEND;
    const { stdout } = await run(process.execPath, ['-e', probe], { env: childEnv, timeout: 20_000 });
    return JSON.parse(stdout) as { backend: string; reason: string | null; loaded: string[] };
  }

  it('a file that is not the os-mutex addon is refused with its path, although the package has its own binary', async function () {
    if (binary === undefined) this.skip();
    const notAddon = path.join(ROOT, 'package.json');
    const seen = await probeWith({ OS_MUTEX_NATIVE_BINDING: notAddon });
    assert.equal(seen.backend, 'atomics');
    assert.ok(seen.reason?.startsWith(`cannot load OS_MUTEX_NATIVE_BINDING=${notAddon}: `), seen.reason ?? '');
    assert.deepEqual(seen.loaded, []);
  });

  it('the named binary is the one loaded, not the package\'s own', async function () {
    if (binary === undefined) this.skip();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'os-mutex-binding-'));
    try {
      const copy = path.join(dir, 'renamed.node');
      fs.copyFileSync(binary!, copy);
      assert.deepEqual(await probeWith({ OS_MUTEX_NATIVE_BINDING: copy }), { backend: 'native', reason: null, loaded: [copy] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
