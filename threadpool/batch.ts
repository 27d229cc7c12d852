/**
 * Batches: how queued tasks are grouped into one piscina task, and what a batch's shared flags
 * say about each of its tasks after a worker died or a running task was cancelled.
 * Layer: threadpool (main thread; used by engine.ts).
 */

import type { TransferListItem } from 'node:worker_threads';
import { WorkerExited } from './errors.ts';
import type { Generation } from './generation.ts';
import { type BatchMessage, DONE, QUEUED, type RefSpec, SKIPPED } from './protocol.ts';
import { TASK_CANCELLED, TASK_DISPATCHED, type Task, type TaskQueue } from './task.ts';

/** A call is batched with others only if its code averages less than this (ms). */
const SHORT_TASK_MS = 0.25;
/** A batch of short tasks is cut at about this much expected work (ms). */
const BATCH_BUDGET_MS = 1;

/**
 * Takes the next batch off the queue: one task, or a run of short ones (up to `maxBatch`, about
 * 1 ms of expected work, and a fair share of the queue for each of the `freeSlots` workers).
 */
export function takeBatch(queue: TaskQueue, freeSlots: number, maxBatch: number): Task[] {
  const first = queue.shift()!;
  const out = [first];
  if (!isShort(first)) return out;
  const limit = Math.min(maxBatch, Math.ceil((queue.live + 1) / freeSlots));
  let expected = first.ref.averageMs!;
  while (out.length < limit) {
    const next = queue.peek();
    if (next === undefined || !isShort(next)) break;
    expected += next.ref.averageMs!;
    if (expected > BATCH_BUDGET_MS) break;
    out.push(queue.shift()!);
  }
  return out;
}

function isShort(t: Task): boolean {
  const avg = t.ref.averageMs;
  return !t.solo && avg !== undefined && avg < SHORT_TASK_MS;
}

export class Batch {
  /** Tasks still attached (no result yet, not re-queued, not failed). */
  open: number;
  settled = false;
  /** The pool was killed: whatever comes back is ignored. */
  abandoned = false;
  /** Settled with results still to come. */
  owed = false;
  /** See protocol.ts: one flag per task, then the threadId of the worker that took it. */
  readonly flags: Int32Array;
  /** Where `flags` lives in the generation's slab (-1: in a buffer of its own). */
  readonly slot: number;

  constructor(
    readonly id: number,
    readonly gen: Generation,
    readonly tasks: Task[],
  ) {
    this.open = tasks.length;
    [this.slot, this.flags] = gen.flagSlots.take(tasks.length + 1);
  }

  /** Marks the tasks dispatched and builds the message (and what it transfers). */
  message(): [BatchMessage, TransferListItem[] | undefined] {
    const { tasks } = this;
    const refs: RefSpec[] = [];
    const calls = new Array<number>(tasks.length);
    const args = new Array<unknown[]>(tasks.length);
    let transfer: TransferListItem[] | undefined;
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[i]!;
      t.state = TASK_DISPATCHED;
      t.batch = this;
      t.index = i;
      calls[i] = t.ref.spec.id;
      args[i] = t.args;
      if (!refs.includes(t.ref.spec)) refs.push(t.ref.spec);
      if (t.transfer !== null) transfer = transfer?.concat(t.transfer) ?? t.transfer;
    }
    const flags = this.slot < 0 ? this.flags : null;
    return [{ id: this.id, slot: this.slot, flags, refs, calls, args }, transfer];
  }

  /** The threadId of the worker that took the batch (0: none did). */
  get threadId(): number {
    return Atomics.load(this.flags, this.tasks.length);
  }

  /** Unhooks a task; true when the batch has nothing left to wait for. */
  detach(t: Task): boolean {
    t.batch = null;
    return --this.open === 0 && this.settled;
  }

  /**
   * After the batch failed: each attached task with what its flag says. Tasks that had not
   * started are made sure never to (QUEUED → SKIPPED) and reported as QUEUED; DONE tasks (their
   * result is on its way) are left attached and not listed.
   */
  triage(): Array<[Task, number]> {
    const out: Array<[Task, number]> = [];
    for (let i = 0; i < this.tasks.length; i++) {
      const t = this.tasks[i]!;
      if (t.batch !== this) continue;
      const was = Atomics.compareExchange(this.flags, i, QUEUED, SKIPPED);
      if (was !== SKIPPED && was !== DONE) out.push([t, was]);
    }
    return out;
  }

  /**
   * Task `index` is running and must stop: keeps the tasks after it from starting. Returns
   * those (to run elsewhere) and whether the worker had already moved past `index`.
   */
  freezeAfter(index: number): { frozen: Task[]; movedOn: boolean } {
    const frozen: Task[] = [];
    for (let j = index + 1; j < this.tasks.length; j++) {
      const was = Atomics.compareExchange(this.flags, j, QUEUED, SKIPPED);
      if (was === QUEUED) {
        const t = this.tasks[j]!;
        if (t.batch === this && t.state !== TASK_CANCELLED) frozen.push(t);
      } else if (was !== SKIPPED) {
        return { frozen, movedOn: true }; // task j started: `index` had finished
      }
    }
    return { frozen, movedOn: false };
  }
}

/**
 * The flag arrays of a generation's batches: slots of one SharedArrayBuffer that every worker
 * received at start-up (workerData), so a batch names its slot by number. Posting a
 * SharedArrayBuffer with each batch instead costs 10-30 us per message (Node registers the
 * shared backing store on both sides). A slot is reused only once its batch is over, when no
 * worker writes to it any more; if all are taken, a batch gets a SharedArrayBuffer of its own.
 */
export class FlagSlots {
  readonly slab: SharedArrayBuffer;
  readonly slotInts: number;
  private readonly free: number[] = [];

  constructor(maxBatch: number, count: number) {
    this.slotInts = maxBatch + 1;
    this.slab = new SharedArrayBuffer(4 * this.slotInts * count);
    for (let i = count - 1; i >= 0; i--) this.free.push(i);
  }

  /** A zeroed flag array of `length` (<= maxBatch + 1) and its slot (-1: a private buffer). */
  take(length: number): [number, Int32Array] {
    const slot = this.free.pop();
    if (slot === undefined) return [-1, new Int32Array(new SharedArrayBuffer(4 * length))];
    return [slot, new Int32Array(this.slab, 4 * this.slotInts * slot, length)];
  }

  give(slot: number, flags: Int32Array): void {
    if (slot < 0) return;
    flags.fill(0);
    this.free.push(slot);
  }
}

/** piscina's "worker exited with code: N" becomes a WorkerExited; other errors pass as they are. */
export function workerError(error: unknown): unknown {
  const match =
    error instanceof Error ? /worker exited with code: (-?\d+)/.exec(error.message) : null;
  if (match === null) return error;
  const exitCode = Number(match[1]);
  return new WorkerExited(`the worker thread running this task exited with code ${exitCode}`, {
    cause: error,
    exitCode,
  });
}
