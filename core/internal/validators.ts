/**
 * Argument checks shared by the public API: each error names the argument. Layer: core/internal.
 */

/** A duration in seconds: a finite number >= 0. */
export function validateSeconds(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${name} must be a number of seconds, got ${describeValue(value)}`);
  }
  if (value < 0 || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number of seconds >= 0, got ${value}`);
  }
}

/** An optional timeout: undefined/null (wait forever) or a number of seconds. */
export function validateTimeout(value: unknown, name = 'timeout'): number | null | undefined {
  if (value === undefined || value === null) return value;
  validateSeconds(value, name);
  return value;
}

export function validateFunction(value: unknown, name: string): asserts value is Function {
  if (typeof value !== 'function') {
    throw new TypeError(`${name} must be a function, got ${describeValue(value)}`);
  }
}

/** A count such as a pool size: an integer >= 0. */
export function validateCount(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer, got ${describeValue(value)}`);
  }
  if (value < 0) throw new RangeError(`${name} must be >= 0, got ${value}`);
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  return typeof value;
}

/** True for an Op: anything with a `[Symbol.iterator]` method that is not a string or array. */
export function isOp(value: unknown): value is Iterable<unknown, unknown, unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function'
  );
}

/** True for a Promise or any other thenable. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
