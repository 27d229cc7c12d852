/**
 * Timeout: raise an exception in the greenlet that started it, at its switch point, once a number
 * of seconds has passed. Layer: scheduler.
 *
 * When the timer fires, the run queue gets a KILL entry carrying a `TimeoutDelivery` (not the
 * Timeout itself) and the greenlet's park is left in place. The greenlet claims the delivery when
 * the entry runs (`Greenlet._resume`); only then is its wait cancelled and the exception thrown.
 * If the Timeout was cancelled in between, the claim finds it STALE and the greenlet simply keeps
 * waiting, as in gevent, where a Timeout cancelled before its timer's callback ran is never
 * raised. A Timeout passed to `kill()` travels as itself: an ordinary exception, never stale.
 */

import { getHub, type Runnable } from './hub.ts';
import type { TimerEntry } from './internal/timer-heap.ts';
import { validateSeconds } from './internal/validators.ts';

const hub = getHub();

const IDLE = 0;
const ARMED = 1;
/** Fired, and its `delivery` is on its way to the greenlet (not yet claimed). */
const FIRED = 2;

export type TimeoutException = Error | (new () => unknown) | string | false | undefined | null;

/** Returned by `TimeoutDelivery.claim` when the Timeout was cancelled before the claim. */
export const STALE: unique symbol = Symbol('STALE');

/**
 * @internal What a fired Timeout's KILL entry carries: marks the entry as the timer's own (a
 * Timeout given to `kill()` is an ordinary exception) and dies when the Timeout is cancelled
 * before the greenlet claims it.
 */
export class TimeoutDelivery {
  live = true;
  constructor(readonly timeout: Timeout) {}

  /** The exception to throw into the greenlet, or STALE (then its park must stay). */
  claim(): unknown {
    return this.live ? this.timeout._claim() : STALE;
  }

  /** Its greenlet died first: the Timeout is done (no longer pending), nothing is raised. */
  discard(): void {
    if (this.live) this.timeout._claim();
  }
}

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
  private delivery: TimeoutDelivery | null = null;

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
    if (this.state !== IDLE) throw new Error('Timeout is already started');
    this.target = hub.current;
    const seconds = this.seconds;
    if (seconds === null || seconds === undefined) return this;
    this.state = ARMED;
    hub.timers.add(this, seconds);
    return this;
  }

  /**
   * True from `start()` until the exception reaches the greenlet or the Timeout is cancelled
   * (gevent's `pending`: true until the timer's callback has run).
   */
  get pending(): boolean {
    return this.state !== IDLE;
  }

  /** Disarms the timer (also stops a fired Timeout that has not reached its greenlet yet). */
  cancel(): void {
    const state = this.state;
    if (state === ARMED) hub.timers.cancel(this);
    else if (state === FIRED) this.dropDelivery();
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
    const delivery = new TimeoutDelivery(this);
    this.delivery = delivery;
    hub.queueKill(target, delivery);
  }

  /** @internal Called by its live delivery: ends it; returns the exception to throw. */
  _claim(): unknown {
    this.dropDelivery();
    this.state = IDLE;
    this.target = null;
    const exception = this.exception;
    if (typeof exception === 'function') return new exception();
    if (exception instanceof Error) return exception;
    return this;
  }

  private dropDelivery(): void {
    const delivery = this.delivery;
    if (delivery !== null) {
      delivery.live = false;
      this.delivery = null;
    }
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
