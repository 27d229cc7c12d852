/**
 * `move()`: marks a value to be transferred (moved) to or from a worker thread instead of copied.
 * Layer: threadpool (shared by the main thread and the workers; imports nothing).
 *
 * The marker is a small wrapper object found by a `Symbol.for` key, so the one made by a worker's
 * module code (which may load its own copy of this file) is recognised on the other side too.
 * Only top-level arguments and return values are looked at: `spawn(fn, move(buf))`, or
 * `return move(buf)` inside the task.
 */

import type { TransferListItem } from 'node:worker_threads';

const MOVED: unique symbol = Symbol.for('gevent-ts.threadpool.move') as never;

/** The wrapper `move()` returns; typed as the value itself so it fits where the value goes. */
export interface Moved {
  readonly [MOVED]: true;
  readonly value: unknown;
  readonly transferList: TransferListItem[];
}

/**
 * Marks `value` to be moved to the other thread rather than copied. An ArrayBuffer, a
 * MessagePort, or a typed array / DataView (whose whole buffer moves) is transferred by itself;
 * for anything else give the `transferList` of what inside it should move. After the move the
 * sender's buffer is detached (byteLength 0).
 *
 * Inside a function shipped to `ThreadPool.spawn`, `move` is available by that name, so a task
 * can hand a large result back without a copy.
 *
 * @example
 * const buf = new Uint8Array(1 << 20).buffer;
 * const size = yield* pool.apply((b: ArrayBuffer) => b.byteLength, [move(buf)]);
 * // buf.byteLength === 0 here: it moved
 *
 * @example
 * // in the task: return a big buffer without copying it
 * pool.spawn((n: number) => move(new Float64Array(n).fill(1)), 1_000_000);
 */
export function move<T>(value: T, transferList?: TransferListItem[]): T {
  const list = transferList ?? defaultTransferList(value);
  if (!Array.isArray(list)) {
    throw new TypeError('move(value, transferList): transferList must be an array');
  }
  const moved: Moved = { [MOVED]: true, value, transferList: list };
  return moved as unknown as T;
}

function defaultTransferList(value: unknown): TransferListItem[] {
  if (value instanceof ArrayBuffer) return [value];
  if (ArrayBuffer.isView(value)) {
    if (!(value.buffer instanceof ArrayBuffer)) {
      throw new TypeError('move(value): a view of a SharedArrayBuffer is shared, not moved');
    }
    return [value.buffer];
  }
  if (value !== null && typeof value === 'object' && isPortLike(value)) {
    return [value as unknown as TransferListItem];
  }
  throw new TypeError(
    'move(value): value must be an ArrayBuffer, a typed array, a DataView or a MessagePort; ' +
      'for other values pass the transferList',
  );
}

function isPortLike(value: object): boolean {
  return (
    typeof (value as { postMessage?: unknown }).postMessage === 'function' &&
    typeof (value as { close?: unknown }).close === 'function'
  );
}

/** True for a value wrapped by `move()`. */
export function isMoved(value: unknown): value is Moved {
  return (
    value !== null && typeof value === 'object' && (value as { [MOVED]?: unknown })[MOVED] === true
  );
}
