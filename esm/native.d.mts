// Types of the ESM entry esm/native.mjs: the CommonJS build's, as ES module exports.
export * from '../dist/lib/native.js';
import * as lib from '../dist/lib/native.js';
export default lib;
