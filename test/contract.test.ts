/**
 * The TS <-> C++ contract has one source, lib/contract/layout.ts; the C++
 * header native/include/contract.h is generated from it. These tests fail
 * when the two drift apart.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import * as layout from '../lib/contract/layout';

const root = path.resolve(__dirname, '..', '..');

describe('TS <-> C++ contract', () => {
  it('native/include/contract.h is exactly what lib/contract/layout.ts generates', () => {
    const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'gen-contract.js'), '--check'],
      { encoding: 'utf8' });
    assert.equal(result.status, 0,
      `native/include/contract.h is stale: run \`npm run gen:contract\` (${result.stderr})`);
  });

  it('every constant of layout.ts appears in the header with its value', () => {
    const header = fs.readFileSync(path.join(root, 'native', 'include', 'contract.h'), 'utf8');
    for (const [name, value] of Object.entries(layout)) {
      const match = new RegExp(`constexpr int32_t k\\w+ = (-?(?:0x[0-9a-f]+|\\d+));  // ${name}\\n`).exec(header);
      assert.ok(match, `${name} missing from contract.h`);
      assert.equal(Number(match[1]), value, `${name} differs`);
    }
  });

  it('the native sources use the generated constants, not copies of their own', () => {
    const sources: string[] = JSON.parse(fs.readFileSync(path.join(root, 'native', 'sources.json'), 'utf8'));
    const text = sources.map((file) => fs.readFileSync(path.join(root, file), 'utf8')).join('\n');
    assert.match(text, /contract::k/, 'no native source reads the generated contract');
    assert.doesNotMatch(text, /0x584d534f/i, 'a native source repeats the Atomics magic number');
  });
});
