/**
 * Queues: Queue (FIFO), LifoQueue, PriorityQueue, SimpleQueue, JoinableQueue, and Channel (a
 * rendezvous). Layer: primitives.
 *
 * A put that finds a getter waiting hands the item straight to it (the queue is empty then);
 * a get that frees a slot moves the first waiting putter's item in. So waiters are served in
 * the order they came, and an item is never held by a greenlet that gave up waiting: a getter
 * that timed out or was killed has left the list before any item could reach it.
 */

import { Empty, Full } from './errors.ts';
import { Event } from './event.ts';
import type { Op } from './greenlet.ts';
import { validateTimeout } from './internal/validators.ts';
import { DONE, MUST_WAIT, WaitOp } from './internal/wait-op.ts';
import { WaiterList } from './internal/waiter-list.ts';

export interface BlockOptions {
  /** Wait when the queue is full/empty (default true); false raises Full/Empty at once. */
  block?: boolean;
  /** Seconds to wait before raising Full/Empty; undefined/null waits forever. */
  timeout?: number | null;
}

/** A snapshot of a queue (see `Queue.statistics()`). */
export interface QueueStatistics {
  /** The class name: `'Queue'`, `'LifoQueue'`, `'Channel'`... */
  kind: string;
  /** Items held now (always 0 for a Channel). */
  size: number;
  /** The bound (null: unbounded). */
  maxsize: number | null;
  /** Greenlets parked in `get()`. */
  getters: number;
  /** Greenlets parked in `put()` (with their items). */
  putters: number;
  /** Greenlets parked in `peek()`. */
  peekers: number;
  /** JoinableQueue only: items put and not yet marked with `taskDone()`. */
  unfinished?: number;
}

function normalizeMaxsize(maxsize: unknown): number | null {
  if (maxsize === undefined || maxsize === null) return null;
  if (typeof maxsize !== 'number' || !Number.isInteger(maxsize)) {
    throw new TypeError(
      `Queue(maxsize): maxsize must be an integer or null, got ${typeof maxsize}`,
    );
  }
  if (maxsize === 0) {
    process.emitWarning(
      'Queue(0) now equivalent to Queue(null); if you want a channel, use Channel',
      'DeprecationWarning',
    );
    return null;
  }
  return maxsize < 0 ? null : maxsize;
}

/**
 * A FIFO queue. `maxsize` undefined/null (or <= 0) means unbounded.
 *
 * @example
 * const q = new Queue<number>(10);
 * spawn(function* () { for (let i = 0; i < 3; i++) yield* q.put(i); });
 * const first = yield* q.get(); // 0
 */
export class Queue<T> {
  readonly maxsize: number | null;
  /** @internal */ readonly getters = new WaiterList<GetOp<T>>();
  /** @internal */ readonly putters = new WaiterList<PutOp<T>>();
  /** @internal */ readonly peekers = new WaiterList<GetOp<T>>();

  constructor(maxsize?: number | null, items?: Iterable<T>) {
    this.maxsize = normalizeMaxsize(maxsize);
    this._init();
    if (items !== undefined) for (const item of items) this._put(item);
  }

  /** Number of items in the queue. */
  qsize(): number {
    return this._qsize();
  }

  /** Same as `qsize()`. */
  get length(): number {
    return this._qsize();
  }

  empty(): boolean {
    return this._qsize() === 0;
  }

  full(): boolean {
    return this.maxsize !== null && this._qsize() >= this.maxsize;
  }

  /**
   * Puts `item`, waiting while the queue is full. Acts at once when there is room (the returned
   * Op is already done); otherwise iterating the Op waits for room, raising `Full` when
   * `block` is false or `timeout` expires.
   */
  put(item: T, options?: BlockOptions): Op<void> {
    if (this.tryPut(item)) return DONE;
    const block = options?.block ?? true;
    const timeout = validateTimeout(options?.timeout);
    if (!block || timeout === 0) throw new Full();
    return new PutOp(this, item, timeout);
  }

