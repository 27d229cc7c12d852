/**
 * `ThreadPool.proxy()`: a comlink RPC proxy to a module kept loaded in one pool thread.
 * Layer: threadpool (main thread).
 *
 * The worker side is `runProxy` in worker.ts: a piscina task that exposes the module on a
 * MessagePort and lasts until that port closes, so the thread (and its slot in `maxsize`)
 * belongs to the proxy meanwhile and the pool's ordinary tasks go to the other threads.
 */

import type { MessagePort } from 'node:worker_threads';
import { type Remote, wrap } from 'comlink';

/**
 * A handle on a module loaded in a pool thread. `remote` is comlink's typed proxy: every call
 * returns a promise (wait with `yield* until(...)` in a greenlet). `close()` (or `using`) frees
 * the thread; until then it keeps the process alive.
 *
 * @example
 * using calc = pool.proxy<typeof import('./calc.ts')>(new URL('./calc.ts', import.meta.url));
 * const n = yield* until(calc.remote.fib(25));
 */
export class ThreadProxy<T> {
  /** The module's exports, called in the worker thread. */
  readonly remote: Remote<T>;
  private closed = false;
  /** Why the proxy's thread stopped, if it failed (the module could not load, or it crashed). */
  failure: unknown = undefined;

  constructor(
    private readonly port: MessagePort,
    done: Promise<unknown>,
  ) {
    this.remote = wrap<T>(port as never);
    done.then(
      () => this.close(),
      (error: unknown) => {
        this.failure = error;
        this.close();
      },
    );
  }

  /** Frees the thread. Calls still waiting never settle. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
