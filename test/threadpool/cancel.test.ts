/**
 * ThreadPool cancellation and failure isolation: an interrupted apply/map cancels its task
 * (queued: dropped; running: its worker terminated), a task that crashes or exhausts its worker
 * fails alone, kill() and close(). Tasks report progress through SharedArrayBuffer counters; the
 * test waits for a flag with Atomics.waitAsync, never with a fixed sleep.
 */

import { suite } from 'uvu';
import { AsyncResult, run, sleep, spawn, Timeout, until } from '../../core/index.ts';
import { ThreadPool, ThreadPoolClosed, WorkerExited } from '../../threadpool/index.ts';
import { assert, runChecked, takeErrors } from '../_support/gtest.ts';

const s = suite('threadpool cancel');
const pool = new ThreadPool(2);
s.after(() => run(pool.close()));
const test = (name: string, body: () => Generator<unknown, unknown, unknown>) =>
  s(name, () => runChecked(body).then(() => undefined));

const counters = () => new Int32Array(new SharedArrayBuffer(4 * 32));
/** Slot of the counters where a task says "I am running". */
const STARTED = 31;

/** Waits (for real, no polling) until a worker sets `arr[index]` to non-zero. */
function* flagged(arr: Int32Array, index: number): Generator<unknown, void, unknown> {
  const waiter = (
    Atomics as unknown as {
      waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: unknown };
    }
  ).waitAsync(arr, index, 0, 10_000);
  if (waiter.async) yield* until(waiter.value as Promise<string>);
  assert.ok(Atomics.load(arr, index) !== 0, `flag ${index} was never set`);
}

/** Marks itself started, then spins until its worker is terminated. */
const spinForever = (c: Int32Array) => {
  Atomics.store(c, 31, 1);
  Atomics.notify(c, 31);
  for (;;) {}
};

/** Counts a run of slot `i`, then waits on the gate (slot 30) unless `i` is negative. */
const countAndWait = (c: Int32Array, i: number) => {
  Atomics.add(c, Math.max(i, 0), 1);
  Atomics.store(c, 31, 1);
  Atomics.notify(c, 31);
  if (i >= 0) Atomics.wait(c, 30, 0, 5000);
  return i;
};

function release(c: Int32Array): void {
  Atomics.store(c, 30, 1);
  Atomics.notify(c, 30);
}

test('a Timeout raised in the waiting greenlet cancels the running task', function* () {
  yield* pool.map((x: number) => x, [1, 2]); // threads up, so the task starts well within 1 s
  const c = counters();
  const started = performance.now();
  const g = spawn(function* () {
    const t = Timeout.startNew(1);
    try {
      return yield* pool.apply(spinForever, [c]);
    } finally {
      t.cancel();
    }
  });
  yield* g.join();
  assert.instance(g.exception, Timeout);
  assert.is(takeErrors().length, 1, 'g reported its Timeout');
  assert.is(Atomics.load(c, STARTED), 1, 'the task had started');
  assert.ok(performance.now() - started < 5000);
  assert.is(yield* pool.apply((x: number) => x * 2, [21]), 42);
  assert.ok(pool.size <= 2, `size ${pool.size} > maxsize`);
});

test('killing the greenlet waiting on a queued task drops the task', function* () {
  const c = counters();
  const small = new ThreadPool(1);
  const blocker = small.spawn(countAndWait, c, 1);
  yield* flagged(c, STARTED);
  const g = spawn(() => small.apply(countAndWait, [c, -1]));
  yield* sleep(0); // g runs and submits
  assert.is(small.statistics().queued, 1);
  yield* g.kill();
  release(c);
  assert.is(yield* blocker.get(), 1);
  yield* small.join();
  assert.is(Atomics.load(c, 0), 0, 'the dropped task never ran');
  yield* small.close();
});

test('interrupting map cancels the running task and drops the queued ones', function* () {
  const c = counters();
  const small = new ThreadPool(1);
  const fn = (job: { c: Int32Array; i: number }) => {
    Atomics.add(job.c, job.i, 1);
    Atomics.store(job.c, 31, 1);
    Atomics.notify(job.c, 31);
    for (;;) {}
  };
  const g = spawn(() =>
    small.map(
      fn,
      [0, 1, 2, 3].map((i) => ({ c, i })),
    ),
  );
  yield* flagged(c, STARTED);
  yield* g.kill();
  assert.equal(small.statistics().queued, 0);
  assert.is(yield* small.apply((x: number) => x + 1, [1]), 2);
  assert.equal(Array.from(c.slice(0, 4)), [1, 0, 0, 0]);
  yield* small.close();
});

test("a waiter's timeout does not cancel a spawned task", function* () {
  const c = counters();
  const r = pool.spawn(countAndWait, c, 2);
  yield* flagged(c, STARTED);
  try {
    yield* r.get({ timeout: 0.05 });
    assert.unreachable();
  } catch (error) {
    assert.instance(error, Timeout);
  }
  release(c);
  assert.is(yield* r.get(), 2);
});

