/**
 * Timeout: raise an exception in the greenlet that started it, at its switch point, once a number
 * of seconds has passed. Layer: scheduler.
 */

import { getHub, type Runnable } from './hub.ts';
import type { TimerEntry } from './internal/timer-heap.ts';
import { validateSeconds } from './internal/validators.ts';

const hub = getHub();

const IDLE = 0;
const ARMED = 1;
/** Fired, and the exception is on its way to the greenlet (not yet delivered). */
const FIRED = 2;

export type TimeoutException = Error | (new () => unknown) | string | false | undefined | null;

/** Returned by `_claim` when a fired Timeout was cancelled before the hub delivered it. */
export const STALE: unique symbol = Symbol('STALE');

function describe(seconds: number | null | undefined, exception: TimeoutException): string {
  if (seconds === null || seconds === undefined) return 'Timeout (no deadline)';
  const base = `${seconds} second${seconds === 1 ? '' : 's'}`;
  if (exception === false) return `${base} (silent)`;
  if (typeof exception === 'string') return `${base}: ${exception}`;
  return base;
}

/**
 * Raises an exception in the greenlet that started it once `seconds` have passed. The exception
 * is the Timeout itself unless another is given (an Error instance or class, or a message).
 * Thrown *at the greenlet's switch point*: `finally` blocks run, as in gevent.
 *
 * @example
 * // gevent: with Timeout(5): ...
 * using t = Timeout.startNew(5);
 * const data = yield* sock.recv(1024);
 *
 * @example
 * const t = Timeout.startNew(0.1);
 * try { yield* sleep(1); } catch (e) { if (e !== t) throw e; console.log('timed out'); }
 * finally { t.cancel(); }
 */
export class Timeout extends Error implements TimerEntry {
  /** @internal */ at = 0;
  /** @internal */ seq = 0;
  /** @internal */ cancelled = true;
  /** Whether the timer keeps the process alive (Node's ref/unref). */
  readonly ref: boolean;
  readonly seconds: number | null | undefined;
  readonly exception: TimeoutException;
  private state = IDLE;
  private target: Runnable | null = null;

  constructor(
    seconds?: number | null,
    exception?: TimeoutException,
    options: { ref?: boolean } = {},
  ) {
    if (seconds !== null && seconds !== undefined) validateSeconds(seconds, 'seconds');
    if (!isValidException(exception)) {
      throw new TypeError(
        'Timeout(seconds, exception): exception must be an Error, an Error class, a message, ' +
          `false or undefined; got ${typeof exception}`,
      );
    }
    // A stack trace costs more than the whole create+cancel pair; Timeouts are control flow.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(describe(seconds, exception));
    Error.stackTraceLimit = limit;
    this.name = 'Timeout';
    this.seconds = seconds;
    this.exception = exception;
    this.ref = options.ref ?? true;
  }

  /** Creates and starts a Timeout: `Timeout.startNew(5)` is gevent's `Timeout.start_new(5)`. */
  static startNew(
    seconds?: number | null,
    exception?: TimeoutException,
    options?: { ref?: boolean },
  ): Timeout {
    return new Timeout(seconds, exception, options).start();
  }

  /** Arms the timer against the current greenlet. A Timeout with no seconds never fires. */
  start(): this {
    if (this.state === ARMED) throw new Error('Timeout is already started');
    this.target = hub.current;
    const seconds = this.seconds;
    if (seconds === null || seconds === undefined) return this;
    this.state = ARMED;
    hub.timers.add(this, seconds);
    return this;
  }

  /** True while the timer is armed and has not fired. */
  get pending(): boolean {
    return this.state === ARMED;
  }

  /** Disarms the timer (also stops a fired Timeout that has not reached its greenlet yet). */
  cancel(): void {
    if (this.state === ARMED) hub.timers.cancel(this);
    this.state = IDLE;
    this.target = null;
  }

  /** Same as `cancel()` (gevent's `close`). */
  close(): void {
    this.cancel();
  }

  [Symbol.dispose](): void {
    this.cancel();
  }

  /** @internal Called by the timer heap. */
  fire(): void {
    const target = this.target;
    if (target === null || target.dead) {
      this.state = IDLE;
      return;
    }
    this.state = FIRED;
    hub.throwInto(target, this);
  }

  /** @internal The exception to deliver, or STALE if the Timeout was cancelled after firing. */
  _claim(): unknown {
    if (this.state !== FIRED) return STALE;
    this.state = IDLE;
    this.target = null;
    const exception = this.exception;
    if (typeof exception === 'function') return new exception();
    if (exception instanceof Error) return exception;
    return this;
  }
}

function isValidException(exception: unknown): boolean {
  return (
    exception === undefined ||
    exception === null ||
    exception === false ||
    typeof exception === 'string' ||
    typeof exception === 'function' ||
    exception instanceof Error
  );
}
