#!/usr/bin/env node
// Builds the native addon from source with node-gyp, offline where the
// running Node has its own headers.
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
  const result = spawnSync(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
  return result.status ?? 1;
}

process.exitCode = main();
