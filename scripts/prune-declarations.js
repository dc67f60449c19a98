#!/usr/bin/env node
// Deletes the declaration files in dist/lib that no public entry point's
// types import (internal modules such as api/arg-errors), so that the
// package ships only the public .d.ts. Run after `tsc -p tsconfig.json`
// (build:ts); the JavaScript is left alone. scripts/check-package.sh checks
// the packed result.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const lib = path.join(root, 'dist', 'lib');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

const entries = new Set();
(function collect(value) {
  if (typeof value === 'string' && value.endsWith('.d.ts')) entries.add(path.resolve(root, value));
  else if (value && typeof value === 'object') Object.values(value).forEach(collect);
})([pkg.types, pkg.exports, pkg.typesVersions]);

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
const reached = new Set();
const queue = [...entries];
while (queue.length > 0) {
  const file = queue.pop();
  if (reached.has(file) || !fs.existsSync(file)) continue;
  reached.add(file);
  for (const [, spec] of fs.readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
    const base = path.resolve(path.dirname(file), spec).replace(/\.js$/, '');
    for (const candidate of [`${base}.d.ts`, path.join(base, 'index.d.ts')]) {
      if (fs.existsSync(candidate)) {
        queue.push(candidate);
        break;
      }
    }
  }
}

(function prune(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) prune(full);
    else if (entry.name.endsWith('.d.ts') && !reached.has(full)) fs.rmSync(full);
  }
})(lib);
