#!/usr/bin/env node
// npm install hook: use a matching prebuilt binary, else build from source,
// and never fail the install: without a native binary os-mutex runs on its
// pure-Atomics backend (`backend === 'atomics'`).
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function hasBinary() {
  try {
    require('node-gyp-build').path(root);
    return true;
  } catch {
    return false;
  }
}

if (hasBinary()) process.exit(0);
const build = spawnSync(process.execPath, [path.join(__dirname, 'build-native.js')], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) {
  console.warn('os-mutex: no prebuilt binary for this platform and the native build failed;');
  console.warn('os-mutex: falling back to the pure-Atomics backend (see README, "Platforms").');
}
process.exit(0);
