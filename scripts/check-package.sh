#!/usr/bin/env bash
# Usage: scripts/check-package.sh
#
# Checks the package as it would be published: packs it (npm pack, which
# rebuilds dist/ through the prepack and prepare scripts) into a temporary
# folder, then runs, offline:
#   1. attw: types resolve, and match the JavaScript, in every resolution mode
#      TypeScript has (node10, node16 from CommonJS and from ESM, bundler);
#   2. publint: package.json's entry points and files are consistent;
#   3. the tarball's own contents: no source maps, and exactly the
#      declaration files the public entry points import (no internal ones),
#      and exactly the JavaScript they load (no stale build output).
# Ends with the line `N passed, N failed`; exits 1 when any check failed.
set -uo pipefail

cd "$(dirname "$0")/.."
WORK=$(mktemp -d "${TMPDIR:-/tmp}/os-mutex-check-package.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
BIN=node_modules/.bin
passed=0
failed=0

# check NAME COMMAND...: runs COMMAND, prints its output, counts the result.
check() {
  local name=$1
  shift
  echo "== $name"
  if "$@"; then
    echo "-- $name: ok"
    passed=$((passed + 1))
  else
    echo "-- $name: FAILED"
    failed=$((failed + 1))
  fi
}

echo "== npm pack"
if ! npm pack --silent --pack-destination "$WORK" > "$WORK/pack.log" 2>&1; then
  cat "$WORK/pack.log"
  echo "0 passed, 1 failed"
  exit 1
fi
TARBALL=$(ls "$WORK"/*.tgz)
echo "packed $(basename "$TARBALL") ($(tar -tzf "$TARBALL" | wc -l) files)"

check "attw (are the types wrong?)" "$BIN/attw" --no-color "$TARBALL"
check "publint" "$BIN/publint" --strict "$TARBALL"

mkdir "$WORK/unpacked" && tar -xzf "$TARBALL" -C "$WORK/unpacked"
check "tarball contents" node - "$WORK/unpacked/package" <<'EOF'
// Every file under dist/ and esm/ must be reached from package.json's entry
// points by following relative imports; no source maps.
const fs = require('node:fs');
const path = require('node:path');

const root = process.argv[2];
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const shipped = [];
(function walk(dir) {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) walk(rel);
    else shipped.push(rel);
  }
})('.');

const entries = new Set();
(function collect(value) {
  if (typeof value === 'string') entries.add(path.posix.normalize(value));
  else if (value && typeof value === 'object') Object.values(value).forEach(collect);
})([pkg.main, pkg.types, pkg.exports, pkg.typesVersions]);

// Follow relative specifiers of import/export/require/import() from each reached file.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
const CANDIDATES = (base) => [base, `${base}.js`, `${base}.d.ts`, `${base.replace(/\.js$/, '')}.d.ts`, `${base}/index.js`, `${base}/index.d.ts`];
const reached = new Set();
const missing = [];
const queue = [...entries].filter((file) => file !== 'package.json');
while (queue.length > 0) {
  const file = queue.pop();
  if (reached.has(file)) continue;
  if (!fs.existsSync(path.join(root, file))) {
    missing.push(file);
    continue;
  }
  reached.add(file);
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  for (const [, spec] of text.matchAll(SPECIFIER)) {
    const base = path.posix.join(path.posix.dirname(file), spec);
    // A .d.ts names its sibling module; the JavaScript names the file it loads.
    const declaration = /\.d\.[mc]?ts$/.test(file);
    const found = CANDIDATES(base).find((candidate) => declaration === /\.d\.[mc]?ts$/.test(candidate) &&
      fs.existsSync(path.join(root, candidate)) && fs.statSync(path.join(root, candidate)).isFile());
    if (found === undefined) missing.push(`${spec} (imported by ${file})`);
    else queue.push(found);
  }
}

const built = shipped.filter((file) => /^(dist|esm)\//.test(file));
// A module of types only compiles to an empty one that nothing loads: fine.
const EMPTY_MODULE = /^\s*("use strict";)?\s*(Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);|export \{\};)?\s*$/;
const isEmptyModule = (file) => /\.js$/.test(file) &&
  EMPTY_MODULE.test(fs.readFileSync(path.join(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, ''));
const isPackageType = (file) => /^dist\/esm\/package\.json$/.test(file);
const problems = [
  ...shipped.filter((file) => file.endsWith('.map')).map((file) => `source map shipped: ${file}`),
  ...missing.map((file) => `entry point or import not in the package: ${file}`),
  ...built.filter((file) => !reached.has(file) && !file.endsWith('.map') && !isEmptyModule(file) && !isPackageType(file))
    .map((file) => `shipped but imported by no public entry point (internal or stale build output): ${file}`),
];
const count = (re) => built.filter((file) => re.test(file)).length;
console.log(`${count(/\.js$|\.mjs$/)} JavaScript files, ${count(/\.d\.m?ts$/)} declaration files, ` +
  `${count(/\.map$/)} source maps under dist/ and esm/`);
for (const problem of problems) console.log(`  ${problem}`);
if (problems.length > 0) {
  console.log('  (stale or internal files: `rm -rf dist` and pack again; declarations come from scripts/prune-declarations.js)');
}
process.exit(problems.length > 0 ? 1 : 0);
EOF

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
