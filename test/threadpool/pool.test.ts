/**
 * ThreadPool: spawn/apply/applyAsync/map/imap, shipped functions and module tasks, errors that
 * cross the thread boundary, transfers. One pool of 3 threads is shared by the file.
 */

import { suite } from 'uvu';
import { AsyncResult, getHub, run, sleep, spawn } from '../../core/index.ts';
import { workerExecArgv } from '../../threadpool/generation.ts';
import { move, ThreadPool, task } from '../../threadpool/index.ts';
import { assert, runChecked, since, takeErrors } from '../_support/gtest.ts';

const s = suite('threadpool');
const pool = new ThreadPool(3);
s.after(() => run(pool.close()));
const test = (name: string, body: () => Generator<unknown, unknown, unknown>) =>
  s(name, () => runChecked(body).then(() => undefined));

const WORK = new URL('./fixtures/work.ts', import.meta.url);

/** Blocks the worker thread for `ms` (a real OS-level sleep, as gevent's time.sleep). */
const block = (ms: number) => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return ms;
};

test('spawn returns an AsyncResult that wakes the waiting greenlet', function* () {
  const r = pool.spawn((a: number, b: number) => a + b, 2, 3);
  assert.ok(r instanceof AsyncResult);
  assert.is(yield* r.get(), 5);
  assert.ok(r.successful());
});

test('apply raises the worker exception in the calling greenlet, code and stack kept', function* () {
  const fails = (code: string) => {
    const error = new RangeError('out of range in the worker') as RangeError & { code: string };
    error.code = code;
    throw error;
  };
  try {
    yield* pool.apply(fails, ['E_TEST']);
    assert.unreachable('apply should raise');
  } catch (error) {
    assert.instance(error, RangeError);
    const e = error as RangeError & { code: string };
    assert.is(e.message, 'out of range in the worker');
    assert.is(e.code, 'E_TEST');
    assert.match(String(e.stack), /threadpool-task:fails/);
  }
});

test('an exception keeps its custom name, cause chain and AggregateError members', function* () {
  const fails = () => {
    class ParseError extends Error {
      override name = 'ParseError';
    }
    const inner = new TypeError('inner');
    throw new AggregateError([new ParseError('bad token', { cause: inner })], 'several');
  };
  const r = pool.spawn(fails);
  yield* r.wait();
  const e = r.exception as AggregateError;
  assert.instance(e, AggregateError);
  assert.is(e.message, 'several');
  const first = e.errors[0] as Error;
  assert.is(first.name, 'ParseError');
  assert.instance(first.cause, TypeError);
  assert.is((first.cause as Error).message, 'inner');
});

test('a thrown non-Error value comes back as it is', function* () {
  const r = pool.spawn(() => {
    throw { reason: 'plain object' };
  });
  yield* r.wait();
  assert.equal(r.exception, { reason: 'plain object' });
});

test('a function that uses a variable of its scope gets an error explaining the closure rule', function* () {
  const offset = 10;
  const usesClosure = (x: number) => x + offset;
  try {
    yield* pool.apply(usesClosure, [1]);
    assert.unreachable('apply should raise');
  } catch (error) {
    const e = error as ReferenceError & { code: string };
    assert.instance(e, ReferenceError);
    assert.is(e.code, 'ERR_TASK_CLOSURE');
    assert.match(e.message, /^offset is not defined in the worker thread/);
    assert.match(e.message, /Pass offset as an argument/);
    assert.match(e.message, /usesClosure/);
    assert.instance(e.cause, ReferenceError);
  }
});

test('natives, bound functions and classes are refused at spawn', function* () {
  const spawnAny = pool.spawn.bind(pool) as (fn: unknown, ...args: unknown[]) => unknown;
  assert.throws(() => spawnAny(Math.max, 1, 2), /native or bound/);
  assert.throws(() => spawnAny(((x: number) => x).bind(null), 1), /native or bound/);
  assert.throws(() => spawnAny(class {}), /a class cannot be run/);
  assert.throws(() => spawnAny(42), /spawn\(fn\) must be a function or a task\(\), got number/);
  yield* sleep(0);
});