  /** Puts `item` or raises `Full`. Works from the hub too (in callbacks). */
  putNowait(item: T): void {
    if (!this.tryPut(item)) throw new Full();
  }

  /**
   * Iterates the queue as gevent's `for item in queue` does: the next item as an iterator
   * result, waiting while the queue is empty, and `{ done: true }` once the `StopIteration`
   * marker (the class or an instance) is taken.
   *
   * @example
   * for (;;) {
   *   const r = yield* jobs.next();
   *   if (r.done) break;
   *   handle(r.value);
   * }
   * // elsewhere: jobs.putNowait(StopIteration) ends the loop
   */
  *next(): Generator<unknown, IteratorResult<Exclude<T, StopMarker>, undefined>, unknown> {
    const item = yield* this.get();
    if (item === StopIteration || item instanceof StopIteration)
      return { done: true, value: undefined };
    return { done: false, value: item as Exclude<T, StopMarker> };
  }

  /** Removes and returns the first item, waiting while the queue is empty. */
  get(options?: BlockOptions): Op<T> {
    return new GetOp(this, options?.block ?? true, validateTimeout(options?.timeout), false);
  }

  /** Removes and returns the first item or raises `Empty`. */
  getNowait(): T {
    if (this._qsize() === 0) {
      const putter = this.putters.shift();
      if (putter === undefined) throw new Empty();
      return putter.takeItem();
    }
    return this.take();
  }

  /** Returns the first item without removing it, waiting while the queue is empty. */
  peek(options?: BlockOptions): Op<T> {
    return new GetOp(this, options?.block ?? true, validateTimeout(options?.timeout), true);
  }

  /** The first item without removing it, or raises `Empty`. */
  peekNowait(): T {
    if (this._qsize() === 0) throw new Empty();
    return this._peek();
  }

  /**
   * A cheap, read-only snapshot for debugging and dashboards.
   *
   * @example
   * const q = new Queue<number>(2);
   * q.putNowait(1);
   * q.statistics(); // { kind: 'Queue', size: 1, maxsize: 2, getters: 0, putters: 0, peekers: 0 }
   */
  statistics(): QueueStatistics {
    return {
      kind: this.constructor.name,
      size: this.qsize(),
      maxsize: this.maxsize,
      getters: this.getters.size,
      putters: this.putters.size,
      peekers: this.peekers.size,
    };
  }

  toString(): string {
    const bound = this.maxsize === null ? '' : ` maxsize=${this.maxsize}`;
    return `<${this.constructor.name}${bound} qsize=${this._qsize()} getters=${this.getters.size} putters=${this.putters.size}>`;
  }

  /** @internal Puts at once if possible: to a waiting getter, or into the queue. */
  tryPut(item: T): boolean {
    if (this.peekers.size > 0) for (const peeker of this.peekers.drain()) peeker.wakeWith(item);
    const getter = this.getters.shift();
    if (getter !== undefined) {
      this._onPut(item);
      getter.wakeWith(item);
      return true;
    }
    if (this.full()) return false;
    this._onPut(item);
    this._put(item);
    return true;
  }

  /** @internal Takes the first item and lets the first waiting putter in. */
  take(): T {
    const item = this._get();
    const putter = this.putters.shift();
    if (putter !== undefined) {
      const moved = putter.takeItem();
      this._onPut(moved);
      this._put(moved);
    }
    return item;
  }

