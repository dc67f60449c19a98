// Types of the ESM entry esm/index.mjs: the CommonJS build's, as ES module exports.
export * from '../dist/lib/index.js';
import * as lib from '../dist/lib/index.js';
export default lib;