test('a task that exits its worker fails alone with WorkerExited; the pool keeps serving', function* () {
  const crash = pool.spawn(() => process.exit(3));
  const fine = pool.spawn((x: string) => x.toUpperCase(), 'ok');
  yield* crash.wait();
  const e = crash.exception as WorkerExited;
  assert.instance(e, WorkerExited);
  assert.is(e.code, 'ERR_WORKER_EXITED');
  assert.is(e.exitCode, 3);
  assert.is(yield* fine.get(), 'OK');
  assert.is(yield* pool.apply(() => 'still serving'), 'still serving');
});

test('an error thrown later by a task in its worker fails that task', function* () {
  const r = pool.spawn(async () => {
    setTimeout(() => {
      throw new Error('async boom');
    }, 5);
    await new Promise(() => {});
  });
  yield* r.wait();
  assert.is((r.exception as Error).message, 'async boom');
  assert.is(yield* pool.apply(() => 1), 1);
});

test('a task that runs out of memory fails with ERR_WORKER_OUT_OF_MEMORY alone', function* () {
  const limited = new ThreadPool(1, { resourceLimits: { maxOldGenerationSizeMb: 96 } });
  const hog = limited.spawn(() => {
    const keep: number[][] = [];
    for (;;) keep.push(new Array(1e5).fill(1.5));
  });
  yield* hog.wait();
  assert.is((hog.exception as Error & { code: string }).code, 'ERR_WORKER_OUT_OF_MEMORY');
  assert.is(yield* limited.apply((x: number) => x, [7]), 7);
  yield* limited.close();
});

test('a crash inside a batch fails only the running task; the rest run exactly once', function* () {
  const small = new ThreadPool(1);
  const c = counters();
  const job = (c: Int32Array, i: number, crashAt: number) => {
    if (i === crashAt) process.exit(7);
    Atomics.add(c, i, 1);
    return i;
  };
  yield* small.map((i: number) => i, [0]); // thread up
  for (let i = 0; i < 5; i++) yield* small.apply(job, [counters(), 0, -1]); // known short
  const results = Array.from({ length: 20 }, (_, i) => small.spawn(job, c, i, 10));
  for (const [i, r] of results.entries()) {
    yield* r.wait();
    if (i === 10) assert.is((r.exception as WorkerExited).exitCode, 7);
    else assert.is(r.value, i);
  }
  const runs = Array.from(c.slice(0, 20));
  assert.equal(
    runs,
    runs.map((_, i) => (i === 10 ? 0 : 1)),
  );
  yield* small.close();
});

test('cancelling the running task of a batch re-queues the tasks behind it', function* () {
  const small = new ThreadPool(1);
  const c = counters();
  const job = (c: Int32Array, i: number, spinAt: number) => {
    if (i === spinAt) {
      Atomics.store(c, 31, 1);
      Atomics.notify(c, 31);
      for (;;) {}
    }
    Atomics.add(c, i, 1);
    return i;
  };
  yield* small.map((i: number) => i, [0]);
  for (let i = 0; i < 5; i++) yield* small.apply(job, [counters(), 0, -1]);
  // White-box: submit ten calls in one turn (one batch), then cancel the 6th as an
  // interrupted apply() would.
  const tasks = Array.from({ length: 10 }, (_, i) =>
    small._submit(job, [c, i, 5], new AsyncResult<number>(), 'spawn(fn)'),
  );
  yield* flagged(c, STARTED);
  assert.is(small.statistics().batches, 1);
  small._engine.cancel(tasks[5]!);
  for (const [i, t] of tasks.entries()) {
    if (i === 5) continue;
    assert.is(yield* (t.result as AsyncResult<number>).get(), i);
  }
  const runs = Array.from(c.slice(0, 10));
  assert.equal(
    runs,
    runs.map((_, i) => (i === 5 ? 0 : 1)),
  );
  assert.not.ok(tasks[5]!.result.ready());
  yield* small.close();
});

test('kill() fails running and queued tasks with ThreadPoolClosed; the pool stays usable', function* () {
  const small = new ThreadPool(1);
  const c = counters();
  const running = small.spawn(spinForever, c);
  const queued = small.spawn((x: number) => x, 1);
  yield* flagged(c, STARTED);
  small.kill();
  yield* running.wait();
  yield* queued.wait();
  assert.instance(running.exception, ThreadPoolClosed);
  assert.instance(queued.exception, ThreadPoolClosed);
  assert.is(small.size, 0);
  assert.is(yield* small.apply((x: number) => x + 1, [1]), 2);
  yield* small.close();
});

test('close() lets submitted tasks finish, ends the threads, and refuses new tasks', function* () {
  const small = new ThreadPool(1);
  const block = (ms: number) => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    return ms;
  };
  const a = small.spawn(block, 50);
  const b = small.spawn(block, 10);
  yield* small.close();
  assert.is(a.value, 50);
  assert.is(b.value, 10);
  assert.is(small.size, 0);
  assert.throws(
    () => small.spawn(block, 1),
    (e: unknown) => e instanceof ThreadPoolClosed,
  );
});

s.run();
