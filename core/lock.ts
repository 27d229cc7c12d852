/**
 * Semaphore, BoundedSemaphore, Lock, RLock and DummySemaphore. Layer: primitives.
 *
 * Fair (FIFO): `release()` hands its permit straight to the longest waiter instead of bumping
 * the counter, so a greenlet arriving later cannot overtake one that is already waiting.
 */

import type { Op } from './greenlet.ts';
import { getHub, type Runnable } from './hub.ts';
import { Linkable, type LinkWaiter } from './internal/linkable.ts';
import { validateCount, validateTimeout } from './internal/validators.ts';
import { DoneOp, MUST_WAIT, WaitOp } from './internal/wait-op.ts';
import { WaiterList } from './internal/waiter-list.ts';

const hub = getHub();
const ACQUIRED = new DoneOp(true);
const NOT_ACQUIRED = new DoneOp(false);

export interface AcquireOptions {
  /** Wait for a permit (default true); false returns false at once when none is free. */
  blocking?: boolean;
  /** Seconds to wait before giving up (returns false). */
  timeout?: number | null;
}

/** A snapshot of a Semaphore, BoundedSemaphore or Lock (see `Semaphore.statistics()`). */
export interface SemaphoreStatistics {
  /** The class name: `'Semaphore'`, `'Lock'`... */
  kind: string;
  /** Free permits. */
  counter: number;
  /** True when no permit is free. */
  locked: boolean;
  /** Greenlets parked in `acquire()`. */
  waiters: number;
  /** Greenlets parked in `wait()` plus link callbacks. */
  watchers: number;
  /** BoundedSemaphore and Lock only: the most permits there can be. */
  bound?: number;
}

/** A snapshot of an RLock (see `RLock.statistics()`). */
export interface RLockStatistics {
  kind: 'RLock';
  locked: boolean;
  /** The owning greenlet's name (null when free, or held from plain code). */
  owner: string | null;
  /** How many times the owner holds it. */
  count: number;
  /** Greenlets parked in `acquire()`. */
  waiters: number;
}

/**
 * A counting semaphore. `acquire()` takes a permit, waiting while none is free; `release()`
 * gives one back.
 *
 * @example
 * const sem = new Semaphore(2);
 * yield* sem.acquire();
 * try { yield* doWork(); } finally { sem.release(); }
 */
export class Semaphore extends Linkable {
  protected _counter: number;
  /** @internal */ readonly acquirers = new WaiterList<AcquireOp>();

  constructor(value = 1) {
    super();
    validateCount(value, 'Semaphore(value)');
    this._counter = value;
  }

  /** Free permits. */
  get counter(): number {
    return this._counter;
  }

  /** True when no permit is free. */
  locked(): boolean {
    return this._counter <= 0;
  }

  ready(): boolean {
    return this._counter > 0;
  }

  /**
   * Takes a permit: true, or false when `blocking` is false or `timeout` expires first. Takes
   * it at once when one is free (the returned Op is already done).
   */
  acquire(options?: AcquireOptions): Op<boolean> {
    if (this._counter > 0) {
      this._counter--;
      return ACQUIRED;
    }
    const timeout = validateTimeout(options?.timeout);
    if (options?.blocking === false || timeout === 0) return NOT_ACQUIRED;
    return new AcquireOp(this, timeout);
  }

  /** Gives a permit back: to the longest waiter if there is one. */
  release(): void {
    const waiter = this.acquirers.shift();
    if (waiter !== undefined) {
      waiter.grant();
      return;
    }
    this._counter++;
    this._notifyLinks(hub.current === null);
  }

  /** Waits until a permit is free, without taking it; returns the counter. */
  wait(timeout?: number | null): Op<number> {
    return new SemaphoreWaitOp(this, validateTimeout(timeout));
  }

  /** Acquires, runs `body`, and releases even if it throws (Python's `with sem:`). */
  *hold<R>(body: () => Op<R>): Generator<unknown, R, unknown> {
    yield* this.acquire();
    try {
      return yield* body();
    } finally {
      this.release();
    }
  }

  /**
   * A cheap, read-only snapshot for debugging and dashboards.
   *
   * @example
   * const sem = new Semaphore(2);
   * yield* sem.acquire();
   * sem.statistics(); // { kind: 'Semaphore', counter: 1, locked: false, waiters: 0, watchers: 0 }
   */
  statistics(): SemaphoreStatistics {
    return {
      kind: this.constructor.name,
      counter: this.counter,
      locked: this.locked(),
      waiters: this.acquirers.size,
      watchers: this.linkCount(),
    };
  }

  override toString(): string {
    return `<${this.constructor.name} counter=${this._counter} waiters=${this.acquirers.size}>`;
  }
}