test('method shorthand, async functions, require and generators of helpers work', function* () {
  const helpers = {
    double(x: number) {
      return x * 2;
    },
  };
  assert.is(yield* pool.apply(helpers.double, [21]), 42);
  const slow = async (x: number) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return x + 1;
  };
  assert.is(yield* pool.apply(slow, [1]), 2);
  const hash = (text: string) =>
    require('node:crypto').createHash('sha1').update(text).digest('hex');
  assert.is(yield* pool.apply(hash, ['abc']), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  const nested = (n: number) => {
    function square(x: number) {
      return x * x;
    }
    const plusOne = (x: number) => x + 1;
    return plusOne(square(n));
  };
  assert.is(yield* pool.apply(nested, [3]), 10);
});

test('applyAsync runs the callback in the hub with the value', function* () {
  const seen = new AsyncResult<[number, boolean]>();
  const r = pool.applyAsync(
    (x: number) => x * 3,
    [5],
    (value) => {
      seen.set([value, getHub().current === null]);
    },
  );
  assert.is(yield* r.get(), 15);
  assert.equal(yield* seen.get(), [15, true]);
});

test('map keeps input order; imap is ordered; imapUnordered gives completion order', function* () {
  assert.equal(yield* pool.map((x: number) => x * x, [1, 2, 3, 4, 5]), [1, 4, 9, 16, 25]);
  const it = pool.imap(block, [120, 10, 60]);
  const ordered: number[] = [];
  for (;;) {
    const r = yield* it.next();
    if (r.done) break;
    ordered.push(r.value);
  }
  assert.equal(ordered, [120, 10, 60]);
  const un = pool.imapUnordered(block, [300, 10, 150]);
  const completed: number[] = [];
  for (;;) {
    const r = yield* un.next();
    if (r.done) break;
    completed.push(r.value);
  }
  assert.equal(completed, [10, 150, 300]);
});

test('an error from the input iterable propagates from map and imap', function* () {
  function* items() {
    yield 1;
    throw new Error('input broke');
  }
  try {
    yield* pool.map((x: number) => x, items());
    assert.unreachable();
  } catch (error) {
    assert.is((error as Error).message, 'input broke');
  }
  const it = pool.imap((x: number) => x, items());
  try {
    yield* it.next();
    assert.unreachable();
  } catch (error) {
    assert.is((error as Error).message, 'input broke');
  }
});

test('4 blocking sleeps on 3 threads take 2 units while the hub keeps running', function* () {
  yield* pool.map(block, [1, 1, 1]); // threads started
  let ticks = 0;
  const ticker = spawn(function* () {
    for (;;) {
      yield* sleep(0.02);
      ticks++;
    }
  });
  const start = performance.now();
  yield* pool.map(block, [250, 250, 250, 250]);
  const elapsed = since(start);
  yield* ticker.kill();
  assert.ok(elapsed >= 0.49, `took ${elapsed} s, expected about 0.5`);
  assert.ok(elapsed < 0.72, `took ${elapsed} s, expected about 0.5`);
  assert.ok(ticks >= 10, `the hub ticked only ${ticks} times meanwhile`);
});

test('task(moduleUrl, exportName) runs module code; the default export by default', function* () {
  assert.is(yield* pool.apply(task<[number, number], number>(WORK, 'add'), [2, 3]), 5);
  assert.is(yield* pool.apply(task<[number], number>(WORK), [21]), 42);
  assert.is(yield* pool.apply(task<[string, number], string>(WORK, 'later'), ['x', 5]), 'x');
  try {
    yield* pool.apply(task(WORK, 'fail'), ['E_MODULE']);
    assert.unreachable();
  } catch (error) {
    assert.is((error as Error & { code: string }).code, 'E_MODULE');
    assert.match(String((error as Error).stack), /fixtures\/work\.ts/);
  }
  try {
    yield* pool.apply(task(WORK, 'notAFunction'));
    assert.unreachable();
  } catch (error) {
    assert.instance(error, TypeError);
    assert.match((error as Error).message, /no function export "notAFunction"/);
  }
});

