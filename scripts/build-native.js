#!/usr/bin/env node
// Builds the native addon from source with node-gyp, offline where the
// running Node has its own headers.
//
// The gyp file is native/binding.gyp (not at the package root: see the note
// there), so node-gyp runs in native/ and the result is copied to
// build/Release/os_mutex.node, where node-gyp-build looks first.
// Extra arguments go to `node-gyp rebuild`.
//
// The running Node's own headers are used (npm_config_nodedir, else the ones
// beside its executable), so node-gyp downloads none; only where there are
// none does node-gyp fall back to its default, a download. Exits non-zero
// when the build fails; scripts/install.js decides what a failure means.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const gypDir = path.join(root, 'native');
const built = path.join(gypDir, 'build', 'Release', 'os_mutex.node');
const target = path.join(root, 'build', 'Release', 'os_mutex.node');

/** The folder whose include/node holds this Node's headers, or undefined. */
function localNodeDir() {
  const candidates = [process.env.npm_config_nodedir, path.resolve(process.execPath, '..', '..')];
  return candidates.find((dir) => dir && fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h')));
}

/** node-gyp's entry script: our devDependency, else the copy npm ships. */
function nodeGypScript() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
  } catch {
    const fromNpm = process.env.npm_config_node_gyp;
    if (fromNpm && fs.existsSync(fromNpm)) return fromNpm;
    const bundled = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm',
      'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    return fs.existsSync(bundled) ? bundled : undefined;
  }
}

function main() {
  const script = nodeGypScript();
  if (!script) {
    console.error('os-mutex: node-gyp not found');
    return 1;
  }
  const env = { ...process.env };
  const nodedir = localNodeDir();
  if (nodedir) env.npm_config_nodedir = nodedir;
  const args = [script, 'rebuild', ...process.argv.slice(2)];
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  fs.rmSync(target, { force: true }); // a failed build must not leave an old binary in use
  const result = spawnSync(process.execPath, args, { cwd: gypDir, env, stdio: 'inherit' });
  if (result.status !== 0) return result.status ?? 1;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(built, target);
  return 0;
}

process.exitCode = main();
