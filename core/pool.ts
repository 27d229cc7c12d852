/**
 * Group (a set of greenlets managed together) and Pool (a Group with a size limit). Layer:
 * primitives.
 */

import { PoolFull } from './errors.ts';
import { Event } from './event.ts';
import { type AnyFn, type BodyResult, Greenlet, type Op } from './greenlet.ts';
import { getHub } from './hub.ts';
import {
  argSource,
  type IterablesOf,
  MapIterator,
  type MapOptions,
  mapArguments,
  type OpIterator,
} from './imap.ts';
import {
  describeValue,
  isThenable,
  validateFunction,
  validateTimeout,
} from './internal/validators.ts';
import { DoneOp } from './internal/wait-op.ts';
import { DummySemaphore, Semaphore } from './lock.ts';
import type { Queue, StopMarker } from './queue.ts';
import { joinall, killall } from './wait.ts';

export type { MapOptions, OpIterator } from './imap.ts';

const hub = getHub();

/** A snapshot of a Group or Pool (see `BaseGroup.statistics()`). */
export interface GroupStatistics {
  /** The class name: `'Group'` or `'Pool'`. */
  kind: string;
  /** Live greenlets in the group. */
  size: number;
  /** Pool only: the size limit (null: unlimited). */
  maxsize?: number | null;
  /** Pool only: free slots (Infinity when unlimited). */
  free?: number;
  /** Pool only: greenlets parked waiting for a slot (`spawn`, `add`). */
  waiters?: number;
}

/**
 * What Group and Pool share: a set of live greenlets to join, kill and map over. (Group's
 * `spawn` returns the greenlet; Pool's returns an Op, since it may have to wait for a slot.)
 */
export abstract class BaseGroup {
  /** The live greenlets, in the order they were added. */
  readonly greenlets = new Set<Greenlet<any>>();
  protected readonly emptyEvent = new Event();
  private readonly onDeath = (g: Greenlet<any>) => this.discard(g);

  constructor(greenlets?: Iterable<Greenlet<any>>) {
    this.emptyEvent.set();
    if (greenlets !== undefined) for (const g of greenlets) this.track(g);
  }

  /** Number of live greenlets. */
  get size(): number {
    return this.greenlets.size;
  }

  has(g: Greenlet<any>): boolean {
    return this.greenlets.has(g);
  }

  /** Spawns `fn(...args)` into the group. */
  abstract spawn<F extends AnyFn>(
    fn: F,
    ...args: Parameters<F>
  ): Greenlet<BodyResult<ReturnType<F>>> | Op<Greenlet<BodyResult<ReturnType<F>>>>;

  /** Adds a greenlet; it leaves the group when it dies. */
  abstract add(
    g: Greenlet<any>,
    options?: { blocking?: boolean; timeout?: number | null },
  ): void | Op<void>;

  /** Removes a greenlet (it keeps running). */
  discard(g: Greenlet<any>): void {
    if (!this.greenlets.delete(g)) return;
    g.unlink(this.onDeath);
    this.released();
    if (this.greenlets.size === 0) this.emptyEvent.set();
  }

  /**
   * Waits until the group is empty: true, or false if `timeout` expires. With `raiseError`, then
   * raises the exception of the first greenlet (in the group's order) that failed.
   */
  *join(
    options: { timeout?: number | null; raiseError?: boolean } = {},
  ): Generator<unknown, boolean, unknown> {
    const watched = options.raiseError ? [...this.greenlets] : [];
    const empty = yield* this.emptyEvent.wait(validateTimeout(options.timeout));
    for (const g of watched) if (g.dead && !g.successful()) throw g.exception;
    return empty;
  }

  /**
   * Kills every greenlet in the group. Acts at once; iterating waits until the group is empty
   * (at most `timeout` seconds; greenlets that ignore the kill stay, without an error). Like
   * gevent, greenlets that join the group meanwhile (a `finally` that spawns a replacement) are
   * killed too, each once.
   */
  kill(options: { exception?: unknown; block?: boolean; timeout?: number | null } = {}): Op<void> {
    const timeout = validateTimeout(options.timeout);
    const dying = new Set<Greenlet<any>>();
    this.killNewMembers(dying, options.exception);
    if (options.block === false) return new DoneOp(undefined);
    return this.killUntilEmpty(dying, options.exception, timeout);
  }

