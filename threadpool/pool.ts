/**
 * ThreadPool: gevent's thread pool on piscina's worker threads. Layer: threadpool (main thread;
 * uses only core primitives).
 *
 * The public face: argument checks, the gevent vocabulary (spawn, apply, applyAsync, map, imap,
 * imapUnordered, join, kill, close, maxsize, size) and the cancel-on-interrupt rule of
 * `apply`/`map`. The machinery is in engine.ts.
 */

import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { AsyncResult, type Op } from '../core/index.ts';
import { Engine, type EngineOptions } from './engine.ts';
import { ThreadPoolClosed } from './errors.ts';
import { ThreadMap } from './imap.ts';
import { ThreadProxy } from './proxy.ts';
import { type CodeRef, refFor, Task, type TaskRef, task, unwrapArgs } from './task.ts';
import { validateOptions } from './validate.ts';

/** Options of a ThreadPool (all optional). */
export interface ThreadPoolOptions extends EngineOptions {}

/** Something the pool can run: a self-contained function or a `task()` reference. */
export type Runnable = ((...args: any[]) => unknown) | TaskRef<any, any>;
/** The arguments `fn` takes. */
export type ArgsOf<F> =
  F extends TaskRef<infer A, any> ? A : F extends (...a: infer A) => any ? A : never;
/** What `fn` returns, promises unwrapped. */
export type ResultOf<F> =
  F extends TaskRef<any, infer R>
    ? Awaited<R>
    : F extends (...a: any[]) => infer R
      ? Awaited<R>
      : never;

/**
 * A pool of real OS threads (Node worker threads run by piscina). Functions run in parallel with
 * the hub, which keeps running greenlets meanwhile. A function is shipped as its source text, so
 * it must be self-contained: it sees its arguments, globals, `require`, and `move`, not the
 * variables around it. For code that imports things use `task(moduleUrl, exportName)`.
 *
 * Threads start lazily, up to `maxsize` (default: the number of cores). Unlike gevent's, an
 * `apply`/`map` that is interrupted (kill, Timeout) cancels its task: dropped if queued; if
 * running, its worker is terminated and replaced.
 *
 * @example
 * const pool = new ThreadPool(3);
 * const sum = yield* pool.apply((n: number) => { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }, [1e8]);
 * const squares = yield* pool.map((x: number) => x * x, [1, 2, 3]);
 * yield* pool.close();
 */
export class ThreadPool {
  /** @internal */
  readonly _engine: Engine;
  private closing: AsyncResult<void> | null = null;

  constructor(maxsize?: number, options: ThreadPoolOptions = {}) {
    const size = maxsize ?? availableParallelism();
    checkMaxsize(size, 'ThreadPool(maxsize)');
    validateOptions(options);
    this._engine = new Engine(size, options, this);
  }

  /** The most threads the pool runs at once. Settable: 0 holds every task queued. */
  get maxsize(): number {
    return this._engine.maxsize;
  }

  set maxsize(n: number) {
    checkMaxsize(n, 'maxsize');
    this._engine.maxsize = n;
  }

  /** Worker threads alive now (they start on demand, up to maxsize). */
  get size(): number {
    return this._engine.threads;
  }

  /**
   * Runs `fn(...args)` on a thread and returns an AsyncResult at once (the task is queued now
   * and sent in this turn of the loop). Waiting on the result never cancels the task.
   *
   * @example
   * const r = pool.spawn((a: number, b: number) => a + b, 2, 3);
   * yield* r.get(); // 5
   */
  spawn<F extends Runnable>(fn: F, ...args: ArgsOf<F>): AsyncResult<ResultOf<F>> {
    return this._submit(fn, args, new AsyncResult<ResultOf<F>>(), 'spawn(fn)').result;
  }

  /**
   * Runs `fn(...args)` on a thread and waits for its result; its exception is raised here.
   * If the waiting greenlet is killed or times out, the task is cancelled.
   *
   * @example
   * const digest = yield* pool.apply(hash, [text]);
   */
  *apply<F extends Runnable>(
    fn: F,
    args: ArgsOf<F> = [] as unknown as ArgsOf<F>,
  ): Generator<unknown, ResultOf<F>, unknown> {
    if (!Array.isArray(args)) throw new TypeError('apply(fn, args): args must be an array');
    const t = this._submit(fn, args, new AsyncResult<ResultOf<F>>(), 'apply(fn)');
    try {
      return yield* t.result.get();
    } finally {
      if (!t.result.ready()) this._engine.cancel(t);
    }
  }

  /**
   * Like `spawn`, with the arguments as an array; `callback(value)` runs in the hub when the task
   * succeeds.
   *
   * @example
   * pool.applyAsync((x: number) => x * 2, [21], (v) => console.log(v)); // 42
   */
  applyAsync<F extends Runnable>(
    fn: F,
    args: ArgsOf<F> = [] as unknown as ArgsOf<F>,
    callback?: (value: ResultOf<F>) => void,
  ): AsyncResult<ResultOf<F>> {
    if (!Array.isArray(args)) throw new TypeError('applyAsync(fn, args): args must be an array');
    if (callback !== undefined && typeof callback !== 'function') {
      throw new TypeError('applyAsync(fn, args, callback): callback must be a function');
    }
    const t = this._submit(fn, args, new AsyncResult<ResultOf<F>>(), 'applyAsync(fn)');
    if (callback !== undefined) {
      t.result.rawlink((r: AsyncResult<ResultOf<F>>) => {
        if (r.successful()) callback(r.value as ResultOf<F>);
      });
    }
    return t.result;
  }

