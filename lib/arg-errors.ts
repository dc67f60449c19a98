/**
 * Node-style argument errors (internal): `TypeError` / `RangeError` with
 * Node's own codes and wording, for bad arguments.
 * @module
 */

type NodeStyleError = Error & { code: string };

function withCode<E extends Error>(error: E, code: string): E & { code: string } {
  return Object.assign(error, { code });
}

/** Node's rendering of a received value in argument errors. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return ` Received ${value}`;
  if (typeof value === 'function') return ` Received function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return name ? ` Received an instance of ${name}` : ' Received an object';
  }
  let shown = String(value);
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  if (typeof value === 'string') shown = `'${shown}'`;
  return ` Received type ${typeof value} (${shown})`;
}

/** `TypeError` with code `ERR_INVALID_ARG_TYPE`, worded like Node's. */
export function invalidArgType(name: string, expected: string, value: unknown): NodeStyleError {
  return withCode(new TypeError(`The "${name}" argument must be ${expected}.${describe(value)}`),
    'ERR_INVALID_ARG_TYPE');
}

/** `TypeError` with code `ERR_INVALID_ARG_VALUE`: a well-typed but unusable value. */
export function invalidArgValue(name: string, reason: string): NodeStyleError {
  return withCode(new TypeError(`The argument '${name}' ${reason}.`), 'ERR_INVALID_ARG_VALUE');
}

/** `RangeError` with code `ERR_OUT_OF_RANGE`, worded like Node's. */
export function outOfRange(name: string, range: string, value: unknown): NodeStyleError {
  return withCode(
    new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${String(value)}`),
    'ERR_OUT_OF_RANGE');
}
