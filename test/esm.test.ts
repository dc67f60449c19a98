/**
 * The package's ESM entry points (esm/*.mjs, through package.json "exports")
 * export every public name of the CommonJS build, as the very same objects.
 * The ES-module build that bundlers get (dist/esm, the "module" condition)
 * exports the same names, and Node never picks it.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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

  describe('the bundlers\' build (dist/esm)', () => {
    // Built by `npm run build:ts` (which `npm test` runs first), not here: the
    // platform legs run this suite on qemu and Wine, where the host's
    // TypeScript compiler cannot run.
    before(() => {
      assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'esm', 'index.js')), 'dist/esm is missing: run npm run build:ts');
    });

    for (const entry of ['index', 'atomics', 'native']) {
      it(`dist/esm/${entry}.js exports the same names as dist/lib/${entry}.js`, async () => {
        const script = `
          import { createRequire } from 'node:module';
          const esm = await import(${JSON.stringify(`./dist/esm/${entry}.js`)});
          const cjs = createRequire(process.cwd() + '/')(${JSON.stringify(`./dist/lib/${entry}.js`)});
          console.log(JSON.stringify({ esm: Object.keys(esm), cjs: Object.keys(cjs) }));`;
        const env = { ...process.env, OS_MUTEX_BACKEND: 'atomics' }; // two copies in one thread: keep the addon out
        const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env, timeout: 20_000 });
        const seen = JSON.parse(stdout) as { esm: string[]; cjs: string[] };
        assert.ok(seen.esm.length > 0);
        assert.deepEqual([...seen.esm].sort(), [...seen.cjs].sort());
      });
    }

    it('Node resolves the package to esm/*.mjs and dist/lib, never to dist/esm', async () => {
      const script = `
        import { createRequire } from 'node:module';
        const require = createRequire(process.cwd() + '/');
        const entries = ['os-mutex', 'os-mutex/atomics', 'os-mutex/native'];
        console.log(JSON.stringify(entries.flatMap((e) => [import.meta.resolve(e), require.resolve(e)])));`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, timeout: 20_000 });
      const resolved = (JSON.parse(stdout) as string[]).map((file) => path.relative(ROOT, file.startsWith('file:') ? fileURLToPath(file) : file).split(path.sep).join('/'));
      assert.deepEqual(resolved, [
        'esm/index.mjs', 'dist/lib/index.js', 'esm/atomics.mjs', 'dist/lib/atomics.js', 'esm/native.mjs', 'dist/lib/native.js',
      ]);
    });
  });
});
