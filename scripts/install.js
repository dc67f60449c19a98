#!/usr/bin/env node
// `npx os-mutex-build` (package.json "bin"): make sure this installed copy of
// os-mutex has a native binary that loads here; build one from source when not.
//
//   1. The binary node-gyp-build picks (build/Release, else the prebuild that
//      matches platform, arch and libc) is loaded in a child process. If it
//      loads, nothing is built.
//   2. Else (no prebuild for this platform or libc, e.g. musl, macOS; or one
//      that does not load), scripts/build-native.js builds from source, and the
//      result must load too.
// `--force` skips step 1. Exits 0 when a binary loads, 1 when none does (the
// package then runs on its Atomics backend, and says so with a warning).
//
// The package has no install script on purpose: pnpm (>= 10) and npm
// (>= 11.19) run a dependency's install scripts only once approved, and pnpm
// fails the whole install when one is not; a prebuild needs no script. This
// command is what an install script would have done; a project can run it
// from its own postinstall (`"postinstall": "os-mutex-build"`), which every
// package manager runs.
//
// The outcome goes to build/os-mutex-build.json (status, binary or reason);
// the run-time warning (code OS_MUTEX_NATIVE_UNAVAILABLE) quotes it.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const OUTCOME_FILE = path.join(root, 'build', 'os-mutex-build.json');
const TAIL_BYTES = 4000;

/** The binary node-gyp-build picks for this process and whether it loads: { binary, error }. */
function probeBinary() {
  const script = `
    let binary;
    try {
      binary = require('node-gyp-build').path(process.argv[1]);
      const addon = require(binary);
      if (typeof addon.create !== 'function') throw new Error(binary + ' is not the os-mutex addon');
      console.log(JSON.stringify({ binary }));
    } catch (error) {
      console.log(JSON.stringify({ binary, error: String(error && error.message || error).split('\\n')[0] }));
    }`;
  const result = spawnSync(process.execPath, ['-e', script, root], {
    cwd: root, encoding: 'utf8', timeout: 60_000,
  });
  try {
    return JSON.parse(result.stdout.trim().split('\n').pop());
  } catch {
    return { error: `the load check exited with ${result.status ?? result.signal}: ${result.stderr.trim()}` };
  }
}

/** Runs build-native.js, echoing its output; resolves to { status, tail }. */
function buildFromSource() {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'build-native.js')], {
      cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const keep = (stream, chunk) => {
      stream.write(chunk);
      tail = (tail + chunk.toString()).slice(-TAIL_BYTES);
    };
    child.stdout.on('data', (chunk) => keep(process.stdout, chunk));
    child.stderr.on('data', (chunk) => keep(process.stderr, chunk));
    child.on('error', (error) => resolve({ status: 1, tail: String(error) }));
    child.on('close', (status) => resolve({ status: status ?? 1, tail }));
  });
}

function recordOutcome(outcome) {
  const record = {
    ...outcome,
    at: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    libc: process.env.LIBC || (process.report?.getReport().header.glibcVersionRuntime ? 'glibc' : 'other'),
  };
  try {
    fs.mkdirSync(path.dirname(OUTCOME_FILE), { recursive: true });
    fs.writeFileSync(OUTCOME_FILE, `${JSON.stringify(record, null, 2)}\n`);
  } catch (error) {
    console.warn(`os-mutex: could not record the outcome in ${OUTCOME_FILE}: ${error.message}`);
  }
}

async function main() {
  const force = process.argv.includes('--force');
  if (!force) {
    const found = probeBinary();
    if (!found.error) {
      console.log(`os-mutex: native binary loads: ${path.relative(root, found.binary)}`);
      recordOutcome({ status: 'prebuilt', binary: found.binary });
      return 0;
    }
    console.log(`os-mutex: no loadable native binary (${found.error}); building from source`);
  }
  const build = await buildFromSource();
  const after = build.status === 0 ? probeBinary() : undefined;
  if (after && !after.error) {
    console.log(`os-mutex: built from source: ${path.relative(root, after.binary)}`);
    recordOutcome({ status: 'built', binary: after.binary });
    return 0;
  }
  const reason = after ? `the built binary does not load: ${after.error}` : `the source build failed (exit ${build.status})`;
  recordOutcome({ status: 'failed', reason, buildOutputTail: build.tail });
  console.error(`os-mutex: ${reason}.`);
  console.error('os-mutex: without a native binary the package runs on its pure-Atomics backend ' +
    "(backend === 'atomics'; same API, no OS mutex). A source build needs a C++17 " +
    'compiler, make and python3.');
  return 1;
}

main().then((code) => { process.exitCode = code; });
