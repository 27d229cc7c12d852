/**
 * The messages between the pool (main thread) and its piscina workers. Layer: threadpool
 * (shared by both sides; imports nothing at run time).
 *
 * Tasks travel in batches (one piscina task carries one or more of ours); results come back one
 * by one on a MessagePort each worker opens at start-up (`HELLO`), so a result is on its way
 * before the next task of the batch starts and survives a worker that is terminated or crashes
 * later. A batch's `flags` live in a SharedArrayBuffer: the worker claims a task by moving its
 * flag QUEUED → RUNNING with compareExchange and marks it DONE after posting the result; the
 * pool cancels a task that has not started by moving QUEUED → SKIPPED. Whoever wins the
 * exchange decides, so a task never both runs and counts as dropped. The last task's result
 * rides in piscina's reply to the batch instead (flag RETURNED). The flag after the last
 * task holds the threadId of the worker that took the batch (0 until one did).
 */

import type { MessagePort } from 'node:worker_threads';

export const QUEUED = 0;
export const RUNNING = 1;
export const DONE = 2;
export const SKIPPED = 3;
/** Finished; the result comes in piscina's reply to the batch (the batch's last task). */
export const RETURNED = 4;

/** Key of the one message a worker posts on `parentPort`: `{ [HELLO]: resultsPort, threadId }`. */
export const HELLO = '__geventThreadpoolResults';

/** How a worker finds the code of a task. */
export type RefSpec =
  | { kind: 'fn'; id: number; expr: string; name: string }
  | { kind: 'module'; id: number; url: string; exportName: string };

/** One piscina task: several of ours. */
export interface BatchMessage {
  id: number;
  /** The batch's slot in the generation's flag slab (WorkerSetup), or -1 when `flags` is given. */
  slot: number;
  /** QUEUED/RUNNING/DONE/SKIPPED per task, then the threadId of the worker (Int32Array on SAB). */
  flags: Int32Array | null;
  /** The refs used by this batch (workers cache the compiled code by `id`). */
  refs: RefSpec[];
  /** Per task: the ref id. */
  calls: number[];
  /** Per task: the arguments. */
  args: unknown[][];
}

/** What every worker of a generation gets at start-up (piscina's `workerData`). */
export interface WorkerSetup {
  niceIncrement: number;
  /** The batches' flags: `slotInts` Int32 per slot. */
  flagSlab: SharedArrayBuffer;
  slotInts: number;
}

/** A long-lived module exposed through comlink on `port` until the port closes. */
export interface ProxyMessage {
  url: string;
  port: MessagePort;
}

export const OK = 0;
/** An Error was thrown: the payload is a SerializedError. */
export const ERROR = 1;
/** Something that is not an Error was thrown: the payload is that value. */
export const THROWN = 2;

/** `[batchId, index, status, payload, runMilliseconds]` */
export type ResultMessage = [number, number, number, unknown, number];

/** What `runBatch` returns: the last task's `[status, payload, runMilliseconds]`, if it ran. */
export type Reply = [number, unknown, number] | undefined;
