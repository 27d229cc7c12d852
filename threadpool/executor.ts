/**
 * ThreadPoolExecutor and Future: Python's concurrent.futures API over a ThreadPool (gevent's
 * `gevent.threadpool.ThreadPoolExecutor`). Layer: threadpool (main thread).
 *
 * A Future is an AsyncResult, so greenlets wait on it like on any other waitable
 * (`wait([future])`, `iwait`, `get()`), and plain code can `await` it.
 */

import { AsyncResult, getHub, type Op } from '../core/index.ts';
import { CancelledError, TimeoutError } from './errors.ts';
import {
  type ArgsOf,
  type ResultOf,
  type Runnable,
  ThreadPool,
  type ThreadPoolOptions,
} from './pool.ts';
import type { Task } from './task.ts';

/**
 * The pending result of `executor.submit()`.
 *
 * @example
 * const f = executor.submit((a: number, b: number) => a * b, 6, 7);
 * f.addDoneCallback((done) => console.log('finished', done.successful()));
 * const product = yield* f.result(5); // 42, or TimeoutError after 5 s
 */
export class Future<T = unknown> extends AsyncResult<T> {
  /** @internal */
  _task: Task | null = null;
  private wasCancelled = false;

  constructor(private readonly pool: ThreadPool) {
    super();
  }

  /**
   * Waits for the result and returns it, or raises the task's exception; `TimeoutError` if
   * `timeout` seconds pass first, `CancelledError` if the future was cancelled.
   */
  *result(timeout?: number | null): Generator<unknown, T, unknown> {
    yield* this.wait(timeout);
    if (!this.ready()) throw new TimeoutError(`the future did not finish within ${timeout} s`);
    return this.getNowait();
  }

  /** True once finished, failed or cancelled. */
  done(): boolean {
    return this.ready();
  }

  /** True while a worker thread runs the task. */
  running(): boolean {
    return this._task !== null && this.pool._engine.isRunning(this._task);
  }

  cancelled(): boolean {
    return this.wasCancelled;
  }

  /**
   * Cancels the task if it has not started; returns whether it was cancelled (false once
   * running or done). A cancelled future's `result()` raises CancelledError.
   */
  cancel(): boolean {
    if (this.wasCancelled) return true;
    if (this.ready() || this._task === null) return false;
    if (!this.pool._engine.cancel(this._task, false)) return false;
    this.wasCancelled = true;
    this.setException(new CancelledError('the future was cancelled'));
    return true;
  }

  /**
   * Calls `fn(this)` when the future is done (at once if it already is). An exception from `fn`
   * is reported (printed) and otherwise ignored, as in concurrent.futures.
   */
  addDoneCallback(fn: (future: this) => void): void {
    if (typeof fn !== 'function') throw new TypeError('addDoneCallback(fn): fn must be a function');
    const call = () => {
      try {
        fn(this);
      } catch (error) {
        getHub().reportError(this, error);
      }
    };
    if (this.ready()) call();
    else this.rawlink(call);
  }

  override toString(): string {
    const state = this.wasCancelled
      ? 'cancelled'
      : this.ready()
        ? 'finished'
        : this.running()
          ? 'running'
          : 'pending';
    return `<Future ${state}>`;
  }
}

/**
 * concurrent.futures' Executor on a ThreadPool of `maxWorkers` threads.
 *
 * @example
 * const executor = new ThreadPoolExecutor(4);
 * const futures = [1, 2, 3].map((n) => executor.submit((x: number) => x * 10, n));
 * yield* wait(futures);
 * yield* executor.shutdown();
 */
export class ThreadPoolExecutor {
  readonly pool: ThreadPool;
  /** Futures not done yet (for `shutdown({ cancelFutures })`). */
  private readonly open = new Set<Future<any>>();
  /** A done future lets go of its task, so the task's arguments are not kept with the result. */
  private readonly forget = (f: Future<any>) => {
    f._task = null;
    this.open.delete(f);
  };

  constructor(maxWorkers?: number, options?: ThreadPoolOptions) {
    this.pool = new ThreadPool(maxWorkers, options);
  }

  /** Schedules `fn(...args)` and returns its Future at once. */
  submit<F extends Runnable>(fn: F, ...args: ArgsOf<F>): Future<ResultOf<F>> {
    const future = new Future<ResultOf<F>>(this.pool);
    future._task = this.pool._submit(fn, args, future, 'submit(fn)');
    this.open.add(future);
    future.rawlink(this.forget);
    return future;
  }

  /**
   * `fn(item)` for every item; the results in input order. Raises the first failure, or
   * `TimeoutError` if they are not all done `timeout` seconds after the call; either way the
   * futures not started yet are cancelled (running ones finish, as in concurrent.futures).
   */
  *map<F extends Runnable>(
    fn: F,
    items: Iterable<ArgsOf<F>[0]>,
    options: { timeout?: number | null } = {},
  ): Generator<unknown, ResultOf<F>[], unknown> {
    const futures = [...items].map((item) => this.submit(fn, ...([item] as ArgsOf<F>)));
    const deadline =
      options.timeout === undefined || options.timeout === null
        ? null
        : performance.now() + options.timeout * 1000;
    try {
      const out: ResultOf<F>[] = [];
      for (const f of futures) {
        const left = deadline === null ? null : Math.max(0, (deadline - performance.now()) / 1000);
        out.push(yield* f.result(left));
      }
      return out;
    } finally {
      for (const f of futures) if (!f.ready()) f.cancel();
    }
  }

  /**
   * No more submissions. `cancelFutures` cancels those not started. Acts at once; with
   * `wait` (default) iterating the Op waits for the tasks and the threads to end.
   */
  shutdown(options: { wait?: boolean; cancelFutures?: boolean } = {}): Op<void> {
    if (options.cancelFutures) for (const f of [...this.open]) f.cancel();
    const closing = this.pool.close();
    return options.wait === false ? noWait() : closing;
  }
}

function* noWait(): Generator<unknown, void, unknown> {}
