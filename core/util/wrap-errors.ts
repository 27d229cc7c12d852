/**
 * `wrapErrors(errors, fn)`: a function that returns the listed exceptions instead of raising
 * them (gevent's `util.wrap_errors`). Layer: os-facing (gevent-ts/util).
 *
 * Useful for greenlet bodies: an error that leaves a greenlet is reported by the hub, which is
 * noise for expected failures. The wrapper keeps the body's kind: a generator body stays a
 * generator (errors raised at any of its switch points are caught), an async body's promise
 * resolves with the error, a plain body returns it.
 */

/** A class of errors to catch: anything `instanceof` accepts. */
export type ErrorClass<E = unknown> = abstract new (...args: any[]) => E;

import type { AnyFn } from '../greenlet.ts';

/** What the wrapper returns: the body's result, or one of the caught errors in its place. */
export type WrappedResult<R, E> =
  R extends Generator<infer Y, infer V, infer N>
    ? Generator<Y, V | E, N>
    : R extends Promise<infer V>
      ? Promise<V | E>
      : R | E;

/**
 * Returns a function like `fn` that returns (instead of raising) an error that is an instance
 * of one of `errors`. Other errors propagate. Its `name` and `toString()` are `fn`'s, so a
 * greenlet running it still prints as `fn`.
 *
 * @example
 * const parse = wrapErrors([SyntaxError], (text: string) => JSON.parse(text));
 * parse('{'); // a SyntaxError, returned
 *
 * @example
 * const g = spawn(wrapErrors(Timeout, function* () { yield* withTimeout(0.1, slowCall()); }));
 * yield* g.join(); // g.value is the Timeout; nothing was reported
 */
export function wrapErrors<F extends AnyFn, C extends ErrorClass>(
  errors: C | readonly C[],
  fn: F,
): (...args: Parameters<F>) => WrappedResult<ReturnType<F>, InstanceType<C>> {
  const classes = checkErrorClasses(errors);
  if (typeof fn !== 'function') {
    throw new TypeError(`wrapErrors(errors, fn): fn must be a function, got ${typeof fn}`);
  }
  const caught = (error: unknown): boolean => classes.some((cls) => error instanceof cls);
  const wrapper = function (this: unknown, ...args: Parameters<F>) {
    let out: unknown;
    try {
      out = fn.apply(this, args);
    } catch (error) {
      if (caught(error)) return error;
      throw error;
    }
    if (isGenerator(out)) return catchInGenerator(out, caught);
    if (out instanceof Promise) return out.catch((error) => rethrowUnless(error, caught));
    return out;
  };
  Object.defineProperty(wrapper, 'name', { value: fn.name });
  Object.defineProperty(wrapper, 'toString', { value: () => fn.toString() });
  return wrapper as (...args: Parameters<F>) => WrappedResult<ReturnType<F>, InstanceType<C>>;
}

function checkErrorClasses(errors: unknown): ErrorClass[] {
  const list = Array.isArray(errors) ? errors : [errors];
  for (const cls of list) {
    if (typeof cls !== 'function') {
      throw new TypeError(
        `wrapErrors(errors, fn): errors must be an error class or an array of them, got ${typeof cls}`,
      );
    }
  }
  return list as ErrorClass[];
}

/** Delegates to `it` (every switch point passes through) and returns a caught error. */
function* catchInGenerator(
  it: Generator<unknown, unknown, unknown>,
  caught: (error: unknown) => boolean,
): Generator<unknown, unknown, unknown> {
  try {
    return yield* it;
  } catch (error) {
    if (caught(error)) return error;
    throw error;
  }
}

function rethrowUnless(error: unknown, caught: (error: unknown) => boolean): unknown {
  if (caught(error)) return error;
  throw error;
}

function isGenerator(value: unknown): value is Generator<unknown, unknown, unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Generator).next === 'function' &&
    typeof (value as Generator).throw === 'function' &&
    typeof (value as Generator)[Symbol.iterator] === 'function'
  );
}