  /** Kills (without waiting) the members not in `dying`, and adds them to it. */
  private killNewMembers(dying: Set<Greenlet<any>>, exception: unknown): void {
    const fresh: Greenlet<any>[] = [];
    for (const g of this.greenlets) {
      if (dying.has(g)) continue;
      dying.add(g);
      fresh.push(g);
    }
    if (fresh.length > 0) killall(fresh, { exception, block: false });
  }

  private *killUntilEmpty(
    dying: Set<Greenlet<any>>,
    exception: unknown,
    timeout: number | null | undefined,
  ): Generator<unknown, void, unknown> {
    const deadline = timeout === null || timeout === undefined ? null : now() + timeout;
    while (this.greenlets.size > 0) {
      this.killNewMembers(dying, exception);
      const left = deadline === null ? null : deadline - now();
      if (left !== null && left <= 0) return;
      const members = [...this.greenlets];
      const dead = yield* joinall(members, { timeout: left });
      if (dead.length < members.length) return; // the timeout expired
    }
  }

  /** Kills one greenlet of the group. */
  killone(
    g: Greenlet<any>,
    options: { exception?: unknown; block?: boolean; timeout?: number | null } = {},
  ): Op<void> {
    if (!this.greenlets.has(g)) return new DoneOp(undefined);
    return g.kill(options.exception, options);
  }

  /** Runs `fn(...args)` in the group and returns its result (directly if already in the group). */
  *apply<F extends AnyFn>(
    fn: F,
    args: Parameters<F> = [] as unknown as Parameters<F>,
  ): Generator<unknown, BodyResult<ReturnType<F>>, unknown> {
    validateFunction(fn, 'apply(fn)');
    if (hub.current !== null && this.greenlets.has(hub.current as Greenlet<any>)) {
      // Re-entrant: calling into a full pool from inside it would deadlock.
      const out = fn(...args);
      return (
        isIterator(out) ? yield* iterable(out) : isThenable(out) ? yield out : out
      ) as BodyResult<ReturnType<F>>;
    }
    const g = yield* this.spawnOp(fn, args);
    return yield* g.get();
  }

  /**
   * Starts `fn(...args)` without waiting for it; `callback(result)` runs when it succeeds.
   * On a full Pool the work waits for a slot in a helper greenlet, so the caller never blocks.
   */
  applyAsync<F extends AnyFn>(
    fn: F,
    args: Parameters<F> = [] as unknown as Parameters<F>,
    callback?: (result: BodyResult<ReturnType<F>>) => void,
  ): Greenlet<BodyResult<ReturnType<F>>> {
    validateFunction(fn, 'applyAsync(fn)');
    if (callback !== undefined) validateFunction(callback, 'applyAsync(fn, args, callback)');
    if (this.mustDeferSpawn()) {
      const self = this;
      const helper = new Greenlet<BodyResult<ReturnType<F>>>(function* applyLater() {
        const result = yield* self.apply(fn, args);
        callback?.(result);
        return result;
      });
      helper.start();
      return helper;
    }
    const g = new Greenlet<BodyResult<ReturnType<F>>>(fn, ...args);
    this.track(g);
    g.start();
    if (callback !== undefined)
      g.linkValue((done) => callback(done.value as BodyResult<ReturnType<F>>));
    return g;
  }

  /**
   * Runs `fn` over `items` concurrently (within a Pool's size); results in input order; raises
   * the first error in input order.
   *
   * @example
   * const pages = yield* new Pool(4).map(fetchPage, urls);
   */
  *map<I, R>(
    fn: (item: I) => R,
    items: Iterable<I> | Queue<I | StopMarker>,
  ): Generator<unknown, BodyResult<R>[], unknown> {
    const it = this.imap(fn, items);
    const out: BodyResult<R>[] = [];
    for (;;) {
      const r = yield* it.next();
      if (r.done) return out;
      out.push(r.value);
    }
  }

  /**
   * Like `map`, but iterated by Op, yielding results in input order as they are ready. The work
   * starts at the call and keeps a Pool full. With several iterables, `fn` takes one item of
   * each (Python's `map(fn, *iterables)`: it stops at the shortest). `maxsize` bounds the items
   * started but not yet taken by `next()`. A failed item raises from its `next()`, and
   * iteration goes on; an error of the input iterable raises from `next()` and ends it. An
   * input may be a Queue: its items are taken as they come, until `StopIteration` is put.
   *
   * @example
   * const it = pool.imap((a: number, b: number) => a + b, [1, 2], [10, 20]);
   * for (let r = yield* it.next(); !r.done; r = yield* it.next()) console.log(r.value); // 11, 22
   */
  imap<I, R>(
    fn: (item: I) => R,
    items: Iterable<I> | Queue<I | StopMarker>,
    options?: MapOptions,
  ): OpIterator<BodyResult<R>>;
  imap<A extends unknown[], R>(
    fn: (...args: A) => R,
    ...iterables: [...IterablesOf<A>] | [...IterablesOf<A>, MapOptions]
  ): OpIterator<BodyResult<R>>;
  imap(fn: AnyFn, ...rest: unknown[]): OpIterator<unknown> {
    return this.startMap('imap', fn, rest, true);
  }

