/**
 * The piscina worker: runs batches of tasks and posts each result as soon as it is known.
 * Layer: threadpool (runs in the worker threads; never imported by the main thread).
 *
 * At start-up the worker opens a MessageChannel and posts one end on `parentPort` (HELLO); every
 * result goes out on it at once, before the next task of the batch starts (see protocol.ts for
 * the flags that say which tasks started). A shipped function is compiled from its source once
 * per worker and cached by its id; inside it `move`, `require` and esbuild's `__name` helper
 * (which tsx puts into function bodies) are in scope. A module task is imported once and cached.
 */

import { readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { getPriority, setPriority } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  MessageChannel,
  type MessagePort,
  parentPort,
  type TransferListItem,
  threadId,
  workerData,
} from 'node:worker_threads';
import { explainClosure, serializeError } from './errors.ts';
import { isMoved, move } from './move.ts';
import {
  type BatchMessage,
  DONE,
  ERROR,
  HELLO,
  OK,
  type ProxyMessage,
  QUEUED,
  RETURNED,
  type RefSpec,
  type Reply,
  type ResultMessage,
  RUNNING,
  THROWN,
  type WorkerSetup,
} from './protocol.ts';

type TaskFn = (...args: unknown[]) => unknown;
/** A batch whose flags are resolved (its own buffer, or its slot of the shared slab). */
type Running = BatchMessage & { flags: Int32Array };

interface Compiled {
  fn: TaskFn | null;
  /** Pending import of a module task. */
  loading: Promise<TaskFn> | null;
  /** A shipped function (its ReferenceErrors get the closure explanation). */
  shipped: boolean;
  name: string;
}

const NO_TRANSFER: TransferListItem[] = [];
const cache = new Map<number, Compiled>();
const requireInTask = createRequire(import.meta.url);
const keepName = (target: object, value: string) =>
  Object.defineProperty(target, 'name', { value, configurable: true });

const setup = workerData as WorkerSetup | null;
const slotViews: Int32Array[] = [];
let results: MessagePort | null = null;
if (parentPort !== null) {
  lowerPriority(setup?.niceIncrement ?? 0);
  const channel = new MessageChannel();
  results = channel.port1;
  parentPort.postMessage({ [HELLO]: channel.port2, threadId }, [channel.port2]);
}

/** Raises this thread's nice value (Linux: nice is per thread; its id is in /proc/thread-self). */
function lowerPriority(increment: number): void {
  if (increment <= 0) return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(tid, Math.min(19, getPriority(tid) + increment));
  } catch {
    // Not Linux, or not allowed: the thread keeps its priority.
  }
}

/**
 * piscina handler: runs the batch's tasks in order, skipping those the pool cancelled. The last
 * task's result rides back in piscina's own reply (nothing runs after it that could lose it),
 * which saves a message per round trip.
 */
export function runBatch(batch: BatchMessage): Reply | Promise<Reply> {
  batch.flags ??= slotViews[batch.slot] ??= new Int32Array(
    setup!.flagSlab,
    4 * setup!.slotInts * batch.slot,
    setup!.slotInts,
  );
  Atomics.store(batch.flags, batch.calls.length, threadId);
  for (const spec of batch.refs) if (!cache.has(spec.id)) cache.set(spec.id, compile(spec));
  return runFrom(batch as Running, 0);
}

function runFrom(batch: Running, first: number): Reply | Promise<Reply> {
  const { flags, calls, args } = batch;
  let reply: Reply;
  for (let i = first; i < calls.length; i++) {
    if (Atomics.compareExchange(flags, i, QUEUED, RUNNING) !== QUEUED) continue;
    const entry = cache.get(calls[i]!)!;
    const started = performance.now();
    let out: unknown;
    try {
      out = entry.fn !== null ? entry.fn(...args[i]!) : awaitModule(entry, args[i]!);
    } catch (error) {
      reply = deliverError(batch, i, error, entry, started);
      continue;
    }
    if (isThenable(out)) return finishAsync(batch, i, out, entry, started);
    reply = deliver(batch, i, OK, out, started);
  }
  return reply;
}

async function finishAsync(
  batch: Running,
  i: number,
  pending: PromiseLike<unknown>,
  entry: Compiled,
  started: number,
): Promise<Reply> {
  let reply: Reply;
  try {
    reply = deliver(batch, i, OK, await pending, started);
  } catch (error) {
    reply = deliverError(batch, i, error, entry, started);
  }
  return i + 1 < batch.calls.length ? await runFrom(batch, i + 1) : reply;
}