/** @internal */
class AcquireOp extends WaitOp<boolean> {
  constructor(
    private readonly sem: Semaphore,
    timeout: number | null | undefined,
  ) {
    super();
    this.timeoutSeconds = timeout;
  }
  grant(): void {
    this.wakeWith(true);
  }
  protected tryNow(): typeof MUST_WAIT {
    return MUST_WAIT;
  }
  protected enlist(): void {
    this.sem.acquirers.push(this);
  }
  protected delist(): void {
    this.sem.acquirers.remove(this);
  }
  protected override onTimeout(): void {
    this.wakeWith(false);
  }
  protected describe(): string {
    return String(this.sem);
  }
}

class SemaphoreWaitOp extends WaitOp<number> implements LinkWaiter {
  constructor(
    private readonly sem: Semaphore,
    timeout: number | null | undefined,
  ) {
    super();
    this.timeoutSeconds = timeout;
  }
  protected tryNow(): number | typeof MUST_WAIT {
    return this.sem.counter > 0 ? this.sem.counter : MUST_WAIT;
  }
  protected enlist(): void {
    this.sem._addWaiter(this);
  }
  protected delist(): void {
    this.sem._removeWaiter(this);
  }
  linkReady(): void {
    this.wakeWith(undefined);
  }
  protected override resumed(): number {
    return this.sem.counter;
  }
  protected describe(): string {
    return String(this.sem);
  }
}

/** A Semaphore that refuses to be released above its starting value (RangeError). */
export class BoundedSemaphore extends Semaphore {
  private readonly initial: number;

  constructor(value = 1) {
    super(value);
    this.initial = value;
  }

  /**
   * The Semaphore snapshot plus `bound`, the starting value it may not be released above.
   *
   * @example
   * new Lock().statistics(); // { kind: 'Lock', counter: 1, locked: false, ..., bound: 1 }
   */
  override statistics(): SemaphoreStatistics {
    return { ...super.statistics(), bound: this.initial };
  }

  override release(): void {
    if (this._counter >= this.initial && this.acquirers.size === 0) {
      throw new RangeError('Semaphore released too many times');
    }
    super.release();
  }
}

/** A mutual-exclusion lock: a BoundedSemaphore of 1. */
export class Lock extends BoundedSemaphore {
  constructor() {
    super(1);
  }
}

/**
 * A re-entrant lock: its owner may acquire it again; it is free once released as many times.
 * Releasing it from another greenlet throws.
 */
export class RLock {
  private readonly sem = new Semaphore(1);
  private owner: Runnable | null = null;
  private count = 0;

  acquire(options?: AcquireOptions): Op<boolean> {
    const me = hub.current;
    if (me !== null && this.owner === me) {
      this.count++;
      return ACQUIRED;
    }
    return this.acquireSlow(me, options);
  }

  private *acquireSlow(
    me: Runnable | null,
    options?: AcquireOptions,
  ): Generator<unknown, boolean, unknown> {
    const acquired = yield* this.sem.acquire(options);
    if (acquired) {
      this.owner = me;
      this.count = 1;
    }
    return acquired;
  }

  release(): void {
    if (this.owner !== hub.current || this.count === 0) {
      throw new Error(
        'cannot release un-acquired lock (RLock is owned by another greenlet or free)',
      );
    }
    if (--this.count === 0) {
      this.owner = null;
      this.sem.release();
    }
  }

  locked(): boolean {
    return this.sem.locked();
  }

  /** Acquires, runs `body`, and releases even if it throws. */
  *hold<R>(body: () => Op<R>): Generator<unknown, R, unknown> {
    yield* this.acquire();
    try {
      return yield* body();
    } finally {
      this.release();
    }
  }

  /**
   * A cheap, read-only snapshot for debugging and dashboards.
   *
   * @example
   * const lock = new RLock();
   * yield* lock.acquire();
   * yield* lock.acquire();
   * lock.statistics(); // { kind: 'RLock', locked: true, owner: 'Greenlet-1', count: 2, waiters: 0 }
   */
  statistics(): RLockStatistics {
    const owner = this.owner as (Runnable & { name?: unknown }) | null;
    return {
      kind: 'RLock',
      locked: this.locked(),
      owner: owner === null ? null : String(owner.name ?? owner),
      count: this.count,
      waiters: this.sem.acquirers.size,
    };
  }

  toString(): string {
    return `<RLock owner=${this.owner === null ? 'none' : String(this.owner)} count=${this.count}>`;
  }
}

/** A Semaphore that never blocks (gevent's DummySemaphore): for "no limit" in place of a lock. */
export class DummySemaphore extends Semaphore {
  constructor(_value?: number) {
    super(1);
  }
  override get counter(): number {
    return 1;
  }
  override locked(): boolean {
    return false;
  }
  override ready(): boolean {
    return true;
  }
  override acquire(_options?: AcquireOptions): Op<boolean> {
    return ACQUIRED;
  }
  override release(): void {}
  override wait(_timeout?: number | null): Op<number> {
    return new DoneOp(1);
  }
}
