/**
 * The process's default ThreadPool (what gevent keeps as `hub.threadpool`), created on first
 * use. Layer: threadpool (main thread).
 *
 * Sized by `GEVENT_THREADPOOL_SIZE` (default: the number of cores). core/ does not import this
 * package: loading it registers `getDefaultThreadPool` as the hub's 'threadpool' service, which
 * `getHub().threadpool` hands out.
 */

import { availableParallelism } from 'node:os';
import { registerHubService } from '../core/hub.ts';
import { registerRunInfoSection } from '../core/util/sections.ts';
import { ThreadPool } from './pool.ts';

let defaultPool: ThreadPool | null = null;

// formatRunInfo() asks the pool about itself; printing must not create one.
registerRunInfoSection('Threadpool', () =>
  defaultPool === null || defaultPool.closed
    ? ['default pool: not created']
    : [String(defaultPool), `statistics: ${JSON.stringify(defaultPool.statistics())}`],
);

/**
 * The default pool's size: `GEVENT_THREADPOOL_SIZE`, else the number of cores.
 *
 * @example
 * defaultThreadPoolSize({ GEVENT_THREADPOOL_SIZE: '8' }); // 8
 */
export function defaultThreadPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.GEVENT_THREADPOOL_SIZE;
  if (raw === undefined || raw === '') return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(
      `GEVENT_THREADPOOL_SIZE must be an integer >= 0, got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

/**
 * The shared pool, created on first use (and again after it was closed).
 *
 * @example
 * const digest = yield* getDefaultThreadPool().apply(hashFile, [path]);
 */
export function getDefaultThreadPool(): ThreadPool {
  if (defaultPool === null || defaultPool.closed)
    defaultPool = new ThreadPool(defaultThreadPoolSize());
  return defaultPool;
}

registerHubService('threadpool', getDefaultThreadPool);
