#!/usr/bin/env node
// npm prepack hook: warns (never fails) when the tarball about to be packed
// lacks a prebuilt binary for a target the package promises: users there
// would need a compiler (`npx os-mutex-build`) or run on the Atomics
// backend. `npm run prebuild-all` makes them; `prepublishOnly` does so
// before a publish.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const TARGETS = ['linux-x64', 'linux-arm64', 'win32-x64'];
const dir = path.resolve(__dirname, '..', 'prebuilds');

const missing = TARGETS.filter((target) => {
  const folder = path.join(dir, target);
  return !fs.existsSync(folder) || !fs.readdirSync(folder).some((file) => file.endsWith('.node'));
});
if (missing.length > 0) {
  process.stderr.write(
    `os-mutex: warning: packing without prebuilt binaries for ${missing.join(', ')}; ` +
    'installs there need `npx os-mutex-build` or run on the Atomics backend. ' +
    'Run `npm run prebuild-all` first to include them.\n');
}
