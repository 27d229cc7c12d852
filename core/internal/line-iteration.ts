/**
 * `readlines()` and `next()` for any reader with a `readline()` that returns an empty line at
 * the end: the request body (pywsgi), a child's pipe (subprocess) and a socket file (makefile)
 * share them. Layer: waiting (imports only types).
 */

import type { OpLike } from '../greenlet.ts';

/** A reader of lines whose `readline()` gives an empty line (length 0) at the end. */
export interface LineReader<T extends { length: number }> {
  readline(): OpLike<T>;
}

/**
 * Every remaining line of `reader`.
 *
 * @example
 * readlines() { return readAllLines(this); }
 */
export function* readAllLines<T extends { length: number }>(
  reader: LineReader<T>,
): Generator<unknown, T[], unknown> {
  const lines: T[] = [];
  for (;;) {
    const line = yield* reader.readline();
    if (line.length === 0) return lines;
    lines.push(line);
  }
}

/**
 * The next line of `reader` as an iterator result (`done` at the end): iteration by Op.
 *
 * @example
 * for (;;) { const r = yield* nextLine(file); if (r.done) break; use(r.value); }
 */
export function* nextLine<T extends { length: number }>(
  reader: LineReader<T>,
): Generator<unknown, IteratorResult<T, undefined>, unknown> {
  const line = yield* reader.readline();
  return line.length === 0 ? { done: true, value: undefined } : { done: false, value: line };
}
