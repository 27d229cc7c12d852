/**
 * The public types of blocking operations and greenlet bodies. Layer: base (re-exported by
 * core/greenlet.ts and core/index.ts).
 */

/**
 * A blocking operation: iterate it with `yield*` inside a greenlet. Every Op this library
 * returns is an iterator (a generator object or a hand-written one), which is also how a plain
 * body may return one: `spawn(() => queue.get())`. (Anything iterable works with `yield*`.)
 */
export interface Op<T> extends Iterator<unknown, T, unknown> {
  [Symbol.iterator](): Iterator<unknown, T, unknown>;
}

/** Anything `yield*` accepts as an Op: an object whose `[Symbol.iterator]()` gives the steps. */
export interface OpLike<T> {
  [Symbol.iterator](): Iterator<unknown, T, unknown>;
}

/** The value a greenlet body produces: a generator's return value, a promise's, or a plain one. */
export type BodyResult<R> =
  R extends Iterator<unknown, infer V, any> ? V : R extends PromiseLike<infer V> ? V : R;

/** Any function that can be a greenlet body. */
export type AnyFn = (...args: any[]) => unknown;
