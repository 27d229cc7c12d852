/**
 * The dispatcher under ThreadPool: queues tasks, sends them to piscina in batches, routes the
 * results back, and cancels, recovers and re-queues. Layer: threadpool (main thread).
 *
 * At most `maxsize` batches are out at once (piscina runs one per worker), so a free worker
 * always takes the oldest queued task, as in gevent. Tasks spawned in the same turn of the loop
 * are dispatched together in a microtask; those whose code is known to be short (see CodeRef)
 * share one piscina task, which is what makes small tasks cheap. A batch's flags (protocol.ts)
 * tell, after a worker died or was terminated, which tasks never started (re-queued), which was
 * running (fails with the worker's error) and which finished (their result is on its way).
 */

import { Event, getHub } from '../core/index.ts';
import { Batch, takeBatch, workerError } from './batch.ts';
import { isDataCloneError, rebuildError, type SerializedError } from './errors.ts';
import { Generation, type WorkerOptions } from './generation.ts';
import {
  OK,
  QUEUED,
  type Reply,
  type ResultMessage,
  RUNNING,
  SKIPPED,
  THROWN,
} from './protocol.ts';
import {
  TASK_CANCELLED,
  TASK_DISPATCHED,
  TASK_FINISHED,
  TASK_QUEUED,
  type Task,
  TaskQueue,
} from './task.ts';

/** Dispatches a task may lose to a worker dying before it started, before it fails. */
const MAX_ATTEMPTS = 3;

export interface EngineOptions extends WorkerOptions {
  /** Most tasks in one batch (default 64; 1 turns batching off). */
  maxBatch?: number;
}

export class Engine {
  /** Tasks submitted and neither finished nor cancelled. */
  pending = 0;
  completed = 0;
  /** Set while nothing is pending. */
  readonly idle = new Event();
  private maxsizeValue: number;
  private readonly maxBatch: number;
  private readonly queue = new TaskQueue();
  private current: Generation | null = null;
  private readonly generations = new Set<Generation>();
  private readonly batches = new Map<number, Batch>();
  private inflight = 0;
  /** Settled batches still owed a result (on a port the pool may not know yet). */
  private owed = 0;
  private lastBatchId = 0;
  private flushScheduled = false;
  private readonly flushFn = () => this.flush();
  private readonly resultFn = (message: ResultMessage) => this.onResult(message);
  private readonly errorFn = (error: unknown, gen: Generation) => this.onWorkerError(error, gen);
  /**
   * Ref'd while batches are out or owe results. piscina leaves a worker that is still starting
   * unref'd, and a result can sit on a port the pool has not been told of yet (a worker's
   * HELLO and piscina's reply travel on different channels); without this the process could
   * exit, or the hub report a deadlock, in between. Tasks merely queued (maxsize 0) keep
   * nothing alive: waiting on them is a deadlock.
   */
  private keepAlive: ReturnType<typeof setInterval> | null = null;

  constructor(
    maxsize: number,
    private readonly options: EngineOptions,
    private readonly owner: object,
  ) {
    this.maxsizeValue = maxsize;
    this.maxBatch = options.maxBatch ?? 64;
    this.idle.set();
  }

  get maxsize(): number {
    return this.maxsizeValue;
  }

  /** Changes the thread limit: new batches go to a new piscina; the old one ends when idle. */
  set maxsize(n: number) {
    if (n === this.maxsizeValue) return;
    this.maxsizeValue = n;
    const gen = this.current;
    if (gen !== null) {
      this.current = null;
      this.retire(gen);
    }
    if (this.queue.live > 0) this.schedule();
  }

  /** Live worker threads over all generations. */
  get threads(): number {
    let n = 0;
    for (const gen of this.generations) n += gen.threads;
    return n;
  }

  get queued(): number {
    return this.queue.live;
  }

  get batchesInFlight(): number {
    return this.inflight;
  }

  submit(t: Task): void {
    this.queue.push(t);
    if (this.pending++ === 0) this.idle.clear();
    this.schedule();
  }

  /**
   * Cancels a task: true when it was dropped before it started. A running one is stopped (its
   * worker terminated) only with `evenRunning`; else it runs on and false is returned.
   */
  cancel(t: Task, evenRunning = true): boolean {
    if (t.state === TASK_QUEUED) {
      t.state = TASK_CANCELLED;
      this.queue.cancelled();
      this.dropPending();
      return true;
    }
    if (t.state !== TASK_DISPATCHED) return false;
    const batch = t.batch as Batch;
    const was = Atomics.compareExchange(batch.flags, t.index, QUEUED, SKIPPED);
    if (was !== QUEUED && !evenRunning) return false;
    t.state = TASK_CANCELLED;
    this.dropPending();
    if (was === QUEUED) {
      this.detach(t, batch);
      return true;
    }
    if (was === RUNNING) this.stopRunning(batch, t.index);
    return false;
  }

