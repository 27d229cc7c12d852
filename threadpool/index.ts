/**
 * gevent-ts/threadpool: real OS threads for CPU-bound work, waited on by greenlets.
 *
 * Layers (each imports only those above it; nothing here is imported by core/):
 *   move, protocol, errors          shared with the worker threads
 *   worker                          the piscina worker (runs in the threads only)
 *   task, generation, engine        main-thread machinery: refs, piscina instances, dispatch
 *   pool, imap, proxy, executor     the public API; default (the process's shared pool)
 *
 * @example
 * import { run } from 'gevent-ts';
 * import { ThreadPool } from 'gevent-ts/threadpool';
 * const pool = new ThreadPool(4);
 * await run(function* () {
 *   const primes = yield* pool.map((n: number) => { let c = 0; for (let i = 2; i < n; i++) { let p = true; for (let j = 2; j * j <= i; j++) if (i % j === 0) { p = false; break; } if (p) c++; } return c; }, [1e5, 2e5]);
 *   console.log(primes);
 *   yield* pool.close();
 * });
 *
 * @module gevent-ts/threadpool
 */

export { defaultThreadPoolSize, getDefaultThreadPool } from './default.ts';
export type { EngineOptions } from './engine.ts';
export {
  CancelledError,
  type SerializedError,
  ThreadPoolClosed,
  TimeoutError,
  WorkerExited,
} from './errors.ts';
export { Future, ThreadPoolExecutor } from './executor.ts';
export type { WorkerOptions } from './generation.ts';
export { ThreadMap } from './imap.ts';
export { move } from './move.ts';
export {
  type ArgsOf,
  type ResultOf,
  type Runnable,
  ThreadPool,
  type ThreadPoolOptions,
} from './pool.ts';
export { ThreadProxy } from './proxy.ts';
export { TaskRef, task } from './task.ts';