  /**
   * Like `imap`, but yields results in completion order.
   *
   * @example
   * const it = new Group().imapUnordered(nap, [0.2, 0.1]); // yields 0.1, then 0.2
   */
  imapUnordered<I, R>(
    fn: (item: I) => R,
    items: Iterable<I> | Queue<I | StopMarker>,
    options?: MapOptions,
  ): OpIterator<BodyResult<R>>;
  imapUnordered<A extends unknown[], R>(
    fn: (...args: A) => R,
    ...iterables: [...IterablesOf<A>] | [...IterablesOf<A>, MapOptions]
  ): OpIterator<BodyResult<R>>;
  imapUnordered(fn: AnyFn, ...rest: unknown[]): OpIterator<unknown> {
    return this.startMap('imapUnordered', fn, rest, false);
  }

  private startMap(method: string, fn: unknown, rest: unknown[], ordered: boolean) {
    const { iterables, maxsize } = mapArguments(method, fn, rest);
    return new MapIterator(this, fn as AnyFn, argSource(iterables), ordered, maxsize);
  }

  /**
   * A cheap, read-only snapshot for debugging and dashboards.
   *
   * @example
   * const group = new Group();
   * group.spawn(function* () { yield* sleep(1); });
   * group.statistics(); // { kind: 'Group', size: 1 }
   */
  statistics(): GroupStatistics {
    return { kind: this.constructor.name, size: this.size };
  }

  toString(): string {
    return `<${this.constructor.name} size=${this.size}>`;
  }

  /** @internal Spawns into the group, waiting for room in a Pool. */
  *spawnOp<F extends AnyFn>(
    fn: F,
    args: unknown[],
  ): Generator<unknown, Greenlet<BodyResult<ReturnType<F>>>, unknown> {
    const out = this.spawn(fn, ...(args as Parameters<F>));
    return out instanceof Greenlet ? out : yield* out;
  }

  protected track(g: Greenlet<any>): void {
    if (!(g instanceof Greenlet))
      throw new TypeError(`add(greenlet): expected a Greenlet, got ${describeValue(g)}`);
    if (this.greenlets.has(g)) return;
    this.greenlets.add(g);
    this.emptyEvent.clear();
    g.rawlink(this.onDeath);
  }

  /** Hook: a greenlet left (Pool frees its slot). */
  protected released(): void {}

  /** Hook: whether applyAsync must not spawn in the caller (a full Pool). */
  protected mustDeferSpawn(): boolean {
    return false;
  }
}

/**
 * A set of greenlets: spawn into it, join or kill them together, map over items.
 *
 * @example
 * const group = new Group();
 * for (const url of urls) group.spawn(fetchPage, url);
 * yield* group.join();
 */
export class Group extends BaseGroup {
  /** Spawns `fn(...args)` into the group and returns the greenlet. */
  override spawn<F extends AnyFn>(
    fn: F,
    ...args: Parameters<F>
  ): Greenlet<BodyResult<ReturnType<F>>> {
    validateFunction(fn, 'spawn(fn)');
    const g = new Greenlet<BodyResult<ReturnType<F>>>(fn, ...args);
    this.track(g);
    g.start();
    return g;
  }

  /** Adds a greenlet; it leaves the group when it dies. */
  override add(g: Greenlet<any>): void {
    this.track(g);
  }
}

/**
 * A Group with at most `size` greenlets: `spawn` waits for a free slot (FIFO).
 * `new Pool()` / `new Pool(null)` is unlimited; `new Pool(0)` is always full.
 *
 * @example
 * const pool = new Pool(10);
 * for (const host of hosts) yield* pool.spawn(resolve, host); // waits while 10 are running
 * yield* pool.join();
 */
export class Pool extends BaseGroup {
  /** The size limit (null: unlimited). */
  readonly maxsize: number | null;
  private readonly slots: Semaphore;