  /** Whether the task is running in a worker now. */
  isRunning(t: Task): boolean {
    if (t.state !== TASK_DISPATCHED) return false;
    return Atomics.load((t.batch as Batch).flags, t.index) === RUNNING;
  }

  /** Terminates every worker now; every pending task fails with `error`. */
  killAll(error: Error): void {
    for (const batch of this.batches.values()) {
      batch.abandoned = true;
      for (const t of batch.tasks) {
        if (t.batch !== batch) continue;
        t.batch = null;
        if (t.state !== TASK_CANCELLED) this.finish(t, false, error);
      }
    }
    this.batches.clear();
    this.inflight = 0;
    this.owed = 0;
    this.keepAliveIfBusy();
    for (const t of this.queue.drain()) this.finish(t, false, error);
    this.current = null;
    for (const gen of this.generations) void gen.destroy();
    this.generations.clear();
  }

  /**
   * A worker error outside any task, reported. If no worker of `gen` ever started (a worker
   * file that fails to load, heap limits too small to boot), piscina would keep its batches
   * queued for a worker that never comes: they fail with the error instead, and the next batch
   * tries a fresh generation.
   */
  private onWorkerError(error: unknown, gen: Generation): void {
    getHub().reportError(this.owner, error);
    if (gen.started || gen.retired) return;
    if (this.current === gen) this.current = null;
    for (const batch of [...this.batches.values()]) {
      if (batch.gen !== gen || batch.settled || batch.abandoned) continue;
      batch.abandoned = true; // piscina's late rejection of it is ignored (settle)
      this.returned(gen);
      for (const t of batch.tasks) {
        if (t.batch !== batch) continue;
        t.batch = null;
        if (t.state !== TASK_CANCELLED) this.finish(t, false, error);
      }
      this.forget(batch);
    }
    this.retire(gen);
    if (this.queue.live > 0) this.schedule();
  }

  /** Starts a generation now if none is running (for `proxy()`). */
  generation(): Generation {
    if (this.current === null) {
      this.current = new Generation(
        this.maxsizeValue,
        this.maxBatch,
        this.options,
        this.resultFn,
        this.errorFn,
      );
      this.generations.add(this.current);
    }
    return this.current;
  }

  /** Counts a long-lived piscina task (a proxy) against maxsize until `done` settles. */
  hold(gen: Generation, done: Promise<unknown>): void {
    this.sent(gen);
    const release = () => {
      if (!this.generations.has(gen)) return; // killed meanwhile
      this.returned(gen);
      if (gen.retired && gen.inflight === 0) this.drop(gen);
      if (this.queue.live > 0) this.schedule();
    };
    done.then(release, release);
  }

