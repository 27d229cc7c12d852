/**
 * ThreadPool.proxy (a comlink RPC proxy to a module kept in one pool thread) and the process's
 * default pool.
 */

import { availableParallelism } from 'node:os';
import { suite } from 'uvu';
import { getHub, until } from '../../core/index.ts';
import { defaultThreadPoolSize, getDefaultThreadPool, ThreadPool } from '../../threadpool/index.ts';
import { assert, runChecked } from '../_support/gtest.ts';

const s = suite('threadpool proxy');
const test = (name: string, body: () => Generator<unknown, unknown, unknown>) =>
  s(name, () => runChecked(body).then(() => undefined));

const WORK = new URL('./fixtures/work.ts', import.meta.url);
type Work = typeof import('./fixtures/work.ts');

test('proxy() calls a module loaded in a pool thread', function* () {
  const pool = new ThreadPool(2);
  {
    using work = pool.proxy<Work>(WORK);
    assert.is(yield* until(work.remote.add(2, 3)), 5);
    assert.is(yield* until(work.remote.fib(20)), 6765);
    assert.is(yield* until(work.remote.later('x', 5)), 'x');
  }
  yield* pool.close();
});

test('a proxy holds its thread until closed', function* () {
  const pool = new ThreadPool(1);
  const work = pool.proxy<Work>(WORK);
  assert.is(yield* until(work.remote.add(1, 1)), 2);
  const r = pool.spawn((x: number) => x * 2, 4);
  yield* r.wait(0.2);
  assert.not.ok(r.ready(), 'the only thread belongs to the proxy');
  work.close();
  assert.is(yield* r.get(), 8);
  yield* pool.close();
});

test('a proxy to a module that cannot load reports why', function* () {
  const pool = new ThreadPool(1);
  const broken = pool.proxy<Work>(new URL('./fixtures/missing.ts', import.meta.url));
  const r = pool.spawn(() => 'after');
  assert.is(yield* r.get(), 'after'); // the thread came free again
  assert.match(String((broken.failure as Error).message), /missing\.ts/);
  assert.throws(() => new ThreadPool(0).proxy(WORK), /maxsize 0/);
  yield* pool.close();
});

test('the default pool is one shared instance, sized by GEVENT_THREADPOOL_SIZE', function* () {
  const pool = getDefaultThreadPool();
  assert.is(getDefaultThreadPool(), pool);
  assert.is(pool.maxsize, defaultThreadPoolSize());
  assert.is(defaultThreadPoolSize({ GEVENT_THREADPOOL_SIZE: '3' }), 3);
  assert.is(defaultThreadPoolSize({}), availableParallelism());
  assert.throws(
    () => defaultThreadPoolSize({ GEVENT_THREADPOOL_SIZE: '-1' }),
    /GEVENT_THREADPOOL_SIZE/,
  );
  assert.is(yield* pool.apply(() => 'default'), 'default');
  // gevent's hub.threadpool (needs the `get threadpool()` getter in core/hub.ts).
  assert.is((getHub() as unknown as { threadpool: unknown }).threadpool, pool);
  yield* pool.close();
  assert.is.not(getDefaultThreadPool(), pool, 'a closed default pool is replaced');
  yield* getDefaultThreadPool().close();
});

s.run();
