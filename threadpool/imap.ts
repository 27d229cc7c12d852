/**
 * `ThreadPool.imap` / `imapUnordered`: results iterated by Op as tasks finish. Layer: threadpool
 * (main thread).
 *
 * Items are pulled from the input lazily, at most `maxsize` tasks in flight. Ordered iteration
 * waits on the oldest task; unordered iteration takes whichever finished first (each result
 * links itself into a ready list and sets an Event). An error (from a task or from the input),
 * an interrupted `next()` or `close()` ends the iteration and cancels the tasks still out.
 */

import { AsyncResult, Event, type Op, type OpIterator } from '../core/index.ts';
import type { ThreadPool } from './pool.ts';
import type { CodeRef, Task } from './task.ts';

/**
 * The iterator `imap`/`imapUnordered` return. Iterate by Op; `close()` (or `using`) cancels
 * the tasks still running.
 *
 * @example
 * using it = pool.imapUnordered((n: number) => n * n, [1, 2, 3]);
 * for (;;) { const r = yield* it.next(); if (r.done) break; console.log(r.value); }
 */
export class ThreadMap<R> implements OpIterator<R> {
  private readonly source: Iterator<unknown>;
  private readonly window: number;
  /** Ordered: the tasks out, in input order. */
  private readonly inFlight: Task[] = [];
  /** Unordered: the tasks out and not settled. */
  private readonly byResult = new Map<AsyncResult<unknown>, Task>();
  /** Unordered: tasks settled and not yet returned, in completion order. */
  private readonly finished: Task[] = [];
  private readonly arrived = new Event();
  private sourceDone = false;
  private readonly onSettled = (result: AsyncResult<unknown>) => {
    const t = this.byResult.get(result);
    if (t === undefined) return;
    this.byResult.delete(result);
    this.finished.push(t);
    this.arrived.set();
  };

  constructor(
    private readonly pool: ThreadPool,
    private readonly ref: CodeRef,
    items: Iterable<unknown>,
    private readonly ordered: boolean,
    maxsize: number | undefined,
  ) {
    if (items === null || items === undefined || typeof items[Symbol.iterator] !== 'function') {
      throw new TypeError('imap(fn, items): items must be an iterable');
    }
    if (maxsize !== undefined && (!Number.isInteger(maxsize) || maxsize < 1)) {
      throw new RangeError(`imap(fn, items, { maxsize }): maxsize must be >= 1, got ${maxsize}`);
    }
    this.source = items[Symbol.iterator]();
    this.window = maxsize ?? Number.POSITIVE_INFINITY;
  }

  /** The next result, or `{ done: true }`. Raises a task's exception (and ends the iteration). */
  next(): Op<IteratorResult<R, undefined>> {
    return this.nextOp();
  }

  /** Cancels the tasks still out; later `next()` calls return done. */
  close(): void {
    this.sourceDone = true;
    for (const t of this.inFlight) if (!t.result.ready()) this.pool._engine.cancel(t);
    for (const t of this.byResult.values()) {
      t.result.unlink(this.onSettled);
      this.pool._engine.cancel(t);
    }
    this.inFlight.length = 0;
    this.finished.length = 0;
    this.byResult.clear();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  private *nextOp(): Generator<unknown, IteratorResult<R, undefined>, unknown> {
    let ok = false;
    try {
      this.fill();
      const t = this.ordered ? this.inFlight[0] : yield* this.firstFinished();
      ok = t === undefined;
      if (t === undefined) return { done: true, value: undefined };
      if (this.ordered) {
        yield* t.result.wait();
        this.inFlight.shift();
      }
      const value = t.result.getNowait() as R;
      ok = true;
      return { done: false, value };
    } finally {
      if (!ok) this.close();
    }
  }

  private *firstFinished(): Generator<unknown, Task | undefined, unknown> {
    for (;;) {
      const t = this.finished.shift();
      if (t !== undefined) return t;
      if (this.byResult.size === 0) return undefined;
      this.arrived.clear();
      yield* this.arrived.wait();
    }
  }

  private fill(): void {
    while (!this.sourceDone && this.outstanding() < this.window) {
      const step = this.source.next();
      if (step.done) {
        this.sourceDone = true;
        return;
      }
      const t = this.pool._submitRef(this.ref, [step.value], new AsyncResult(), 'imap(fn)');
      if (this.ordered) this.inFlight.push(t);
      else {
        this.byResult.set(t.result, t);
        t.result.rawlink(this.onSettled);
      }
    }
  }

  private outstanding(): number {
    return this.ordered ? this.inFlight.length : this.byResult.size + this.finished.length;
  }
}