  constructor(size?: number | null) {
    super();
    if (
      size !== undefined &&
      size !== null &&
      (typeof size !== 'number' || !Number.isInteger(size))
    ) {
      throw new TypeError(
        `Pool(size): size must be an integer or null, got ${describeValue(size)}`,
      );
    }
    if (typeof size === 'number' && size < 0)
      throw new RangeError(`Pool(size): size must be >= 0, got ${size}`);
    this.maxsize = size ?? null;
    this.slots = size === undefined || size === null ? new DummySemaphore() : new Semaphore(size);
  }

  /** Free slots (Infinity when unlimited). */
  freeCount(): number {
    return this.maxsize === null ? Number.POSITIVE_INFINITY : this.maxsize - this.size;
  }

  full(): boolean {
    return this.freeCount() <= 0;
  }

  /** Waits until a slot is free (without taking it); returns the free count (0 on timeout). */
  *waitAvailable(timeout?: number | null): Generator<unknown, number, unknown> {
    if (this.maxsize === null) return Number.POSITIVE_INFINITY;
    yield* this.slots.wait(validateTimeout(timeout));
    return this.freeCount();
  }

  /**
   * Spawns `fn(...args)` into the pool. Acts at once when a slot is free (the Op is already
   * done); otherwise iterating the Op waits for a slot, then spawns.
   */
  override spawn<F extends AnyFn>(
    fn: F,
    ...args: Parameters<F>
  ): Op<Greenlet<BodyResult<ReturnType<F>>>> {
    validateFunction(fn, 'spawn(fn)');
    const make = () => {
      const g = new Greenlet<BodyResult<ReturnType<F>>>(fn, ...args);
      this.trackWithSlot(g);
      g.start();
      return g;
    };
    if (this.slots.counter > 0 && this.slots.acquirers.size === 0) {
      this.slots.acquire(); // free: taken synchronously
      return new DoneOp(make());
    }
    const slots = this.slots;
    return (function* spawnWhenFree() {
      yield* slots.acquire();
      return make();
    })();
  }

  /**
   * Adds a greenlet, waiting for a slot; raises `PoolFull` when `blocking` is false or `timeout`
   * expires first.
   */
  override add(
    g: Greenlet<any>,
    options: { blocking?: boolean; timeout?: number | null } = {},
  ): Op<void> {
    if (this.greenlets.has(g)) return new DoneOp(undefined);
    if (this.slots.counter > 0 && this.slots.acquirers.size === 0) {
      this.slots.acquire(); // a free slot: added at once, like Group.add
      this.trackWithSlot(g);
      return new DoneOp(undefined);
    }
    const self = this;
    const acquire = this.slots.acquire(options);
    return (function* addWhenFree() {
      if (!(yield* acquire)) throw new PoolFull();
      self.trackWithSlot(g);
    })();
  }

  /** Adds `g` (waiting for a slot like `add`) and starts it. */
  *start(
    g: Greenlet<any>,
    options: { blocking?: boolean; timeout?: number | null } = {},
  ): Generator<unknown, void, unknown> {
    yield* this.add(g, options);
    g.start();
  }

  /**
   * The Group snapshot plus `maxsize`, `free` slots and `waiters` (greenlets waiting for a slot).
   *
   * @example
   * const pool = new Pool(2);
   * yield* pool.spawn(function* () { yield* sleep(1); });
   * pool.statistics(); // { kind: 'Pool', size: 1, maxsize: 2, free: 1, waiters: 0 }
   */
  override statistics(): GroupStatistics {
    return {
      ...super.statistics(),
      maxsize: this.maxsize,
      free: this.freeCount(),
      waiters: this.slots.acquirers.size,
    };
  }

  protected override track(g: Greenlet<any>): void {
    // A Group-level add (from the constructor) takes a slot without waiting.
    this.slots.acquire({ blocking: false });
    this.trackWithSlot(g);
  }

  private trackWithSlot(g: Greenlet<any>): void {
    super.track(g);
  }

  protected override released(): void {
    this.slots.release();
  }

  protected override mustDeferSpawn(): boolean {
    return this.full() || this.slots.acquirers.size > 0;
  }
}

/** The monotonic clock, in seconds. */
function now(): number {
  return performance.now() / 1000;
}

function isIterator(value: unknown): value is Iterator<unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Iterator<unknown>).next === 'function'
  );
}

function iterable<T>(it: Iterator<unknown, T, unknown>): Iterable<unknown, T, unknown> {
  return { [Symbol.iterator]: () => it };
}