test('a task module may run greenlets on its worker thread (a hub per thread)', function* () {
  type Result = { values: number[]; ms: number };
  const result = yield* pool.apply(task<[number], Result>(WORK, 'greenletsInWorker'), [3]);
  assert.equal(result.values, [0, 1, 2]);
  assert.ok(result.ms < 140, `3 sleeps of 50 ms overlapped in the worker: ${result.ms} ms`);
});

test('task() refuses a relative module path', function* () {
  assert.throws(() => task('./fixtures/work.ts'), /must be a URL or an absolute path/);
  yield* sleep(0);
});

test('move() transfers buffers both ways', function* () {
  const buf = new Uint8Array(1 << 16).fill(7).buffer;
  const sum = (b: ArrayBuffer) => new Uint8Array(b).reduce((a, x) => a + x, 0);
  assert.is(yield* pool.apply(sum, [move(buf)]), 7 << 16);
  assert.is(buf.byteLength, 0, 'the sender buffer is detached');
  const made = yield* pool.apply((n: number) => move(new Float64Array(n).fill(1.5)), [1000]);
  assert.instance(made, Float64Array);
  assert.is(made.length, 1000);
  assert.is(made[999], 1.5);
});

test('a result that cannot be copied fails that task only', function* () {
  const r = pool.spawn(() => () => 'a function');
  const ok = pool.spawn((x: number) => x, 1);
  yield* r.wait();
  assert.instance(r.exception, TypeError);
  assert.match((r.exception as Error).message, /could not be sent back/);
  assert.is(yield* ok.get(), 1);
});

test('an argument that cannot be copied fails that task only, even in a batch', function* () {
  const id = (x: unknown) => x;
  yield* pool.map(id, [1, 2, 3]); // known to be short: batched from now on
  const results = [1, 2, 3, 4].map((n) => pool.spawn(id, n === 3 ? () => n : n));
  for (const [i, r] of results.entries()) {
    yield* r.wait();
    if (i === 2) assert.is((r.exception as Error).name, 'DataCloneError');
    else assert.is(r.value, i + 1);
  }
});

test('execArgv with flags Node refuses in workers is a TypeError at construction', function* () {
  assert.throws(
    () => new ThreadPool(1, { execArgv: ['--max-old-space-size=100'] }),
    (error: Error) => error instanceof TypeError && /--max-old-space-size=100/.test(error.message),
  );
  // From source the workers need tsx's hook as well (the default list carries it).
  const loader = workerExecArgv(process.execArgv) ?? [];
  const fine = new ThreadPool(1, { execArgv: [...loader, '--no-warnings'] });
  try {
    assert.is(yield* fine.apply((x: number) => x * 2, [21]), 42);
  } finally {
    yield* fine.close();
  }
});

test('a pool whose workers cannot start fails its tasks (reported) instead of hanging', function* () {
  // Heap limits too small for a worker to boot: piscina would wait forever for a worker.
  const starved = new ThreadPool(1, {
    resourceLimits: { maxOldGenerationSizeMb: 1, maxYoungGenerationSizeMb: 1 },
  });
  try {
    for (let i = 0; i < 2; i++) {
      const r = starved.spawn((x: number) => x, i);
      yield* r.wait(30);
      assert.ok(r.ready(), 'the task ended');
      assert.is((r.exception as NodeJS.ErrnoException).code, 'ERR_WORKER_OUT_OF_MEMORY');
    }
  } finally {
    yield* starved.close();
  }
  const reported = takeErrors();
  assert.ok(reported.length >= 2, 'each failed start is reported');
});

test('workerExecArgv: tsx becomes its CommonJS hook; only code-loading flags are passed on', function* () {
  assert.equal(
    workerExecArgv([
      '--import',
      'tsx',
      '--expose-gc',
      '--max-old-space-size=100',
      '--enable-source-maps',
      '--conditions',
      'dev',
      '--no-warnings',
    ]),
    ['--require', 'tsx/cjs', '--enable-source-maps', '--conditions', 'dev', '--no-warnings'],
  );
  assert.is(workerExecArgv(['--expose-gc']), undefined, 'no rewrite: Node inherits the flags');
});

s.run();
