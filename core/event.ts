/**
 * Event and AsyncResult: one-shot notifications greenlets can wait on. Layer: primitives.
 */

import type { Op } from './greenlet.ts';
import { getHub } from './hub.ts';
import { Linkable, type LinkWaiter } from './internal/linkable.ts';
import { validateTimeout } from './internal/validators.ts';
import { MUST_WAIT, WaitOp } from './internal/wait-op.ts';
import { Timeout } from './timeout.ts';

const hub = getHub();

/** A snapshot of an Event (see `Event.statistics()`). */
export interface EventStatistics {
  /** Whether the flag is set. */
  set: boolean;
  /** Parked waiters plus registered link callbacks. */
  waiters: number;
}

/** A snapshot of an AsyncResult (see `AsyncResult.statistics()`). */
export interface AsyncResultStatistics {
  /** `'unset'` until `set`/`setException`, then `'value'` or `'exception'`. */
  state: 'unset' | 'value' | 'exception';
  /** Parked waiters plus registered link callbacks. */
  waiters: number;
}

/**
 * A flag greenlets wait on. `set()` wakes every waiter (after the setter yields); `clear()`
 * resets it. gevent's (and threading's) Event.
 *
 * @example
 * const ready = new Event();
 * spawn(function* () { yield* sleep(0.1); ready.set(); });
 * yield* ready.wait(); // true
 */
export class Event extends Linkable {
  private flag = false;

  /** Sets the flag and wakes every waiter. Does not switch: they run once the caller yields. */
  set(): void {
    this.flag = true;
    this._notifyLinks(hub.current === null);
  }

  clear(): void {
    this.flag = false;
  }

  isSet(): boolean {
    return this.flag;
  }

  ready(): boolean {
    return this.flag;
  }

  /** Waits until the flag is set; returns it (true), or false if `timeout` seconds pass first. */
  wait(timeout?: number | null): Op<boolean> {
    return new EventWaitOp(this, validateTimeout(timeout));
  }

  /**
   * A cheap, read-only snapshot for debugging and dashboards.
   *
   * @example
   * const ready = new Event();
   * spawn(function* () { yield* ready.wait(); });
   * yield* sleep(0);
   * ready.statistics(); // { set: false, waiters: 1 }
   */
  statistics(): EventStatistics {
    return { set: this.flag, waiters: this.linkCount() };
  }

  override toString(): string {
    return `<Event ${this.flag ? 'set' : 'clear'} waiters=${this.linkCount()}>`;
  }
}

class EventWaitOp extends WaitOp<boolean> implements LinkWaiter {
  constructor(
    private readonly event: Event,
    timeout: number | null | undefined,
  ) {
    super();
    this.timeoutSeconds = timeout;
  }
  protected tryNow(): boolean | typeof MUST_WAIT {
    return this.event.isSet() ? true : MUST_WAIT;
  }
  protected enlist(): void {
    this.event._addWaiter(this);
  }
  protected delist(): void {
    this.event._removeWaiter(this);
  }
  linkReady(): void {
    this.wakeWith(true);
  }
  protected override onTimeout(): void {
    this.wakeWith(false);
  }
  protected describe(): string {
    return String(this.event);
  }
}

const UNSET = 0;
const VALUE = 1;
const ERROR = 2;
const RESULT_STATES = ['unset', 'value', 'exception'] as const;

/**
 * A one-time value or exception that greenlets wait for (a future). Thenable: `await ar` works
 * from plain async code. `set` may be called again: the value is overwritten.
 *
 * @example
 * const result = new AsyncResult<number>();
 * spawn(function* () { yield* sleep(0.1); result.set(42); });
 * const v = yield* result.get(); // 42
 */
export class AsyncResult<T = unknown> extends Linkable implements PromiseLike<T> {
  private state = UNSET;
  private _value: T | undefined = undefined;
  private _exception: unknown = undefined;

