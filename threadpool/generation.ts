/**
 * One piscina instance and the result ports of its workers. Layer: threadpool (main thread).
 *
 * piscina cannot change its thread limit after construction, so a pool whose `maxsize` changes
 * starts a new generation and retires the old one, which is destroyed once its last batch is
 * back. Each worker posts the port its results come on (HELLO) through piscina's 'message'
 * event; the ports are unref'd, so an idle pool never keeps the process alive (piscina unrefs
 * idle workers too).
 */

import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { FlagSlots } from './batch.ts';
import { HELLO, type ResultMessage, type WorkerSetup } from './protocol.ts';

/** Options passed through to each worker thread. */
export interface WorkerOptions {
  /** V8 heap limits per worker; a task that exceeds them fails alone and the thread is replaced. */
  resourceLimits?: {
    maxOldGenerationSizeMb?: number;
    maxYoungGenerationSizeMb?: number;
    codeRangeSizeMb?: number;
    stackSizeMb?: number;
  };
  /** Environment of the workers (default: a copy of process.env). */
  env?: Record<string, string>;
  /**
   * Node flags of the workers. Default: the parent's, except that `--import tsx` becomes
   * `--require tsx/cjs` (see `workerExecArgv`).
   */
  execArgv?: string[];
  /** Seconds an idle worker lives before it exits (default: forever, as in gevent). */
  idleTimeout?: number;
  /**
   * Added to each worker thread's nice value (Linux; 0-19, default 0). A positive value lets the
   * hub's thread preempt busy workers at once, which keeps timers and sockets on time when the
   * pool saturates every core.
   */
  niceIncrement?: number;
}

/** Runs from source (.ts under tsx) and from the build (.js): pick the sibling worker file. */
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js',
  import.meta.url,
).href;

/**
 * The parent's Node flags for the workers, with tsx's ESM loader swapped for its CommonJS hook.
 * On Node 20 `--import tsx` does not register its ESM hooks inside worker threads anyway, yet
 * costs each thread about half a second to load; `--require tsx/cjs` is what actually loads the
 * (TypeScript) worker file when running from source. A module task in TypeScript still works:
 * the worker registers tsx's ESM loader the first time one needs it.
 *
 * Flags given to a Worker explicitly are checked, and V8 or process-wide ones (`--expose-gc`,
 * `--max-old-space-size`, `--title`...) make its constructor throw, although the same flags
 * inherited implicitly are fine. So when the list is rewritten, only the flags that shape how
 * code loads are passed on (module hooks, conditions, source maps, warnings, experimental
 * features); otherwise the workers inherit the parent's as Node does by default (undefined).
 */
export function workerExecArgv(parent: readonly string[]): string[] | undefined {
  const out: string[] = [];
  let changed = false;
  for (let i = 0; i < parent.length; i++) {
    const arg = parent[i]!;
    const next = parent[i + 1];
    if (arg === '--import' && next === 'tsx') {
      out.push('--require', 'tsx/cjs');
      i++;
      changed = true;
    } else if (arg === '--import=tsx') {
      out.push('--require=tsx/cjs');
      changed = true;
    } else if (TAKES_VALUE.has(arg) && next !== undefined) {
      out.push(arg, next);
      i++;
    } else if (PASSED_ON.test(arg)) out.push(arg);
  }
  return changed ? out : undefined;
}

/** Code-loading flags written as two words (`--require x`): passed on with their value. */
const TAKES_VALUE = new Set([
  '--require',
  '-r',
  '--import',
  '--loader',
  '--experimental-loader',
  '--conditions',
  '-C',
]);
/** Single-word flags a worker accepts and that change how code loads or reports. */
const PASSED_ON =
  /^(--(require|import|loader|experimental-loader|conditions)=|--enable-source-maps$|--no-warnings$|--no-deprecation$|--trace-warnings$|--experimental-)/;

export class Generation {
  readonly piscina: Piscina;
  readonly flagSlots: FlagSlots;
  /** Batches sent and not yet settled. */
  inflight = 0;
  retired = false;
  /** Some worker of this generation has started (posted its HELLO). */
  started = false;
  private destroyed: Promise<void> | null = null;
  /** The workers' result ports by threadId (each worker posts its own at start-up). */
  private readonly ports = new Map<number, MessagePort>();

  constructor(
    readonly maxThreads: number,
    maxBatch: number,
    options: WorkerOptions,
    private readonly onResult: (message: ResultMessage) => void,
    onError: (error: unknown, gen: Generation) => void,
  ) {
    this.flagSlots = new FlagSlots(maxBatch, maxThreads * 4 + 4);
    const idle = options.idleTimeout;
    this.piscina = new Piscina({
      filename: WORKER_URL,
      name: 'runBatch',
      minThreads: 0,
      maxThreads,
      concurrentTasksPerWorker: 1,
      idleTimeout: idle === undefined || idle === null ? Number.POSITIVE_INFINITY : idle * 1000,
      recordTiming: false,
      resourceLimits: options.resourceLimits,
      env: options.env,
      execArgv: options.execArgv ?? workerExecArgv(process.execArgv),
      workerData: {
        niceIncrement: options.niceIncrement ?? 0,
        flagSlab: this.flagSlots.slab,
        slotInts: this.flagSlots.slotInts,
      } satisfies WorkerSetup,
    });
    this.piscina.on('message', (message: unknown) => this.onWorkerMessage(message));
    // A worker error with no task to fail: an async leftover of a finished task, or a worker
    // that could not start (see Engine.onWorkerError).
    this.piscina.on('error', (error: unknown) => onError(error, this));
  }

  /** Live worker threads (starting ones included). */
  get threads(): number {
    return this.destroyed === null ? this.piscina.threads.length : 0;
  }

  /** Terminates the worker with this threadId (its batch fails and piscina forgets it). */
  terminateThread(threadId: number): void {
    for (const worker of this.piscina.threads) {
      if (worker.threadId === threadId) {
        void worker.terminate();
        return;
      }
    }
  }

  /** Terminates every worker at once; pending batches fail. */
  destroy(): Promise<void> {
    this.destroyed ??= this.piscina.destroy().catch(() => undefined);
    return this.destroyed;
  }

  /**
   * Handles every result already queued on the workers' ports, now. A worker posts a result
   * before it replies to piscina, so when the reply arrives the result is already in the port's
   * queue; but the ports are unref'd, and the loop could otherwise end (or the hub report a
   * deadlock) before it reads them.
   */
  drainResults(threadId: number): void {
    const port = this.ports.get(threadId);
    if (port !== undefined) this.drain(port);
  }

  private drain(port: MessagePort): void {
    for (let next = receiveMessageOnPort(port); next !== undefined; ) {
      this.onResult(next.message as ResultMessage);
      next = receiveMessageOnPort(port);
    }
  }

  private onWorkerMessage(message: unknown): void {
    const hello = message as { [HELLO]?: MessagePort; threadId?: number } | null;
    const port = hello?.[HELLO];
    if (port === undefined) return;
    const threadId = hello!.threadId ?? 0;
    this.started = true;
    this.ports.set(threadId, port);
    // Take every result already queued in one go: one wakeup of the waiting greenlets (and one
    // microtask checkpoint) for all of them instead of one per message.
    port.on('message', (first: ResultMessage) => {
      this.onResult(first);
      this.drain(port);
    });
    // (No draining here: Node delivers queued messages before 'close', and reading a closed
    // port with receiveMessageOnPort crashes the process on Node 20.)
    port.once('close', () => this.ports.delete(threadId));
    port.unref();
  }
}
