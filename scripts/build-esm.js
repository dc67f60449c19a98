#!/usr/bin/env node
// Builds dist/esm: lib/ compiled as ES modules (tsconfig.esm.json), for
// bundlers only (package.json "exports" gives it under the "module"
// condition, which Node ignores: Node's `import` gets esm/*.mjs, the
// CommonJS build re-exported, so one instance of every class). Then makes
// the build valid ESM for strict resolvers (webpack, Node): relative
// specifiers get their file extension ('./api/lock' -> './api/lock.js'),
// and dist/esm/package.json says "type": "module".
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'esm');

fs.rmSync(out, { recursive: true, force: true }); // no stale modules from removed sources
execFileSync(process.execPath, [path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.esm.json')],
  { stdio: 'inherit' });

const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]*)\2/gm;

function files(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return files(full);
    return entry.name.endsWith('.js') ? [full] : [];
  });
}

for (const file of files(out)) {
  const text = fs.readFileSync(file, 'utf8');
  const fixed = text.replace(SPECIFIER, (match, before, quote, spec) => {
    const base = path.resolve(path.dirname(file), spec);
    if (fs.existsSync(`${base}.js`)) return `${before}${quote}${spec}.js${quote}`;
    if (fs.existsSync(path.join(base, 'index.js'))) return `${before}${quote}${spec}/index.js${quote}`;
    if (fs.existsSync(base) && fs.statSync(base).isFile()) return match;
    throw new Error(`${path.relative(root, file)}: cannot resolve ${spec}`);
  });
  if (fixed !== text) fs.writeFileSync(file, fixed);
}
fs.writeFileSync(path.join(out, 'package.json'), '{\n  "type": "module"\n}\n');