  // Storage, overridden by LifoQueue and PriorityQueue.
  protected _init(): void {
    this.items = [];
    this.head = 0;
  }
  protected items: T[] = [];
  protected head = 0;
  protected _qsize(): number {
    return this.items.length - this.head;
  }
  protected _put(item: T): void {
    this.items.push(item);
  }
  protected _get(): T {
    const items = this.items;
    const item = items[this.head]!;
    items[this.head++] = undefined as T;
    if (this.head === items.length) {
      items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  protected _peek(): T {
    return this.items[this.head]!;
  }
  /** Hook for JoinableQueue: an item entered the queue (or went straight to a getter). */
  protected _onPut(_item: T): void {}
}

/** @internal A greenlet waiting to get (or peek at) an item. */
export class GetOp<T> extends WaitOp<T> {
  constructor(
    private readonly queue: Queue<T>,
    private readonly block: boolean,
    timeout: number | null | undefined,
    private readonly peekOnly: boolean,
  ) {
    super();
    this.timeoutSeconds = timeout;
  }
  protected tryNow(): T | typeof MUST_WAIT {
    const queue = this.queue;
    if (queue.qsize() > 0) return this.peekOnly ? queue.peekNowait() : queue.take();
    if (!this.peekOnly) {
      const putter = queue.putters.shift();
      if (putter !== undefined) return putter.takeItem(); // a Channel: take straight from a putter
    }
    if (!this.block || this.timeoutSeconds === 0) throw new Empty();
    return MUST_WAIT;
  }
  protected enlist(): void {
    (this.peekOnly ? this.queue.peekers : this.queue.getters).push(this);
  }
  protected delist(): void {
    (this.peekOnly ? this.queue.peekers : this.queue.getters).remove(this);
  }
  protected override onTimeout(): void {
    this.raiseWith(new Empty());
  }
  protected describe(): string {
    return String(this.queue);
  }
}

/** @internal A greenlet waiting to put an item. */
export class PutOp<T> extends WaitOp<void> {
  private taken = false;
  constructor(
    private readonly queue: Queue<T>,
    private readonly item: T,
    timeout: number | null | undefined,
  ) {
    super();
    this.timeoutSeconds = timeout;
  }
  /** Called by a getter: the item leaves this putter, which wakes. */
  takeItem(): T {
    this.taken = true;
    this.wakeWith(undefined);
    return this.item;
  }
  protected tryNow(): void | typeof MUST_WAIT {
    return this.queue.tryPut(this.item) ? undefined : MUST_WAIT;
  }
  protected enlist(): void {
    this.queue.putters.push(this);
  }
  protected delist(): void {
    if (!this.taken) this.queue.putters.remove(this);
  }
  protected override onTimeout(): void {
    this.raiseWith(new Full());
  }
  protected describe(): string {
    return String(this.queue);
  }
}

/** A last-in, first-out queue. */
export class LifoQueue<T> extends Queue<T> {
  protected override _get(): T {
    return this.items.pop()!;
  }
  protected override _peek(): T {
    return this.items[this.items.length - 1]!;
  }
}

/**
 * The marker that ends a queue's iteration (`queue.next()`), as Python's `StopIteration` put
 * into a gevent queue: put the class itself or an instance.
 */
export class StopIteration extends Error {
  override readonly name = 'StopIteration';
}

/** What a queue of items ended by `StopIteration` holds besides its items. */
export type StopMarker = typeof StopIteration | StopIteration;

export type Compare<T> = (a: T, b: T) => number;

/**
 * The default order: `<` for numbers and strings, and arrays compared item by item as Python
 * compares tuples, so `put([priority, item])` works as gevent's `put((priority, item))` (plain
 * `<` would compare arrays as strings: [10] before [9]).
 */
function naturalOrder<T>(a: T, b: T): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    const shorter = Math.min(a.length, b.length);
    for (let i = 0; i < shorter; i++) {
      const order = naturalOrder(a[i], b[i]);
      if (order !== 0) return order;
    }
    return Math.sign(a.length - b.length);
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A queue that returns the smallest item first (by `compare`, default `<`). A binary heap. */
export class PriorityQueue<T> extends Queue<T> {
  private compare: Compare<T>;

  constructor(maxsize?: number | null, compare: Compare<T> = naturalOrder, items?: Iterable<T>) {
    super(maxsize);
    if (typeof compare !== 'function') {
      throw new TypeError('PriorityQueue(maxsize, compare): compare must be a function');
    }
    this.compare = compare;
    if (items !== undefined) for (const item of items) this._put(item);
  }

  protected override _put(item: T): void {
    const heap = this.items;
    const compare = this.compare ?? naturalOrder;
    let i = heap.length;
    heap.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compare(heap[parent]!, item) <= 0) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = item;
  }

  protected override _get(): T {
    const heap = this.items;
    const top = heap[0]!;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && this.compare(heap[child + 1]!, heap[child]!) < 0) child++;
        if (this.compare(heap[child]!, last) >= 0) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }

  protected override _peek(): T {
    return this.items[0]!;
  }
}

/** An unbounded FIFO queue (gevent's SimpleQueue). */
export class SimpleQueue<T> extends Queue<T> {
  constructor(items?: Iterable<T>) {
    super(null, items);
  }
}

/**
 * A queue that counts unfinished tasks: every put adds one, `taskDone()` removes one, and
 * `join()` waits until the count is zero.
 *
 * @example
 * const q = new JoinableQueue<string>();
 * spawn(function* () { for (;;) { const job = yield* q.get(); work(job); q.taskDone(); } });
 * q.putNowait('a'); yield* q.join();
 */
export class JoinableQueue<T> extends Queue<T> {
  private unfinished = 0;
  private readonly done = new Event();

  constructor(maxsize?: number | null, items?: Iterable<T>) {
    // Initial items are loaded whatever maxsize says, as Queue (and gevent) do; each is a task.
    super(maxsize, items);
    this.unfinished = this.qsize();
    if (this.unfinished === 0) this.done.set();
  }

  get unfinishedTasks(): number {
    return this.unfinished;
  }

  /** Marks one item as processed. Raises RangeError when called more often than items were put. */
  taskDone(): void {
    if (this.unfinished <= 0) throw new RangeError('taskDone() called too many times');
    if (--this.unfinished === 0) this.done.set();
  }

  /** Waits until every item put has been marked done; false if `timeout` expires first. */
  join(timeout?: number | null): Op<boolean> {
    return this.done.wait(timeout);
  }

  /**
   * The Queue snapshot plus `unfinished`, the count `join()` waits to see reach zero.
   *
   * @example
   * const q = new JoinableQueue<string>();
   * q.putNowait('a');
   * q.statistics().unfinished; // 1
   */
  override statistics(): QueueStatistics {
    return { ...super.statistics(), unfinished: this.unfinished };
  }

  protected override _onPut(): void {
    if (this.unfinished++ === 0) this.done.clear();
  }
}

/**
 * A rendezvous: `put` waits until a getter takes the item. Holds nothing itself.
 *
 * @example
 * const ch = new Channel<string>();
 * spawn(function* () { yield* ch.put('hello'); console.log('taken'); });
 * yield* ch.get(); // 'hello'
 */
export class Channel<T> extends Queue<T> {
  constructor(maxsize = 1) {
    if (maxsize !== 1)
      throw new RangeError(`Channel(maxsize): only maxsize 1 is supported, got ${maxsize}`);
    super(null);
  }

  override qsize(): number {
    return 0;
  }

  override empty(): boolean {
    return true;
  }

  override full(): boolean {
    return true;
  }

  /** A Channel holds nothing to peek at (gevent's Channel has no peek): a TypeError. */
  override peek(): Op<T> {
    throw new TypeError('Channel has no peek(): it holds nothing (items go from put to get)');
  }

  /** See `peek()`. */
  override peekNowait(): T {
    throw new TypeError('Channel has no peekNowait(): it holds nothing (items go from put to get)');
  }

  /** @internal A Channel holds nothing: an item goes to a waiting getter or nowhere. */
  override tryPut(item: T): boolean {
    const getter = this.getters.shift();
    if (getter === undefined) return false;
    getter.wakeWith(item);
    return true;
  }
}