/** Posts task i's result now, or returns it as the batch's reply if it is the last task. */
function deliver(
  batch: Running,
  i: number,
  status: number,
  value: unknown,
  started: number,
): Reply {
  const ms = performance.now() - started;
  // A value piscina could fail to copy would kill the worker: only plain data rides the reply.
  if (i === batch.calls.length - 1 && (status === ERROR || isPrimitive(value))) {
    Atomics.store(batch.flags, i, RETURNED);
    return [status, value, ms];
  }
  let transfer = NO_TRANSFER;
  if (isMoved(value)) {
    transfer = value.transferList;
    value = value.value;
  }
  const message: ResultMessage = [batch.id, i, status, value, ms];
  try {
    results!.postMessage(message, transfer);
  } catch (error) {
    results!.postMessage([batch.id, i, ERROR, serializeError(notSendable(error)), ms]);
  }
  Atomics.store(batch.flags, i, DONE);
  return undefined;
}

/** The result cannot be copied (a function, a class instance with private state...). */
function notSendable(error: unknown): TypeError {
  const why = error instanceof Error ? error.message : String(error);
  return new TypeError(`the task's result could not be sent back to the pool: ${why}`);
}

function deliverError(
  batch: Running,
  i: number,
  error: unknown,
  entry: Compiled,
  started: number,
): Reply {
  if (entry.shipped) error = explainClosure(error, entry.name);
  if (error instanceof Error) return deliver(batch, i, ERROR, serializeError(error), started);
  return deliver(batch, i, THROWN, error, started);
}

function compile(spec: RefSpec): Compiled {
  if (spec.kind === 'module') {
    return { fn: null, shipped: false, name: spec.exportName, ...loader(spec) };
  }
  const tag = encodeURIComponent(spec.name === '' ? 'anonymous' : spec.name);
  const body = `"use strict";\nreturn (${spec.expr});\n//# sourceURL=threadpool-task:${tag}`;
  try {
    const make = new Function('__name', 'move', 'require', body);
    return {
      fn: make(keepName, move, requireInTask),
      loading: null,
      shipped: true,
      name: spec.name,
    };
  } catch (error) {
    // Surfaces as this task's exception when it runs.
    const fail: TaskFn = () => {
      throw error;
    };
    return { fn: fail, loading: null, shipped: false, name: spec.name };
  }
}

function loader(spec: Extract<RefSpec, { kind: 'module' }>): Pick<Compiled, 'loading'> {
  const loading = importModule(spec.url).then((mod: Record<string, unknown>) => {
    const fn = mod[spec.exportName];
    if (typeof fn !== 'function') {
      const has = Object.keys(mod).join(', ') || 'nothing';
      throw new TypeError(
        `task(${JSON.stringify(spec.url)}, ${JSON.stringify(spec.exportName)}): the module has ` +
          `no function export ${JSON.stringify(spec.exportName)} (it exports: ${has})`,
      );
    }
    const entry = cache.get(spec.id)!;
    entry.fn = fn as TaskFn;
    entry.loading = null;
    return fn as TaskFn;
  });
  loading.catch(() => cache.delete(spec.id)); // a failed import is retried by the next task
  return { loading };
}

let tsxRegistered: Promise<boolean> | null = null;

/**
 * Imports a module task's module. Node 20 does not apply tsx's ESM hooks (`--import tsx`) inside
 * worker threads, so a TypeScript module fails with ERR_UNKNOWN_FILE_EXTENSION; then tsx, if
 * installed, is registered in this worker once and the import is tried again.
 */
async function importModule(url: string): Promise<Record<string, unknown>> {
  try {
    return await import(url);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    tsxRegistered ??= registerTsx();
    if (!(await tsxRegistered)) throw error;
    // The failed load is cached under `url`: import it again under another URL.
    return await import(`${url}${url.includes('?') ? '&' : '?'}tsx`);
  }
}

async function registerTsx(): Promise<boolean> {
  const api = 'tsx/esm/api'; // not a dependency: present when the program runs under tsx
  try {
    const { register } = (await import(api)) as { register: () => unknown };
    register();
    return true;
  } catch {
    return false;
  }
}

function awaitModule(entry: Compiled, args: unknown[]): Promise<unknown> {
  return entry.loading!.then((fn) => fn(...args));
}

function isPrimitive(value: unknown): boolean {
  const type = typeof value;
  return value === null || (type !== 'object' && type !== 'function' && type !== 'symbol');
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/**
 * piscina handler for `ThreadPool.proxy`: exposes a module through comlink on `port` and keeps
 * this worker for it until the pool side closes the port.
 */
export async function runProxy(message: ProxyMessage): Promise<void> {
  const { expose } = await import('comlink');
  const closed = new Promise<void>((resolve) => message.port.once('close', () => resolve()));
  const mod = await importModule(message.url);
  expose(mod, message.port as never);
  await closed;
}