  /**
   * Runs `fn(item)` for every item in parallel; returns the results in input order and raises
   * the first failure (in input order). Interrupted or failed, it cancels the tasks left.
   *
   * @example
   * const lengths = yield* pool.map((s: string) => s.length, ['a', 'bb']); // [1, 2]
   */
  *map<F extends Runnable>(
    fn: F,
    items: Iterable<ArgsOf<F>[0]>,
  ): Generator<unknown, ResultOf<F>[], unknown> {
    const list = toArray(items, 'map(fn, items)');
    const tasks = list.map((item) => this._submit(fn, [item], new AsyncResult(), 'map(fn)'));
    try {
      const out: ResultOf<F>[] = [];
      for (const t of tasks) out.push((yield* t.result.get()) as ResultOf<F>);
      return out;
    } finally {
      for (const t of tasks) if (!t.result.ready()) this._engine.cancel(t);
    }
  }

  /**
   * Like `map`, iterated by Op with results in input order as they are ready:
   * `for (;;) { const r = yield* it.next(); if (r.done) break; }`. `maxsize` bounds the tasks in
   * flight. An error, an interruption or `close()` cancels the tasks left.
   */
  imap<F extends Runnable>(
    fn: F,
    items: Iterable<ArgsOf<F>[0]>,
    options: { maxsize?: number } = {},
  ): ThreadMap<ResultOf<F>> {
    return new ThreadMap(this, refFor(fn, 'imap(fn)'), items, true, options.maxsize);
  }

  /** Like `imap`, yielding results in completion order. */
  imapUnordered<F extends Runnable>(
    fn: F,
    items: Iterable<ArgsOf<F>[0]>,
    options: { maxsize?: number } = {},
  ): ThreadMap<ResultOf<F>> {
    return new ThreadMap(this, refFor(fn, 'imapUnordered(fn)'), items, false, options.maxsize);
  }

  /** Waits until no task is queued or running. */
  *join(): Generator<unknown, void, unknown> {
    yield* this._engine.idle.wait();
  }

  /**
   * Terminates every worker thread now. Running and queued tasks fail with ThreadPoolClosed;
   * the pool stays usable (new threads start on demand).
   */
  kill(): void {
    this._engine.killAll(new ThreadPoolClosed('the thread pool was killed'));
  }

  /**
   * Stops accepting tasks, lets the submitted ones finish, then terminates the threads. Acts at
   * once; iterating the Op waits until the threads are gone.
   *
   * @example
   * yield* pool.close();
   */
  close(): Op<void> {
    if (this.closing === null) {
      const closed = new AsyncResult<void>();
      this.closing = closed;
      const engine = this._engine;
      const shutdown = () => void engine.shutdown().then(() => closed.set());
      if (engine.pending === 0) shutdown();
      else engine.idle.rawlink(shutdown);
    }
    return this.closing.get();
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.closing !== null;
  }

  /**
   * A typed RPC proxy (comlink) to a module loaded in one of the pool's threads, which it keeps
   * until `close()`d; it counts against `maxsize` meanwhile. Calls return promises: wait for them
   * with `yield* until(...)`.
   *
   * @example
   * using calc = pool.proxy<typeof import('./calc.ts')>(new URL('./calc.ts', import.meta.url));
   * const n = yield* until(calc.remote.fib(30));
   */
  proxy<T>(moduleUrl: string | URL): ThreadProxy<T> {
    this.checkOpen('proxy(moduleUrl)');
    if (this.maxsize === 0) throw new RangeError('proxy(moduleUrl): the pool has maxsize 0');
    const url = task(moduleUrl).moduleUrl;
    const { port1, port2 } = new MessageChannel();
    const gen = this._engine.generation();
    const done = gen.piscina.run({ url, port: port2 }, { name: 'runProxy', transferList: [port2] });
    this._engine.hold(gen, done);
    return new ThreadProxy<T>(port1, done);
  }

  /** Counters for tests and debugging. */
  statistics(): {
    queued: number;
    running: number;
    completed: number;
    size: number;
    batches: number;
  } {
    const e = this._engine;
    return {
      queued: e.queued,
      running: e.pending - e.queued,
      completed: e.completed,
      size: e.threads,
      batches: e.batchesInFlight,
    };
  }

  toString(): string {
    return `<ThreadPool tasks=${this._engine.pending} size=${this.size} maxsize=${this.maxsize}>`;
  }

  /** @internal Queues one call; `result` is the AsyncResult (or Future) it settles. */
  _submit<R>(fn: unknown, args: unknown[], result: AsyncResult<R>, what: string): Task {
    this.checkOpen(what);
    return this._submitRef(refFor(fn, what), args, result, what);
  }

  /** @internal */
  _submitRef<R>(ref: CodeRef, args: unknown[], result: AsyncResult<R>, what: string): Task {
    this.checkOpen(what);
    const [plain, transfer] = unwrapArgs(args);
    const t = new Task(ref, plain, transfer, result);
    this._engine.submit(t);
    return t;
  }

  private checkOpen(what: string): void {
    if (this.closing !== null) throw new ThreadPoolClosed(`${what}: the thread pool is closed`);
  }
}

function checkMaxsize(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer, got ${String(value)}`);
  }
  if (value < 0) throw new RangeError(`${name} must not be negative, got ${value}`);
}

function toArray<T>(items: Iterable<T>, name: string): T[] {
  if (items === null || items === undefined || typeof items[Symbol.iterator] !== 'function') {
    throw new TypeError(`${name}: items must be an iterable`);
  }
  return Array.isArray(items) ? items : [...items];
}
