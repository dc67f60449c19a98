#!/usr/bin/env node
// Generates native/include/contract.h from lib/contract/layout.ts (compiled:
// dist/lib/contract/layout.js), the one source of every constant TypeScript
// and C++ share. `--check` prints nothing and exits 1 when the header on disk
// differs from what would be generated (test/contract.test.ts runs it).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const header = path.join(root, 'native', 'include', 'contract.h');

/** `META_OWNER` -> `kMetaOwner`. */
function cppName(name) {
  return `k${name.toLowerCase().replace(/(^|_)([a-z0-9])/g, (_, __, c) => c.toUpperCase())}`;
}

function generate() {
  const layout = require(path.join(root, 'dist', 'lib', 'contract', 'layout.js'));
  const lines = Object.entries(layout)
    .filter(([, value]) => typeof value === 'number')
    .map(([name, value]) => {
      if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
        throw new Error(`${name} = ${value} is not an int32`);
      }
      const shown = value > 0xffff ? `0x${value.toString(16)}` : String(value);
      return `constexpr int32_t ${cppName(name)} = ${shown};  // ${name}`;
    });
  return [
    '// contract.h — GENERATED from lib/contract/layout.ts by scripts/gen-contract.js.',
    '// Do not edit: change layout.ts and run `npm run gen:contract`.',
    '// test/contract.test.ts fails when this file and layout.ts differ.',
    '#ifndef OS_MUTEX_CONTRACT_H_',
    '#define OS_MUTEX_CONTRACT_H_',
    '',
    '#include <cstdint>',
    '',
    'namespace os_mutex {',
    'namespace contract {',
    '',
    ...lines,
    '',
    '}  // namespace contract',
    '}  // namespace os_mutex',
    '',
    '#endif  // OS_MUTEX_CONTRACT_H_',
    '',
  ].join('\n');
}

const text = generate();
if (process.argv.includes('--check')) {
  const current = fs.existsSync(header) ? fs.readFileSync(header, 'utf8') : '';
  process.exitCode = current === text ? 0 : 1;
} else {
  fs.mkdirSync(path.dirname(header), { recursive: true });
  fs.writeFileSync(header, text);
  console.log(`wrote ${path.relative(root, header)}`);
}
