/**
 * ThreadPoolExecutor and Future: concurrent.futures' API (gevent's
 * test__threadpool_executor_patched): submit, result(timeout), addDoneCallback, cancel,
 * wait([future]), map, shutdown.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { suite } from 'uvu';
import { AsyncResult, idle, run, until, wait } from '../../core/index.ts';
import {
  CancelledError,
  Future,
  ThreadPoolClosed,
  ThreadPoolExecutor,
  TimeoutError,
} from '../../threadpool/index.ts';
import { assert, runChecked, takeErrors } from '../_support/gtest.ts';

const s = suite('threadpool executor');
const executor = new ThreadPoolExecutor(2);
s.after(() => run(executor.shutdown()));
const test = (name: string, body: () => Generator<unknown, unknown, unknown>) =>
  s(name, () => runChecked(body).then(() => undefined));

const gate = () => new Int32Array(new SharedArrayBuffer(8));
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
function* started(g: Int32Array, count = 1): Generator<unknown, void, unknown> {
  const atomics = Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: unknown };
  };
  for (let seen = Atomics.load(g, 1); seen < count; seen = Atomics.load(g, 1)) {
    const waiter = atomics.waitAsync(g, 1, seen, 10_000);
    if (waiter.async) assert.is(yield* until(waiter.value as Promise<string>), 'ok');
  }
}

test('submit returns a Future (an AsyncResult) with the result', function* () {
  const f = executor.submit((a: number, b: number) => a * b, 6, 7);
  assert.instance(f, Future);
  assert.instance(f, AsyncResult);
  assert.is(yield* f.result(), 42);
  assert.ok(f.done());
  assert.not.ok(f.cancelled());
});

test('a finished Future does not keep its arguments alive', function* () {
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  const submitBig = () => {
    const big = new Float64Array(1 << 16);
    return [executor.submit((data: Float64Array) => data.length, big), new WeakRef(big)] as const;
  };
  const [f, argument] = submitBig();
  assert.is(yield* f.result(), 1 << 16);
  yield* idle(); // its done-links have run
  assert.not.ok(f.running());
  collect();
  assert.is(argument.deref(), undefined, 'the argument was collected while the Future lives');
  assert.ok(f.done());
});

test('result(timeout) raises TimeoutError; the task goes on', function* () {
  const g = gate();
  const f = executor.submit(waitAtGate, g, 5);
  yield* started(g);
  assert.ok(f.running());
  try {
    yield* f.result(0.05);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, TimeoutError);
  }
  open(g);
  assert.is(yield* f.result(), 5);
  assert.not.ok(f.running());
});

test('a failing task raises from result()', function* () {
  const f = executor.submit(() => {
    throw new TypeError('bad input');
  });
  try {
    yield* f.result();
    assert.unreachable();
  } catch (error) {
    assert.instance(error, TypeError);
  }
});

test('addDoneCallback: later, at once when done; an error in one is reported and ignored', function* () {
  const calls: string[] = [];
  const f = executor.submit((x: number) => x, 1);
  f.addDoneCallback(() => {
    throw new Error('callback broke');
  });
  f.addDoneCallback((done) => calls.push(`later ${done.value}`));
  yield* f.result();
  yield* wait([f]);
  f.addDoneCallback((done) => calls.push(`at once ${done.value}`));
  assert.equal(calls, ['later 1', 'at once 1']);
  const errors = takeErrors();
  assert.is(errors.length, 1);
  assert.is((errors[0]!.error as Error).message, 'callback broke');
});

test('wait([futures]) returns them as they finish', function* () {
  const futures = [3, 1, 2].map((n) => executor.submit((x: number) => x * 10, n));
  const done = yield* wait(futures);
  assert.is(done.length, 3);
  assert.equal(
    futures.map((f) => f.value),
    [30, 10, 20],
  );
});

test('cancel() succeeds only before the task starts', function* () {
  const g = gate();
  const a = executor.submit(waitAtGate, g, 1);
  const b = executor.submit(waitAtGate, g, 2);
  const queued = executor.submit((x: number) => x, 3);
  yield* started(g, 2);
  assert.not.ok(a.cancel(), 'a running future cannot be cancelled');
  assert.ok(queued.cancel());
  assert.ok(queued.cancelled());
  assert.ok(queued.done());
  try {
    yield* queued.result();
    assert.unreachable();
  } catch (error) {
    assert.instance(error, CancelledError);
  }
  open(g);
  assert.equal([yield* a.result(), yield* b.result()], [1, 2]);
});

test('map gives results in order; a timeout raises TimeoutError and cancels the rest', function* () {
  assert.equal(yield* executor.map((x: number) => x + 1, [1, 2, 3]), [2, 3, 4]);
  const g = gate();
  try {
    const job = ({ g, x }: { g: Int32Array; x: number }) => {
      Atomics.wait(g, 0, 0, 5000);
      return x;
    };
    yield* executor.map(
      job,
      [1, 2, 3].map((x) => ({ g, x })),
      { timeout: 0.1 },
    );
    assert.unreachable();
  } catch (error) {
    assert.instance(error, TimeoutError);
  }
  open(g);
});

test('shutdown() waits, cancels queued futures on request, then refuses submissions', function* () {
  const own = new ThreadPoolExecutor(1);
  const g = gate();
  const running = own.submit(waitAtGate, g, 1);
  const queued = own.submit((x: number) => x, 2);
  yield* started(g);
  const closing = own.shutdown({ cancelFutures: true });
  assert.ok(queued.cancelled());
  open(g);
  yield* closing;
  assert.is(running.value, 1);
  assert.is(own.pool.size, 0);
  assert.throws(
    () => own.submit((x: number) => x, 1),
    (e: unknown) => e instanceof ThreadPoolClosed,
  );
});

s.run();
