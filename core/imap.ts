/**
 * `imap`/`imapUnordered`/`map` of a Group or Pool: a feeder greenlet spawns one greenlet per
 * item as slots free up, and the consumer takes results by Op, in input or completion order.
 * Layer: primitives (used by core/pool.ts).
 */

import { Event } from './event.ts';
import { type AnyFn, Greenlet, type Op } from './greenlet.ts';
import { describeValue, validateFunction } from './internal/validators.ts';
import { Semaphore } from './lock.ts';
import type { BaseGroup } from './pool.ts';
import { Queue } from './queue.ts';

/** Options of `imap`/`imapUnordered`. */
export interface MapOptions {
  /** At most this many items started but not yet taken by `next()` (default: no bound). */
  maxsize?: number | null;
}

/** The iterables that feed a function of parameters `A`, one per parameter. */
export type IterablesOf<A extends unknown[]> = { [K in keyof A]: Iterable<A[K]> };

/** Iterates a map's results by Op: `for (;;) { const r = yield* it.next(); if (r.done) break; }`. */
export interface OpIterator<T> {
  next(): Op<IteratorResult<T, undefined>>;
}

/** What a map greenlet (or the feeder) left for the consumer. */
const RESULT = 0;
const FAILURE = 1;
const END = 2;
const INPUT_ERROR = 3;

interface Outcome {
  kind: typeof RESULT | typeof FAILURE | typeof END | typeof INPUT_ERROR;
  /** The input position (for imap's ordering); END and INPUT_ERROR come after every item. */
  index: number;
  value: unknown;
}

const FINISHED: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

/**
 * Drives `imap`/`imapUnordered` (gevent's IMap/IMapUnordered): a feeder greenlet, started at
 * the call, spawns one greenlet per item into the group (a Pool's `spawn` waits for each slot,
 * so freed slots refill at once) and links each to the results, once; `next()` takes them in
 * input or completion order. `maxsize` bounds the items spawned but not yet taken by `next()`.
 */
export class MapIterator<R> implements OpIterator<R> {
  private readonly completed: Outcome[] = []; // imapUnordered: completion order
  private head = 0;
  private readonly byIndex = new Map<number, Outcome>(); // imap: by input position
  private nextIndex = 0;
  private readonly arrived = new Event();
  private readonly credit: Semaphore | null;
  private outstanding = 0;
  private spawned = 0;
  private fed = false;
  private endQueued = false;
  private ended = false;

  constructor(
    private readonly group: BaseGroup,
    private readonly fn: AnyFn,
    private readonly source: Iterator<unknown[]> | QueueArgs,
    private readonly ordered: boolean,
    maxsize: number | null | undefined,
  ) {
    this.credit = maxsize ? new Semaphore(maxsize) : null;
    new Greenlet(feed, this).start();
  }

  next(): Op<IteratorResult<R, undefined>> {
    return this.nextOp();
  }

  /** @internal The feeder's body: spawns every item, then reports the end (or input error). */
  *feed(): Generator<unknown, void, unknown> {
    try {
      const source = this.source;
      for (;;) {
        const step = source instanceof QueueArgs ? yield* source.take() : source.next();
        if (step.done) break;
        if (this.credit !== null) yield* this.credit.acquire();
        const g = yield* this.group.spawnOp(this.fn, step.value);
        const index = this.spawned++;
        this.outstanding++;
        g.rawlink((done: Greenlet<any>) => this.onDone(done, index));
      }
    } catch (error) {
      this.fed = true;
      this.queueEnd(INPUT_ERROR, error);
      return;
    }
    this.fed = true;
    if (this.outstanding === 0) this.queueEnd(END, undefined);
  }

  private onDone(g: Greenlet<any>, index: number): void {
    this.outstanding--;
    const ok = g.successful();
    this.push({ kind: ok ? RESULT : FAILURE, index, value: ok ? g.value : g.exception });
    if (this.fed && this.outstanding === 0) this.queueEnd(END, undefined);
  }

  /** Queues the end of the results (once), after every item in input order. */
  private queueEnd(kind: typeof END | typeof INPUT_ERROR, error: unknown): void {
    if (this.endQueued) return;
    this.endQueued = true;
    this.push({ kind, index: this.spawned, value: error });
  }

  private push(outcome: Outcome): void {
    if (this.ordered) this.byIndex.set(outcome.index, outcome);
    else this.completed.push(outcome);
    this.arrived.set();
  }

  private *nextOp(): Generator<unknown, IteratorResult<R, undefined>, unknown> {
    for (;;) {
      if (this.ended) return FINISHED;
      const outcome = this.take();
      if (outcome !== undefined) return this.deliver(outcome);
      this.arrived.clear();
      yield* this.arrived.wait();
    }
  }

