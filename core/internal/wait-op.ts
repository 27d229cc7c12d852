/**
 * `WaitOp`: the one waiting mechanism every blocking primitive shares. Layer: core/internal.
 *
 * An Op is what a greenlet iterates with `yield*`. A WaitOp is a hand-written iterator rather than
 * a generator because it sits on every hot path: the first `next()` either finishes at once
 * (`tryNow`) or parks the greenlet (`enlist`, plus an optional timer) and yields; whatever it
 * waits on later calls `wakeWith`/`raiseWith`, and the second `next(value)` returns that value.
 * A kill or Timeout thrown in meanwhile goes through the hub, which calls `cancelWait` first, so
 * the op leaves its wait list before the exception reaches the greenlet's code.
 */

import { currentGreenlet, getHub, type Park, type Runnable } from '../hub.ts';
import type { TimerEntry } from './timer-heap.ts';

/** The iterator result a parking op yields: shared, so parking allocates nothing for it. */
const PARKED: IteratorResult<unknown, never> = Object.freeze({ done: false, value: undefined });

/** `tryNow` returns this when the op has to wait. */
export const MUST_WAIT: unique symbol = Symbol('MUST_WAIT');

const hub = getHub();

const FRESH = 0;
const PARKED_STEP = 1;
const FINISHED = 2;

export abstract class WaitOp<T> implements Iterator<unknown, T, unknown>, Park {
  protected greenlet: Runnable | null = null;
  private step = FRESH;
  private timer: OpTimer | null = null;

  /** Seconds to wait before `onTimeout`; undefined/null waits forever. */
  protected timeoutSeconds: number | null | undefined = undefined;

  [Symbol.iterator](): this {
    return this;
  }

  next(value?: unknown): IteratorResult<unknown, T> {
    if (this.step === FRESH) {
      const now = this.tryNow();
      if (now !== MUST_WAIT) {
        this.step = FINISHED;
        return { done: true, value: now };
      }
      const g = currentGreenlet(hub);
      this.greenlet = g;
      this.step = PARKED_STEP;
      this.enlist();
      g._park = this;
      const seconds = this.timeoutSeconds;
      if (seconds !== undefined && seconds !== null) {
        this.timer = new OpTimer(this);
        hub.timers.add(this.timer, seconds);
      }
      return PARKED;
    }
    if (this.step === PARKED_STEP) {
      this.step = FINISHED;
      this.greenlet = null;
      return { done: true, value: this.resumed(value) };
    }
    return { done: true, value: undefined as T };
  }

  throw(error: unknown): IteratorResult<unknown, T> {
    this.step = FINISHED;
    this.greenlet = null;
    throw error;
  }

  return(value?: T): IteratorResult<unknown, T> {
    if (this.step === PARKED_STEP) this.cancelWait();
    this.step = FINISHED;
    return { done: true, value: value as T };
  }

  /** The Park contract: withdraw from the wait list and drop the timer. */
  cancelWait(): void {
    this.dropTimer();
    this.delist();
  }

  /** Called by the waited-on object: resume the greenlet with `value`. */
  wakeWith(value: unknown): void {
    const g = this.greenlet;
    if (g === null || g._park !== this) return;
    this.dropTimer();
    hub.wake(g, value);
  }

  /** `wakeWith` from a Node I/O callback: the greenlet may run at once (`Hub.wakeFromCallback`). */
  wakeFromCallback(value: unknown): void {
    const g = this.greenlet;
    if (g === null || g._park !== this) return;
    this.dropTimer();
    hub.wakeFromCallback(g, value);
  }

  /** Called by the waited-on object: resume the greenlet by raising `error`. */
  raiseWith(error: unknown): void {
    const g = this.greenlet;
    if (g === null || g._park !== this) return;
    this.dropTimer();
    hub.wakeRaise(g, error);
  }

  /** Whether the op is still parked (not woken, timed out or cancelled). */
  get waiting(): boolean {
    const g = this.greenlet;
    return g !== null && g._park === this;
  }

  /** The timer fired while still parked: leave the wait list, then wake or raise. */
  timedOut(): void {
    this.timer = null;
    if (!this.waiting) return;
    this.delist();
    this.onTimeout();
  }

  describeWait(): string {
    return this.describe();
  }

  private dropTimer(): void {
    const timer = this.timer;
    if (timer !== null) {
      this.timer = null;
      hub.timers.cancel(timer);
    }
  }

  /** Finish without waiting if possible; else return MUST_WAIT. */
  protected abstract tryNow(): T | typeof MUST_WAIT;
  /** Join the waited-on object's wait list. */
  protected abstract enlist(): void;
  /** Leave it (cancelled, timed out). Must be idempotent. */
  protected abstract delist(): void;
  /** What to do when the timeout expires: `wakeWith(x)` or `raiseWith(err)`. */
  protected onTimeout(): void {
    this.wakeWith(undefined);
  }
  /** Turns the wake value into the op's result. */
  protected resumed(value: unknown): T {
    return value as T;
  }
  protected abstract describe(): string;
}

class OpTimer implements TimerEntry {
  at = 0;
  seq = 0;
  cancelled = false;
  ref = true;
  constructor(private readonly op: WaitOp<unknown>) {}
  fire(): void {
    this.op.timedOut();
  }
}

/** An Op that is already finished with `value` (shared where value is undefined). */
export class DoneOp<T> implements Iterator<unknown, T, unknown> {
  constructor(private readonly value: T) {}
  [Symbol.iterator](): this {
    return this;
  }
  next(): IteratorResult<unknown, T> {
    return { done: true, value: this.value };
  }
  throw(error: unknown): IteratorResult<unknown, T> {
    throw error;
  }
  return(value?: T): IteratorResult<unknown, T> {
    return { done: true, value: value as T };
  }
}

export const DONE: DoneOp<void> = new DoneOp<void>(undefined);
