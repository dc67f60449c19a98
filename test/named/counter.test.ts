/**
 * The first acceptance test: 8 separate Node processes (4 under
 * emulation) x 5,000 locked read-modify-write increments of a counter kept in
 * a FILE (readFileSync/writeFileSync under the lock) give the exact total,
 * for NamedMutex and for NamedRecursiveMutex (which takes the lock twice per
 * increment). Half the processes open the lock by name, half by its handle
 * passed as JSON. Runs on every platform, Windows (Wine) included.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { processTestScope, startChild } from './children';
import { NAMED_KINDS, namedClass, scaled, SLOW } from './named-api';

describe('named locks: a counter in a file, incremented by 8 processes', function () {
  this.timeout(120_000 * SLOW);
  const scope = processTestScope();

  for (const kind of NAMED_KINDS) {
    const Lock = namedClass(kind);
    const recursive = kind === 'NamedRecursiveMutex';

    // 8 processes (4 under emulation, still several node processes) x 5,000.
    const processes = SLOW > 1 ? 4 : 8;
    const iterations = scaled(5000, 100);
    it(`${kind}: ${processes} processes x ${iterations} locked read-modify-write increments of a counter in a file give the exact total` +
      (recursive ? ' (each takes the lock twice)' : ''), async () => {
      const lockName = scope.name('count');
      const file = scope.file('counter', '0');
      // Half open the lock by name, half by its handle, passed as JSON.
      const handle = JSON.parse(JSON.stringify(new Lock(lockName).handle)) as unknown;
      const children = Array.from({ length: processes }, (_, i) => startChild(
        { task: 'count', kind, file, iterations, ...(i % 2 === 0 ? { name: lockName } : { handle }) }));
      await Promise.all(children.map((child) => child.next('done', 100_000 * SLOW)));
      for (const child of children) assert.deepEqual(await child.exit(), { code: 0, signal: null }, child.stderr);
      assert.equal(Number(fs.readFileSync(file, 'utf8')), processes * iterations);
    });
  }
});
