#!/usr/bin/env node
// Runs the compiled mocha suite (dist/test/**/*.test.js) and ends with the
// plain line CI reads: `N passed, N failed`. Extra arguments are file globs
// or --grep patterns passed to mocha.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { Mocha } = require('mocha');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const grepAt = args.indexOf('--grep');
const grep = grepAt >= 0 ? args.splice(grepAt, 2)[1] : undefined;

function testFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(full);
    return entry.name.endsWith('.test.js') ? [full] : [];
  });
}

const files = args.length > 0 ? args.map((file) => path.resolve(file)) : testFiles(path.join(root, 'dist', 'test')).sort();
if (files.length === 0) {
  console.error('no compiled tests found in dist/test: run `npm run build:ts` first');
  process.exit(1);
}

// Every test has a timeout, so a hang becomes a failure; multi-thread suites
// set longer ones of their own.
async function main() {
  const mocha = new Mocha({ timeout: 20_000, reporter: 'spec', grep });
  for (const file of files) mocha.addFile(file);
  await mocha.loadFilesAsync();
  const runner = mocha.run((failures) => {
    const { passes = 0, failures: failed = 0, pending = 0 } = runner.stats ?? {};
    console.log(`${passes} passed, ${failed} failed${pending ? `, ${pending} skipped` : ''}`);
    process.exitCode = failures > 0 ? 1 : 0;
  });
}

main().catch((error) => {
  console.error(error);
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
});
