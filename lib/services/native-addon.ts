/**
 * The native addon as the native backend loaded it in this thread, for the
 * other backends built on the same binary (named locks,
 * `backends/named.ts`). The native backend provides it once its load
 * succeeded or failed; backends never import each other, both import this.
 * @module
 */

let addon: object | undefined;
let reason: Error | undefined = new Error('the native backend was not loaded in this thread');

/** Records the outcome of the native backend's load: the addon's exports, or why there are none. */
export function provideNativeAddon(exports: object | undefined, whyNot: Error | undefined): void {
  addon = exports;
  reason = exports === undefined ? whyNot : undefined;
}

/** The addon's exports in this thread, or undefined (see {@link nativeAddonUnavailableReason}). */
export function nativeAddon(): object | undefined {
  return addon;
}

/** Why there is no addon in this thread (undefined when there is). */
export function nativeAddonUnavailableReason(): Error | undefined {
  return reason;
}
