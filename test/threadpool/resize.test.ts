/**
 * ThreadPool sizing: argument checks, lazy growth, maxsize 0 holding tasks, resizing while busy
 * (gevent's test__threadpool size tests).
 */

import { suite } from 'uvu';
import { until } from '../../core/index.ts';
import { ThreadPool } from '../../threadpool/index.ts';
import { assert, runChecked } from '../_support/gtest.ts';

const s = suite('threadpool size');
const test = (name: string, body: () => Generator<unknown, unknown, unknown>) =>
  s(name, () => runChecked(body).then(() => undefined));

const gate = () => new Int32Array(new SharedArrayBuffer(8));
/** Says it started (slot 1), then waits until the gate (slot 0) opens. */
const waitAtGate = (g: Int32Array, value: number) => {
  Atomics.add(g, 1, 1);
  Atomics.notify(g, 1);
  Atomics.wait(g, 0, 0, 5000);
  return value;
};
function open(g: Int32Array): void {
  Atomics.store(g, 0, 1);
  Atomics.notify(g, 0);
}
/** Waits (Atomics.waitAsync, no polling) until `count` tasks are past their start. */
function* started(g: Int32Array, count: number): Generator<unknown, void, unknown> {
  const atomics = Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: unknown };
  };
  for (let seen = Atomics.load(g, 1); seen < count; seen = Atomics.load(g, 1)) {
    const waiter = atomics.waitAsync(g, 1, seen, 10_000);
    if (waiter.async) assert.is(yield* until(waiter.value as Promise<string>), 'ok');
  }
}

test('bad sizes and options raise errors that name them', function* () {
  assert.throws(
    () => new ThreadPool(-1),
    (e: unknown) => e instanceof RangeError,
  );
  assert.throws(
    () => new ThreadPool(1.5),
    (e: unknown) => e instanceof TypeError,
  );
  const pool = new ThreadPool(1);
  assert.throws(
    () => {
      pool.maxsize = -2;
    },
    (e: unknown) => e instanceof RangeError && /maxsize must not be negative/.test(String(e)),
  );
  assert.throws(
    () => new ThreadPool(1, { maxBatch: 0 }),
    /options\.maxBatch must be a positive integer/,
  );
  assert.throws(
    () => new ThreadPool(1, { bogus: 1 } as never),
    /options\.bogus is not a ThreadPool option/,
  );
  assert.throws(
    () => new ThreadPool(1, { resourceLimits: { heap: 5 } as never }),
    /options\.resourceLimits\.heap is not a limit/,
  );
  assert.throws(() => new ThreadPool(1, { idleTimeout: -1 }), /options\.idleTimeout/);
  assert.is(String(pool), '<ThreadPool tasks=0 size=0 maxsize=1>');
  yield* pool.close();
});

test('threads start lazily, never past maxsize', function* () {
  const pool = new ThreadPool(3);
  assert.is(pool.size, 0);
  yield* pool.apply(() => 1);
  assert.ok(pool.size >= 1 && pool.size <= 3, `size ${pool.size}`);
  yield* pool.map((x: number) => x, [1, 2, 3, 4, 5, 6]);
  assert.ok(pool.size <= 3, `size ${pool.size}`);
  yield* pool.close();
  assert.is(pool.size, 0);
});

test('maxsize 0 holds tasks queued until it is raised', function* () {
  const pool = new ThreadPool(0);
  const r = pool.spawn((x: number) => x * 2, 21);
  yield* r.wait(0.3);
  assert.not.ok(r.ready());
  assert.is(pool.statistics().queued, 1);
  assert.is(pool.size, 0);
  pool.maxsize = 1;
  assert.is(yield* r.get(), 42);
  yield* pool.close();
});

test('setting maxsize to 0 shrinks an idle pool to no threads', function* () {
  const pool = new ThreadPool(2);
  yield* pool.apply(() => 1);
  assert.ok(pool.size >= 1);
  pool.maxsize = 0;
  assert.is(pool.size, 0);
  pool.maxsize = 1;
  assert.is(yield* pool.apply(() => 'back'), 'back');
  yield* pool.close();
});

test('raising maxsize while busy runs queued tasks at once', function* () {
  const pool = new ThreadPool(1);
  const g = gate();
  const blocked = pool.spawn(waitAtGate, g, 1);
  yield* started(g, 1);
  const queued = pool.spawn((x: number) => x, 2);
  yield* queued.wait(0.2);
  assert.not.ok(queued.ready(), 'no free thread yet');
  pool.maxsize = 2;
  assert.is(yield* queued.get(), 2);
  assert.not.ok(blocked.ready());
  open(g);
  assert.is(yield* blocked.get(), 1);
  yield* pool.close();
});

test('lowering maxsize while busy lets running tasks finish and holds new ones', function* () {
  const pool = new ThreadPool(2);
  const g = gate();
  const a = pool.spawn(waitAtGate, g, 1);
  const b = pool.spawn(waitAtGate, g, 2);
  yield* started(g, 2);
  pool.maxsize = 1;
  const c = pool.spawn((x: number) => x, 3);
  yield* c.wait(0.2);
  assert.not.ok(c.ready(), 'two tasks still run on a pool of maxsize 1');
  open(g);
  assert.equal([yield* a.get(), yield* b.get(), yield* c.get()], [1, 2, 3]);
  yield* pool.join();
  assert.ok(pool.size <= 1, `size ${pool.size}`);
  yield* pool.close();
});

test("a fresh pool's first results arrive even when they beat the worker's HELLO", function* () {
  // Results travel on a port each worker announces on another channel than piscina's reply;
  // the reply can come first. The pool must wait for the result, not report a deadlock.
  for (let round = 0; round < 3; round++) {
    const pool = new ThreadPool(2);
    const out = yield* pool.map((n: number) => ({ n }), [1, 2]);
    assert.equal(out, [{ n: 1 }, { n: 2 }]);
    yield* pool.close();
  }
});

s.run();
