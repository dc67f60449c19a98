/**
 * Node-style argument errors (internal): `TypeError` / `RangeError` with
 * Node's own codes and wording, for bad arguments.
 * @module
 */
import { describeValue } from '../contract/handle';

type NodeStyleError = Error & { code: string };

function withCode<E extends Error>(error: E, code: string): E & { code: string } {
  return Object.assign(error, { code });
}

/** `TypeError` with code `ERR_INVALID_ARG_TYPE`, worded like Node's. */
export function invalidArgType(name: string, expected: string, value: unknown): NodeStyleError {
  return withCode(new TypeError(`The "${name}" argument must be ${expected}. Received ${describeValue(value)}`),
    'ERR_INVALID_ARG_TYPE');
}

/** `TypeError` with code `ERR_INVALID_ARG_VALUE`: a well-typed but unusable value. */
export function invalidArgValue(name: string, reason: string, cause?: unknown): NodeStyleError {
  return withCode(new TypeError(`The argument '${name}' ${reason}.`, cause === undefined ? undefined : { cause }),
    'ERR_INVALID_ARG_VALUE');
}

/** `RangeError` with code `ERR_OUT_OF_RANGE`, worded like Node's. */
export function outOfRange(name: string, range: string, value: unknown): NodeStyleError {
  return withCode(
    new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${describeValue(value)}`),
    'ERR_OUT_OF_RANGE');
}

/** `TypeError` with code `ERR_INVALID_THIS`: a method called on the wrong receiver. */
export function invalidThis(message: string): NodeStyleError {
  return withCode(new TypeError(message), 'ERR_INVALID_THIS');
}

/** `TypeError` with code `ERR_ILLEGAL_CONSTRUCTOR`: an abstract class constructed. */
export function illegalConstructor(message: string): NodeStyleError {
  return withCode(new TypeError(message), 'ERR_ILLEGAL_CONSTRUCTOR');
}
