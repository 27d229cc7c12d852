/**
 * Waiting on many things at once: joinall, wait, iwait, killall; and withTimeout, until, run.
 * Layer: scheduler.
 */

import { GreenletExit } from './errors.ts';
import { Greenlet, type Op, type OpLike } from './greenlet.ts';
import { getHub } from './hub.ts';
import type { LinkCallback } from './internal/linkable.ts';
import {
  describeValue,
  isOp,
  isThenable,
  validateFunction,
  validateSeconds,
  validateTimeout,
} from './internal/validators.ts';
import { DONE, MUST_WAIT, WaitOp } from './internal/wait-op.ts';
import { Timeout } from './timeout.ts';

const hub = getHub();

/** Anything `wait`/`iwait` accept: Greenlet, Event, AsyncResult, Semaphore, Popen... */
export interface Waitable {
  ready(): boolean;
  rawlink(callback: LinkCallback<any>): void;
  unlink(callback: LinkCallback<any>): void;
}

export interface WaitOptions {
  /** Seconds to wait in all; undefined/null waits forever. */
  timeout?: number | null;
  /** Stop after this many objects are ready. */
  count?: number | null;
}

function toArray<T>(items: Iterable<T>, name: string): T[] {
  if (
    items === null ||
    items === undefined ||
    typeof (items as Iterable<T>)[Symbol.iterator] !== 'function'
  ) {
    throw new TypeError(`${name} must be an iterable, got ${describeValue(items)}`);
  }
  return Array.isArray(items) ? items : [...items];
}

function validateCountOption(count: unknown): number | null {
  if (count === undefined || count === null) return null;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw new RangeError(`count must be an integer >= 0, got ${describeValue(count)}`);
  }
  return count;
}

/**
 * Yields objects in the order they become ready. Iterate by Op:
 * `for (;;) { const r = yield* it.next(); if (r.done) break; use(r.value); }`.
 * It links to every object; `close()` (or `using`) removes the links that remain.
 *
 * @example
 * using it = iwait([g1, g2]);
 * for (;;) { const r = yield* it.next(); if (r.done) break; console.log(r.value, 'finished'); }
 */
export class IWait<T extends Waitable> {
  /** @internal Objects ready and not yet returned, in completion order. */
  readonly arrived: T[] = [];
  private taken = 0;
  private readonly limit: number;
  private readonly deadline: number | null;
  /** @internal The op of a greenlet waiting in `next()`. */
  waiter: IWaitNextOp<T> | null = null;
  private readonly linked: T[] = [];
  private readonly onReady = (obj: T) => {
    this.arrived.push(obj);
    this.waiter?.wakeWith(undefined);
  };

  constructor(objects: Iterable<T>, options: WaitOptions = {}) {
    const list = toArray(objects, 'iwait(objects)');
    const timeout = validateTimeout(options.timeout);
    const count = validateCountOption(options.count);
    this.limit = count === null ? list.length : Math.min(count, list.length);
    this.deadline =
      timeout === null || timeout === undefined ? null : performance.now() + timeout * 1000;
    for (const obj of list) {
      if (obj === null || typeof obj !== 'object' || typeof obj.rawlink !== 'function') {
        throw new TypeError(`iwait(objects): cannot wait on ${describeValue(obj)}`);
      }
      if (obj.ready()) this.arrived.push(obj);
      else {
        obj.rawlink(this.onReady);
        this.linked.push(obj);
      }
    }
  }

  /** The next ready object, or `{ done: true }` after `count` objects or at the deadline. */
  next(): Op<IteratorResult<T, undefined>> {
    return new IWaitNextOp(this);
  }

  /** @internal */
  takeNext(): IteratorResult<T, undefined> | typeof MUST_WAIT {
    if (this.taken >= this.limit) return this.finish();
    if (this.taken < this.arrived.length)
      return { done: false, value: this.arrived[this.taken++]! };
    if (this.remainingSeconds() === 0) return this.finish();
    return MUST_WAIT;
  }

  /** @internal Seconds left before the deadline (null: none). */
  remainingSeconds(): number | null {
    if (this.deadline === null) return null;
    return Math.max(0, (this.deadline - performance.now()) / 1000);
  }

