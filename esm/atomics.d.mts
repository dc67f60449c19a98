// Types of the ESM entry esm/atomics.mjs: the CommonJS build's, as ES module exports.
export * from '../dist/lib/atomics.js';
import * as lib from '../dist/lib/atomics.js';
export default lib;
