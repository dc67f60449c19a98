/**
 * The package's ESM entry points (esm/*.mjs, through package.json "exports")
 * export every public name of the CommonJS build, as the very same objects.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
/** CommonJS exports that are internal wiring, deliberately not in the ESM entries. */
const INTERNAL = new Set(['setOwnerDeathWatch']);

describe('ESM entry points', function () {
  this.timeout(30_000);

  for (const entry of ['os-mutex', 'os-mutex/atomics', 'os-mutex/native']) {
    it(`import '${entry}' gives every public CommonJS export, identical`, async () => {
      // Run from the package root: the package resolves its own name through "exports".
      const script = `
        import * as esm from '${entry}';
        import { createRequire } from 'node:module';
        const cjs = createRequire(process.cwd() + '/')('${entry}');
        const names = Object.keys(cjs);
        const same = names.filter((name) => esm[name] === cjs[name]);
        console.log(JSON.stringify({ names, same, esmNames: Object.keys(esm).filter((n) => n !== 'default') }));`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, timeout: 20_000 });
      const { names, same, esmNames } = JSON.parse(stdout) as Record<string, string[]>;
      const publicNames = names.filter((name) => !INTERNAL.has(name));
      assert.ok(publicNames.length > 0);
      assert.deepEqual([...esmNames].sort(), [...publicNames].sort());
      assert.deepEqual(same.filter((name) => !INTERNAL.has(name)).sort(), [...publicNames].sort());
    });
  }
});