  /** The next outcome to hand out, if it has arrived. */
  private take(): Outcome | undefined {
    if (this.ordered) {
      const outcome = this.byIndex.get(this.nextIndex);
      if (outcome !== undefined) {
        this.byIndex.delete(this.nextIndex);
        this.nextIndex++;
      }
      return outcome;
    }
    if (this.head === this.completed.length) return undefined;
    const outcome = this.completed[this.head]!;
    this.completed[this.head++] = undefined as never;
    if (this.head === this.completed.length) {
      this.completed.length = 0;
      this.head = 0;
    }
    return outcome;
  }

  private deliver(outcome: Outcome): IteratorResult<R, undefined> {
    if (outcome.kind === END || outcome.kind === INPUT_ERROR) {
      this.ended = true;
      if (outcome.kind === INPUT_ERROR) throw outcome.value;
      return FINISHED;
    }
    this.credit?.release();
    if (outcome.kind === FAILURE) throw outcome.value;
    return { done: false, value: outcome.value as R };
  }
}

function* feed(it: MapIterator<unknown>): Generator<unknown, void, unknown> {
  yield* it.feed();
}

/** The feeder's argument lists: `zipArgs`, or `QueueArgs` when an input is a Queue. */
export function argSource(
  inputs: Array<Iterable<unknown> | Queue<unknown>>,
): Iterator<unknown[]> | QueueArgs {
  return inputs.some((input) => input instanceof Queue)
    ? new QueueArgs(inputs)
    : zipArgs(inputs as Iterable<unknown>[]);
}

/**
 * `zip` over inputs of which some are Queues: a Queue's items are taken by Op (the feeder
 * waits for them) until the `StopIteration` marker, as gevent's imap over a blocking queue.
 */
export class QueueArgs {
  private readonly inputs: Array<Iterator<unknown> | Queue<unknown>>;

  constructor(inputs: Array<Iterable<unknown> | Queue<unknown>>) {
    this.inputs = inputs.map((input) =>
      input instanceof Queue ? input : input[Symbol.iterator](),
    );
  }

  *take(): Generator<unknown, IteratorResult<unknown[], undefined>, unknown> {
    const args: unknown[] = [];
    for (const input of this.inputs) {
      const step = input instanceof Queue ? yield* input.next() : input.next();
      if (step.done) {
        for (const other of this.inputs) if (!(other instanceof Queue)) other.return?.();
        return FINISHED;
      }
      args.push(step.value);
    }
    return { done: false, value: args };
  }
}

/** Python's `zip(*iterables)` as an iterator of argument lists; closes the rest at the end. */
export function* zipArgs(iterables: Iterable<unknown>[]): Generator<unknown[], void, unknown> {
  if (iterables.length === 1) {
    for (const item of iterables[0]!) yield [item];
    return;
  }
  const iterators = iterables.map((items) => items[Symbol.iterator]());
  try {
    for (;;) {
      const args: unknown[] = [];
      for (const it of iterators) {
        const step = it.next();
        if (step.done) return;
        args.push(step.value);
      }
      yield args;
    }
  } finally {
    for (const it of iterators) it.return?.();
  }
}

/** Splits `imap(fn, ...iterables, options?)` arguments, validating them. */
export function mapArguments(
  method: string,
  fn: unknown,
  rest: unknown[],
): { iterables: Array<Iterable<unknown> | Queue<unknown>>; maxsize: number | null | undefined } {
  validateFunction(fn, `${method}(fn)`);
  const last = rest[rest.length - 1];
  const hasOptions =
    rest.length > 1 &&
    (last === undefined ||
      (typeof last === 'object' && !isIterable(last) && !(last instanceof Queue)));
  const iterables = hasOptions ? rest.slice(0, -1) : rest;
  if (iterables.length === 0) {
    throw new TypeError(`${method}(fn, ...iterables): at least one iterable is required`);
  }
  for (const items of iterables) {
    if (!isIterable(items) && !(items instanceof Queue)) {
      throw new TypeError(
        `${method}(fn, items): items must be an iterable or a Queue, got ${describeValue(items)}`,
      );
    }
  }
  const maxsize = hasOptions ? (last as MapOptions | null | undefined)?.maxsize : undefined;
  if (maxsize !== undefined && maxsize !== null) {
    if (!Number.isInteger(maxsize) || maxsize < 0) {
      throw new RangeError(
        `${method}({ maxsize }): maxsize must be an integer >= 0, got ${describeValue(maxsize)}`,
      );
    }
  }
  return { iterables: iterables as Array<Iterable<unknown> | Queue<unknown>>, maxsize };
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return (
    value !== null &&
    value !== undefined &&
    typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function'
  );
}
