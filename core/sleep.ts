/**
 * sleep() and idle(): waits on time and on the loop. Layer: scheduler.
 */

import type { Op } from './greenlet.ts';
import { CallbackPark, currentGreenlet, getHub, type Park, type Runnable } from './hub.ts';
import type { TimerEntry } from './internal/timer-heap.ts';
import { validateSeconds } from './internal/validators.ts';

const hub = getHub();
const PARKED: IteratorResult<unknown, never> = Object.freeze({ done: false, value: undefined });
const FINISHED: IteratorResult<unknown, void> = Object.freeze({ done: true, value: undefined });

/**
 * The sleep Op is its own timer entry and park record: a parked sleeper costs one small object.
 */
class SleepOp implements Iterator<unknown, void, unknown>, TimerEntry, Park {
  at = 0;
  seq = 0;
  cancelled = false;
  ref = true;
  private g: Runnable | null = null;
  private started = false;

  constructor(private readonly seconds: number) {}

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<unknown, void> {
    if (this.started) return FINISHED;
    this.started = true;
    const g = currentGreenlet(hub);
    if (this.seconds <= 0) {
      // sleep(0): to the back of the run queue, behind every greenlet that is ready now.
      hub.yieldTurn(g);
      return PARKED;
    }
    this.g = g;
    g._park = this;
    hub.timers.add(this, this.seconds);
    return PARKED;
  }

  throw(error: unknown): IteratorResult<unknown, void> {
    throw error;
  }

  return(): IteratorResult<unknown, void> {
    return FINISHED;
  }

  fire(): void {
    const g = this.g!;
    this.g = null;
    hub.wake(g, undefined);
  }

  cancelWait(): void {
    this.g = null;
    hub.timers.cancel(this);
  }

  describeWait(): string {
    return `sleep(${this.seconds})`;
  }
}

/**
 * Suspends the current greenlet for `seconds` (default 0). `sleep(0)` lets every other ready
 * greenlet run first, then continues.
 *
 * @example
 * yield* sleep(0.5);
 */
export function sleep(seconds = 0): Op<void> {
  validateSeconds(seconds, 'sleep(seconds)');
  return new SleepOp(seconds);
}

/** Waits until Node's event loop has run its pending I/O and timers (gevent's `idle()`). */
export function* idle(): Generator<unknown, void, unknown> {
  const g = currentGreenlet(hub);
  const park = new CallbackPark(g, 'idle()');
  park.cancel = hub.onIdle(() => park.fire(undefined));
  g._park = park;
  yield;
}