  /**
   * Dispatch soon: in a microtask when the pool is idle (a lone call goes out at once), else
   * after this turn of the loop, so calls made as results come in share a batch and each
   * wakeup of a worker thread carries more work.
   */
  private schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    if (this.inflight === 0) queueMicrotask(this.flushFn);
    else setImmediate(this.flushFn);
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.queue.live > 0 && this.inflight < this.maxsizeValue) {
      this.dispatch(takeBatch(this.queue, this.maxsizeValue - this.inflight, this.maxBatch));
    }
  }

  private dispatch(tasks: Task[]): void {
    const gen = this.generation();
    const batch = new Batch(++this.lastBatchId, gen, tasks);
    const [message, transfer] = batch.message();
    this.batches.set(batch.id, batch);
    this.sent(gen);
    let running: Promise<Reply>;
    try {
      running = gen.piscina.run(message, { transferList: transfer as never });
    } catch (error) {
      // piscina starts a worker synchronously; a Worker that cannot start (bad execArgv) throws
      // here, in a microtask: fail the batch like a dead worker's (retried, then failed).
      this.settle(batch, error, undefined);
      return;
    }
    running.then(
      (reply: Reply) => this.settle(batch, null, reply),
      (error: unknown) => this.settle(batch, error, undefined),
    );
  }

  private onResult([batchId, index, status, payload, ms]: ResultMessage): void {
    const batch = this.batches.get(batchId);
    if (batch === undefined) return;
    const t = batch.tasks[index];
    if (t === undefined || t.batch !== batch) return;
    t.ref.observe(ms);
    this.detach(t, batch);
    if (t.state === TASK_CANCELLED) return;
    if (status === OK) this.finish(t, true, payload);
    else
      this.finish(t, false, status === THROWN ? payload : rebuildError(payload as SerializedError));
  }

  private settle(batch: Batch, error: unknown, reply: Reply): void {
    if (batch.abandoned) return;
    // Results posted before the reply are queued on the worker's port already: take them first.
    if (error !== null || batch.open > (reply === undefined ? 0 : 1)) {
      batch.gen.drainResults(batch.threadId);
    }
    if (reply !== undefined) this.onResult([batch.id, batch.tasks.length - 1, ...reply]);
    batch.settled = true;
    this.returned(batch.gen);
    if (error !== null) this.recover(batch, error);
    if (batch.open === 0) this.forget(batch);
    else {
      batch.owed = true; // results still to come: keep the process alive for them
      this.owed++;
      this.keepAliveIfBusy();
    }
    if (batch.gen.retired && batch.gen.inflight === 0) this.drop(batch.gen);
    if (this.queue.live > 0) this.schedule();
  }

  /** The batch failed as a whole (its worker died, or it could not be sent). */
  private recover(batch: Batch, error: unknown): void {
    const neverSent = batch.threadId === 0 && isDataCloneError(error);
    const again: Task[] = [];
    for (const [t, was] of batch.triage()) {
      this.detach(t, batch);
      if (t.state === TASK_CANCELLED) continue;
      // RUNNING: it was running when the worker died; RETURNED: its reply was lost with it.
      if (was !== QUEUED) this.finish(t, false, workerError(error));
      else if (neverSent && batch.tasks.length === 1) this.finish(t, false, error);
      else if (neverSent) {
        t.solo = true; // sent alone, the task that cannot be cloned fails by itself
        again.push(t);
      } else if (++t.attempts >= MAX_ATTEMPTS) this.finish(t, false, workerError(error));
      else again.push(t);
    }
    this.requeue(again);
  }

  /** The cancelled task `index` is running: keep the rest of its batch from starting, then end it. */
  private stopRunning(batch: Batch, index: number): void {
    const { frozen, movedOn } = batch.freezeAfter(index);
    for (const t of frozen) this.detach(t, batch);
    this.requeue(frozen);
    if (!movedOn && Atomics.load(batch.flags, index) === RUNNING) {
      batch.gen.terminateThread(batch.threadId);
    }
  }

  private requeue(tasks: Task[]): void {
    if (tasks.length === 0) return;
    for (const t of tasks) t.state = TASK_QUEUED;
    this.queue.unshiftAll(tasks);
    this.schedule();
  }

  private detach(t: Task, batch: Batch): void {
    if (batch.detach(t)) this.forget(batch);
  }

  /** The batch is over (settled, every task accounted for): its flags can be reused. */
  private forget(batch: Batch): void {
    if (!this.batches.delete(batch.id)) return;
    batch.gen.flagSlots.give(batch.slot, batch.flags);
    if (batch.owed) {
      this.owed--;
      this.keepAliveIfBusy();
    }
  }

  private finish(t: Task, ok: boolean, value: unknown): void {
    t.state = TASK_FINISHED;
    this.completed++;
    this.dropPending();
    if (ok) t.result.set(value);
    else t.result.setException(value);
  }

  private dropPending(): void {
    if (--this.pending === 0) this.idle.set();
  }

  /** A batch (or proxy) went to `gen`. */
  private sent(gen: Generation): void {
    gen.inflight++;
    this.inflight++;
    this.keepAliveIfBusy();
  }

  /** A batch (or proxy) of `gen` is back. */
  private returned(gen: Generation): void {
    gen.inflight--;
    this.inflight--;
    this.keepAliveIfBusy();
  }

  /** Refs `keepAlive` while batches are out or results are owed; unrefs it otherwise. */
  private keepAliveIfBusy(): void {
    if (this.inflight + this.owed > 0) {
      this.keepAlive ??= setInterval(() => {}, 1 << 30);
      if (!this.keepAlive.hasRef()) this.keepAlive.ref();
    } else if (this.keepAlive?.hasRef()) this.keepAlive.unref();
  }

  private retire(gen: Generation): void {
    gen.retired = true;
    if (gen.inflight === 0) this.drop(gen);
  }

  private drop(gen: Generation): void {
    this.generations.delete(gen);
    void gen.destroy();
  }

  /** Ends every generation (the pool is closed and idle). */
  shutdown(): Promise<void> {
    if (this.keepAlive !== null) clearInterval(this.keepAlive);
    this.keepAlive = null;
    this.current = null;
    const gens = [...this.generations];
    this.generations.clear();
    return Promise.all(gens.map((gen) => gen.destroy())).then(() => undefined);
  }
}