  /** Stores `value` and wakes every waiter. */
  set(value?: T): void {
    this.state = VALUE;
    this._value = value;
    this._exception = undefined;
    this._notifyLinks(hub.current === null);
  }

  /** Stores `error`: waiters' `get()` raises it. */
  setException(error: unknown): void {
    this.state = ERROR;
    this._value = undefined;
    this._exception = error;
    this._notifyLinks(hub.current === null);
  }

  ready(): boolean {
    return this.state !== UNSET;
  }

  successful(): boolean {
    return this.state === VALUE;
  }

  get value(): T | undefined {
    return this._value;
  }

  get exception(): unknown {
    return this._exception;
  }

  /**
   * Waits for the outcome: returns the value or raises the exception. With `block: false` or an
   * expired `timeout` it raises `Timeout`.
   */
  get(options: { block?: boolean; timeout?: number | null } = {}): Op<T> {
    return new ResultGetOp(this, options.block ?? true, validateTimeout(options.timeout));
  }

  /** The value or exception if ready; else raises `Timeout`. */
  getNowait(): T {
    if (this.state === UNSET) throw new Timeout(0);
    return this.outcome();
  }

  /** Waits until ready and returns the value (undefined on timeout or exception). Never raises it. */
  wait(timeout?: number | null): Op<T | undefined> {
    return new ResultWaitOp(this, validateTimeout(timeout));
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const promise = new Promise<T>((resolve, reject) => {
      const settle = () =>
        this.state === VALUE ? resolve(this._value as T) : reject(this._exception);
      if (this.ready()) settle();
      else (this._links ??= []).push(settle);
    });
    return promise.then(onfulfilled, onrejected);
  }

  /** @internal */
  outcome(): T {
    if (this.state === ERROR) throw this._exception;
    return this._value as T;
  }

  /**
   * A cheap, read-only snapshot for debugging and dashboards.
   *
   * @example
   * const result = new AsyncResult<number>();
   * result.set(42);
   * result.statistics(); // { state: 'value', waiters: 0 }
   */
  statistics(): AsyncResultStatistics {
    return { state: RESULT_STATES[this.state]!, waiters: this.linkCount() };
  }

  override toString(): string {
    const what = ['unset', 'value', 'exception'][this.state];
    return `<AsyncResult ${what} waiters=${this.linkCount()}>`;
  }
}

class ResultWaitOp<T> extends WaitOp<T | undefined> implements LinkWaiter {
  constructor(
    protected readonly result: AsyncResult<T>,
    timeout: number | null | undefined,
  ) {
    super();
    this.timeoutSeconds = timeout;
  }
  protected tryNow(): T | undefined | typeof MUST_WAIT {
    return this.result.ready() ? this.result.value : MUST_WAIT;
  }
  protected enlist(): void {
    this.result._addWaiter(this);
  }
  protected delist(): void {
    this.result._removeWaiter(this);
  }
  linkReady(): void {
    this.wakeWith(undefined);
  }
  protected override resumed(): T | undefined {
    return this.result.value;
  }
  protected describe(): string {
    return String(this.result);
  }
}

class ResultGetOp<T> extends WaitOp<T> implements LinkWaiter {
  constructor(
    private readonly result: AsyncResult<T>,
    private readonly block: boolean,
    private readonly timeout: number | null | undefined,
  ) {
    super();
    this.timeoutSeconds = timeout;
  }
  protected tryNow(): T | typeof MUST_WAIT {
    if (this.result.ready()) return this.result.outcome();
    if (!this.block) throw new Timeout(0);
    return MUST_WAIT;
  }
  protected enlist(): void {
    this.result._addWaiter(this);
  }
  protected delist(): void {
    this.result._removeWaiter(this);
  }
  linkReady(): void {
    this.wakeWith(undefined);
  }
  protected override resumed(): T {
    if (this.result.ready()) return this.result.outcome();
    throw new Timeout(this.timeout);
  }
  protected describe(): string {
    return String(this.result);
  }
}