  /** Removes the links to objects that have not become ready. */
  close(): void {
    for (const obj of this.linked) obj.unlink(this.onReady);
    this.linked.length = 0;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  private finish(): IteratorResult<T, undefined> {
    this.close();
    return { done: true, value: undefined };
  }
}

class IWaitNextOp<T extends Waitable> extends WaitOp<IteratorResult<T, undefined>> {
  constructor(private readonly iter: IWait<T>) {
    super();
  }
  protected tryNow(): IteratorResult<T, undefined> | typeof MUST_WAIT {
    const result = this.iter.takeNext();
    if (result === MUST_WAIT) this.timeoutSeconds = this.iter.remainingSeconds();
    return result;
  }
  protected enlist(): void {
    this.iter.waiter = this;
  }
  protected delist(): void {
    if (this.iter.waiter === this) this.iter.waiter = null;
  }
  protected override resumed(): IteratorResult<T, undefined> {
    this.delist();
    const result = this.iter.takeNext();
    // Woken by the deadline with nothing new: the iteration is over.
    if (result !== MUST_WAIT) return result;
    this.iter.close();
    return { done: true, value: undefined };
  }
  protected describe(): string {
    return `iwait() over ${this.iter.arrived.length} ready objects`;
  }
}

/** Iterates `objects` in completion order (see `IWait`). */
export function iwait<T extends Waitable>(objects: Iterable<T>, options?: WaitOptions): IWait<T> {
  return new IWait(objects, options);
}

/**
 * Waits for objects to become ready and returns those that did (in completion order), stopping
 * after `count` or at `timeout`. With no objects, waits until the loop has nothing left to do
 * and returns true (false at the timeout).
 *
 * @example
 * const done = yield* wait([g1, event, result], { timeout: 1 });
 */
export function wait<T extends Waitable>(objects: Iterable<T>, options?: WaitOptions): Op<T[]>;
export function wait(objects?: undefined | null, options?: WaitOptions): Op<boolean>;
export function wait<T extends Waitable>(
  objects?: Iterable<T> | null,
  options: WaitOptions = {},
): Op<T[] | boolean> {
  return waitOp(objects, options);
}

function* waitOp<T extends Waitable>(
  objects: Iterable<T> | null | undefined,
  options: WaitOptions,
): Generator<unknown, T[] | boolean, unknown> {
  if (objects === undefined || objects === null) return yield* hub.join(options.timeout);
  using it = new IWait(objects, options);
  const done: T[] = [];
  for (;;) {
    const r = yield* it.next();
    if (r.done) return done;
    done.push(r.value);
  }
}

export interface JoinallOptions extends WaitOptions {
  /** Raise the first exception, in completion order, of a greenlet that failed. */
  raiseError?: boolean;
}

/**
 * Waits for the greenlets to finish and returns the ones that did.
 *
 * @example
 * const jobs = urls.map((url) => spawn(fetchPage, url));
 * const finished = yield* joinall(jobs, { timeout: 2 });
 */
export function* joinall<G extends Greenlet<any>>(
  greenlets: Iterable<G>,
  options: JoinallOptions = {},
): Generator<unknown, G[], unknown> {
  const list = toArray(greenlets, 'joinall(greenlets)');
  const { timeout, count, raiseError } = options;
  if (
    !raiseError &&
    (timeout === undefined || timeout === null) &&
    (count === undefined || count === null)
  ) {
    // The common case: join each in turn (usually one park in all, since they finish
    // together), then report them in completion order, as gevent does.
    for (const g of list) if (!g.dead) yield* g.join();
    return inDeathOrder(list);
  }
  using it = new IWait(list, { timeout, count });
  const done: G[] = [];
  for (;;) {
    const r = yield* it.next();
    if (r.done) return done;
    if (raiseError && !r.value.successful()) throw r.value.exception;
    done.push(r.value);
  }
}

function inDeathOrder<G extends Greenlet<any>>(list: G[]): G[] {
  const out = list.slice();
  for (let i = 1; i < out.length; i++) {
    if (out[i]!._deathOrder < out[i - 1]!._deathOrder)
      return out.sort((a, b) => a._deathOrder - b._deathOrder);
  }
  return out;
}

/**
 * Kills every greenlet (those not started die at once). Acts at once; iterating the returned Op
 * waits until all are dead, raising `Timeout` if `timeout` expires first.
 */
export function killall(
  greenlets: Iterable<Greenlet<any>>,
  options: { exception?: unknown; block?: boolean; timeout?: number | null } = {},
): Op<void> {
  const list = toArray(greenlets, 'killall(greenlets)');
  const timeout = validateTimeout(options.timeout);
  for (const g of list) {
    if (!g.dead) g.kill(options.exception ?? new GreenletExit(), { block: false });
  }
  return options.block === false ? DONE : waitAllDead(list, timeout);
}

function* waitAllDead(
  list: Greenlet<any>[],
  timeout: number | null | undefined,
): Generator<unknown, void, unknown> {
  const alive = list.filter((g) => !g.dead);
  if (alive.length === 0) return;
  const finished = (yield* waitOp(alive, { timeout })) as Greenlet<any>[];
  if (finished.length < alive.length) throw new Timeout(timeout);
}

/** Runs `fn` (a generator function, a plain or async function, or an Op) to completion as an Op. */
function* callAsOp(fn: unknown, args: unknown[]): Generator<unknown, unknown, unknown> {
  const out = typeof fn === 'function' ? fn(...args) : fn;
  if (isOp(out)) return yield* out;
  if (isThenable(out)) return yield out;
  return out;
}

/**
 * Runs `fn(...args)` with a deadline: raises `Timeout` when `seconds` pass first, or returns
 * `timeoutValue` if the last argument is `{ timeoutValue }`.
 *
 * @example
 * const page = yield* withTimeout(2, fetchPage, url, { timeoutValue: null });
 */
export function* withTimeout(
  seconds: number,
  fn: unknown,
  ...args: unknown[]
): Generator<unknown, any, unknown> {
  validateSeconds(seconds, 'withTimeout(seconds)');
  if (typeof fn !== 'function' && !isOp(fn)) {
    throw new TypeError(
      `withTimeout(seconds, fn): fn must be a function or an Op, got ${describeValue(fn)}`,
    );
  }
  const last = args[args.length - 1];
  const hasTimeoutValue =
    last !== null &&
    typeof last === 'object' &&
    Object.hasOwn(last, 'timeoutValue') &&
    Object.keys(last).length === 1;
  const callArgs = hasTimeoutValue ? args.slice(0, -1) : args;
  const timeout = Timeout.startNew(seconds);
  try {
    return yield* callAsOp(fn, callArgs);
  } catch (error) {
    if (error === timeout && hasTimeoutValue)
      return (last as { timeoutValue: unknown }).timeoutValue;
    throw error;
  } finally {
    timeout.cancel();
  }
}

/**
 * Waits for a promise inside a greenlet: the typed form of `yield promise`.
 *
 * @example
 * const res = yield* until(fetch(url));
 */
export function* until<T>(promise: PromiseLike<T> | T): Generator<unknown, T, unknown> {
  if (!isThenable(promise)) return promise as T;
  return (yield promise) as T;
}

/**
 * Runs `fn(...args)` (or an Op) as a main greenlet from plain code and returns a promise of its
 * result. If it blocks with nothing able to wake it, the promise rejects with `LoopExit`.
 *
 * @example
 * await run(function* () { yield* sleep(0.1); return 'done'; });
 */
export function run<F extends (...args: any[]) => unknown>(
  fn: F,
  ...args: Parameters<F>
): Promise<import('./greenlet.ts').BodyResult<ReturnType<F>>>;
export function run<T>(op: OpLike<T>): Promise<T>;
export function run(fn: unknown, ...args: unknown[]): Promise<unknown> {
  let body: (...a: unknown[]) => unknown;
  if (typeof fn === 'function') body = fn as (...a: unknown[]) => unknown;
  else if (isOp(fn))
    body = function* runOp() {
      return yield* fn;
    };
  else {
    validateFunction(fn, 'run(fn)');
    throw new Error('unreachable');
  }
  const g = new Greenlet(body, ...args);
  hub.roots.add(g);
  g.start();
  return g._promise();
}
