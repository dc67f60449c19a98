/**
 * Libc-tagged prebuilds and the os-mutex-build command (scripts/install.js),
 * in a copy of the package whose only binary is a prebuild tagged glibc
 * (prebuilds/<platform>-<arch>/os-mutex.glibc.node, as scripts/prebuild-all.sh
 * names it). `LIBC=musl` makes node-gyp-build resolve as on Alpine.
 * The source build is a stand-in script here (the real one is exercised by
 * `npm run test:platforms`, "musl: os-mutex-build").
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');

/** A build-native.js stand-in: records its run, then copies BINARY to build/Release (or fails without it). */
const FAKE_BUILD = `
  const fs = require('node:fs');
  const path = require('node:path');
  const root = path.resolve(__dirname, '..');
  fs.writeFileSync(path.join(root, 'build-ran'), '');
  if (!process.env.FAKE_BUILD_BINARY) { console.error('fake build: no compiler'); process.exit(1); }
  fs.mkdirSync(path.join(root, 'build', 'Release'), { recursive: true });
  fs.copyFileSync(process.env.FAKE_BUILD_BINARY, path.join(root, 'build', 'Release', 'os_mutex.node'));
`;

interface Copy { dir: string; env: NodeJS.ProcessEnv; binary: string; remove: () => void }

/** The package's JavaScript and scripts/install.js, with this machine's binary as the only (glibc-tagged) prebuild. */
function copyWithGlibcPrebuild(): Copy {
  const binary = (require('node-gyp-build') as { path(dir: string): string }).path(ROOT);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'os-mutex-libc-'));
  fs.cpSync(path.join(ROOT, 'dist', 'lib'), path.join(dir, 'dist', 'lib'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(path.join(ROOT, 'scripts', 'install.js'), path.join(dir, 'scripts', 'install.js'));
  fs.writeFileSync(path.join(dir, 'scripts', 'build-native.js'), FAKE_BUILD);
  const prebuilds = path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`);
  fs.mkdirSync(prebuilds, { recursive: true });
  fs.copyFileSync(binary, path.join(prebuilds, 'os-mutex.glibc.node'));
  const env = {
    ...process.env, OS_MUTEX_BACKEND: '', OS_MUTEX_NATIVE_BINDING: '', OS_MUTEX_NATIVE_UNAVAILABLE_WARNED: '', PREBUILDS_ONLY: '',
    LIBC: '', NODE_PATH: path.join(ROOT, 'node_modules'),
  };
  return { dir, env, binary, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** backend, reason and stderr of `require(<copy>)` in a fresh process. */
async function load(copy: Copy, env: NodeJS.ProcessEnv = {}): Promise<{ backend: string; reason: string | null; stderr: string }> {
  const script = `const lib = require(${JSON.stringify(path.join(copy.dir, 'dist', 'lib', 'index.js'))});
    console.log(JSON.stringify({ backend: lib.backend, reason: lib.nativeUnavailableReason?.message ?? null }));`;
  const { stdout, stderr } = await run(process.execPath, ['-e', script], { env: { ...copy.env, ...env }, timeout: 20_000 });
  return { ...JSON.parse(stdout) as { backend: string; reason: string | null }, stderr };
}

/** Runs os-mutex-build (scripts/install.js) in the copy: exit code, output, recorded outcome, whether it built. */
async function osMutexBuild(copy: Copy, env: NodeJS.ProcessEnv = {}) {
  let code = 0;
  let output = '';
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(copy.dir, 'scripts', 'install.js')],
      { env: { ...copy.env, ...env }, timeout: 60_000 });
    output = stdout + stderr;
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    code = failure.code;
    output = failure.stdout + failure.stderr;
  }
  const outcome = JSON.parse(fs.readFileSync(path.join(copy.dir, 'build', 'os-mutex-build.json'), 'utf8')) as
    { status: string; reason?: string; binary?: string };
  return { code, output, outcome, built: fs.existsSync(path.join(copy.dir, 'build-ran')) };
}

(process.platform === 'linux' && process.env.OS_MUTEX_BACKEND !== 'atomics' ? describe : describe.skip)(
  'libc-tagged prebuilds and os-mutex-build', function () {
    this.timeout(60_000);
    let copy: Copy;
    beforeEach(() => { copy = copyWithGlibcPrebuild(); });
    afterEach(() => copy.remove());

    it('glibc: the os-mutex.glibc.node prebuild loads (native backend, no warning)', async () => {
      const seen = await load(copy);
      assert.equal(seen.backend, 'native');
      assert.doesNotMatch(seen.stderr, /OS_MUTEX_NATIVE_UNAVAILABLE/);
    });

    it('musl (LIBC=musl): node-gyp-build does not resolve the glibc prebuild; Atomics backend with a warning', async () => {
      const seen = await load(copy, { LIBC: 'musl' });
      assert.equal(seen.backend, 'atomics');
      assert.match(seen.reason ?? '', /No native build was found for .*libc=musl/);
      assert.match(seen.stderr, /\[OS_MUTEX_NATIVE_UNAVAILABLE\].*libc=musl.*npx os-mutex-build/);
    });

    it('glibc: os-mutex-build finds the prebuild loadable and builds nothing', async () => {
      const result = await osMutexBuild(copy);
      assert.equal(result.code, 0, result.output);
      assert.equal(result.built, false);
      assert.equal(result.outcome.status, 'prebuilt');
      assert.match(result.outcome.binary ?? '', /os-mutex\.glibc\.node$/);
    });

    it('musl: os-mutex-build builds from source; the built binary is then used', async () => {
      const result = await osMutexBuild(copy, { LIBC: 'musl', FAKE_BUILD_BINARY: copy.binary });
      assert.equal(result.code, 0, result.output);
      assert.equal(result.built, true);
      assert.match(result.output, /no loadable native binary \(No native build was found .*libc=musl.*\); building from source/);
      assert.equal(result.outcome.status, 'built');
      assert.equal((await load(copy, { LIBC: 'musl' })).backend, 'native');
    });

    it('musl, no compiler: os-mutex-build exits 1, records why, and the run-time warning quotes it', async () => {
      const result = await osMutexBuild(copy, { LIBC: 'musl' });
      assert.equal(result.code, 1);
      assert.equal(result.built, true);
      assert.equal(result.outcome.status, 'failed');
      assert.match(result.output, /pure-Atomics backend/);
      const seen = await load(copy, { LIBC: 'musl' });
      assert.equal(seen.backend, 'atomics');
      assert.match(seen.stderr, /The last `os-mutex-build` \(.*\) failed: the source build failed \(exit 1\)/);
    });

    it('a prebuild that does not load (here: not a shared object) is rebuilt from source', async () => {
      fs.writeFileSync(path.join(copy.dir, 'prebuilds', `${process.platform}-${process.arch}`, 'os-mutex.glibc.node'), 'not ELF');
      const result = await osMutexBuild(copy, { FAKE_BUILD_BINARY: copy.binary });
      assert.equal(result.code, 0, result.output);
      assert.equal(result.built, true);
      assert.equal(result.outcome.status, 'built');
    });
  });
