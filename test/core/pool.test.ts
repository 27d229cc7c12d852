/**
 * Conformance tests for Group and Pool (gevent's pool.Pool / pool.Group rules in
 * GEVENT-SEMANTICS.md, translated to the API of API.md): membership, join, kill, size limits,
 * map/imap/imapUnordered, apply/applyAsync. Layer: tests of core primitives.
 */

import {
  Event,
  Greenlet,
  GreenletExit,
  Group,
  type Op,
  type OpIterator,
  Pool,
  PoolFull,
  Queue,
  StopIteration,
  type StopMarker,
  sleep,
  spawn,
  Timeout,
} from '../../core/index.ts';
import { assert, greenletSuite, since, takeErrors } from '../_support/gtest.ts';
import { assertElapsed } from '../_support/timing.ts';

const test = greenletSuite('pool');

/** A predicate for `assert.throws`: the error is an instance of `type`. */
function isA(type: abstract new (...args: never[]) => unknown) {
  return (error: unknown): boolean => error instanceof type;
}

class Boom extends Error {
  override name = 'Boom';
}

/** Calls `makeOp` and iterates its Op, returning the error raised (fails if none was). */
function* raisedBy(makeOp: () => Op<unknown>): Generator<unknown, unknown, unknown> {
  try {
    yield* makeOp();
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to raise');
}

/** A body that sleeps `seconds` and returns them. */
function* nap(seconds: number): Generator<unknown, number, unknown> {
  yield* sleep(seconds);
  return seconds;
}

/** Drains an imap-style iterator; errors raised by next() are collected in order, not thrown. */
function* drain<T>(it: OpIterator<T>, limit = 100): Generator<unknown, Array<T | Error>, unknown> {
  const out: Array<T | Error> = [];
  for (let i = 0; i < limit; i++) {
    try {
      const r = yield* it.next();
      if (r.done) return out;
      out.push(r.value);
    } catch (error) {
      out.push(error as Error);
    }
  }
  throw new Error(`iteration did not end within ${limit} steps`);
}

/** The greenlet failures reported since the last call, in order. */
const reportedErrors = () => takeErrors().map(({ error }) => error);

test('Group: spawn, add, discard, has and size; a greenlet leaves when it dies', function* () {
  const group = new Group();
  const spawned = group.spawn(nap, 0.01);
  assert.instance(spawned, Greenlet, 'Group.spawn returns the greenlet itself');
  const outside = spawn(nap, 0.01);
  group.add(outside);
  assert.is(group.size, 2);
  assert.ok(group.has(outside));
  group.discard(outside);
  assert.is(group.size, 1);
  assert.is(outside.dead, false, 'discard does not kill');
  yield* outside.join();
  assert.is(yield* group.join({ timeout: 2 }), true);
  assert.is(group.size, 0);
  assert.ok((spawned as Greenlet<number>).dead);
});

test('join on an empty group returns true at once; join(timeout) is false while busy', function* () {
  const group = new Group();
  assert.is(yield* group.join(), true);
  const gate = new Event();
  group.spawn(function* () {
    yield* gate.wait();
  });
  const start = performance.now();
  assert.is(yield* group.join({ timeout: 0.05 }), false);
  assert.ok(since(start) >= 0.04, 'waited about the timeout');
  gate.set();
  assert.is(yield* group.join({ timeout: 2 }), true);
});

test('join({ raiseError }) raises the failure of the first greenlet in group order', function* () {
  const group = new Group();
  const slow = new Boom('slow');
  const fast = new Boom('fast');
  group.spawn(function* () {
    yield* sleep(0.03);
    throw slow;
  });
  group.spawn(function* () {
    yield* sleep(0.01);
    throw fast;
  });
  assert.is(yield* raisedBy(() => group.join({ raiseError: true })), slow);
  assert.is(group.size, 0, 'it waited for every greenlet first');
  assert.equal(reportedErrors(), [fast, slow]);
});

test('kill() blocks until every greenlet is dead; unstarted ones die at once', function* () {
  const group = new Group();
  const cleaned: string[] = [];
  const running = group.spawn(function* () {
    try {
      yield* sleep(10);
    } finally {
      cleaned.push('finally ran');
    }
  }) as Greenlet<void>;
  yield* sleep(0);
  const unstarted = new Greenlet(() => cleaned.push('body ran'));
  group.add(unstarted);
  yield* group.kill();
  assert.equal(cleaned, ['finally ran']);
  assert.ok(running.dead && unstarted.dead);
  assert.instance(running.value, GreenletExit);
  assert.is(group.size, 0);
});

test('kill({ block: false }) returns at once; the greenlets die after a yield', function* () {
  const group = new Group();
  const g = group.spawn(nap, 10) as Greenlet<number>;
  yield* sleep(0);
  yield* group.kill({ block: false });
  assert.is(g.dead, false, 'not dead yet');
  yield* sleep(0);
  assert.is(g.dead, true);
  assert.is(group.size, 0);
});

test('kill({ timeout }) leaves greenlets that ignore GreenletExit alive, without raising', function* () {
  const group = new Group();
  const release = new Event();
  const stubborn = group.spawn(function* () {
    try {
      yield* sleep(10);
    } catch {
      // ignores the kill, then finishes on its own terms
    }
    yield* release.wait();
    return 'finished anyway';
  }) as Greenlet<string>;
  yield* sleep(0);
  const start = performance.now();
  yield* group.kill({ timeout: 0.05 });
  const elapsed = since(start);
  assert.ok(elapsed >= 0.04 && elapsed < 1, `kill waited ${elapsed}s`);
  assert.is(stubborn.dead, false);
  assert.ok(group.has(stubborn));
  release.set();
  assert.is(yield* stubborn.get({ timeout: 2 }), 'finished anyway');
});

test('killone kills only that greenlet (block: false acts after a yield)', function* () {
  const group = new Group();
  const a = group.spawn(nap, 10) as Greenlet<number>;
  const b = group.spawn(nap, 10) as Greenlet<number>;
  yield* sleep(0);
  yield* group.killone(a, { block: false });
  assert.is(a.dead, false);
  yield* sleep(0);
  assert.equal([a.dead, b.dead, group.size], [true, false, 1]);
  yield* group.killone(b);
  assert.ok(b.dead);
  const stranger = spawn(nap, 0);
  yield* group.killone(stranger);
  yield* stranger.join();
  assert.is(stranger.value, 0, 'not a member: left alone');
});

test('Pool(-1) is a RangeError, Pool(1.5) a TypeError; Pool() and Pool(null) are unlimited', function* () {
  assert.throws(() => new Pool(-1), isA(RangeError));
  assert.throws(() => new Pool(1.5), isA(TypeError));
  for (const pool of [new Pool(), new Pool(null)]) {
    assert.is(pool.freeCount(), Number.POSITIVE_INFINITY);
    assert.is(pool.full(), false);
    for (let i = 0; i < 20; i++) yield* pool.spawn(nap, 0);
    assert.is(pool.size, 20);
    yield* pool.join();
  }
});

test('Pool(0) is always full and waitAvailable(timeout) returns 0', function* () {
  const pool = new Pool(0);
  assert.is(pool.full(), true);
  assert.is(pool.freeCount(), 0);
  const start = performance.now();
  assert.is(yield* pool.waitAvailable(0.05), 0);
  assert.ok(since(start) >= 0.04, 'waited about the timeout');
});

test('Pool(2): spawn blocks while full; peak concurrency is exactly 2', function* () {
  const pool = new Pool(2);
  let running = 0;
  let peak = 0;
  let finished = 0;
  const finishedWhenSpawned: number[] = [];
  const job = function* (n: number) {
    running++;
    peak = Math.max(peak, running);
    yield* sleep(0.005 * (n % 3));
    running--;
    finished++;
  };
  for (let n = 0; n < 8; n++) {
    yield* pool.spawn(job, n);
    finishedWhenSpawned.push(finished);
    assert.ok(pool.size <= 2);
  }
  yield* pool.join({ timeout: 5 });
  assert.is(peak, 2);
  assert.equal(finishedWhenSpawned.slice(0, 2), [0, 0], 'the first two spawns did not wait');
  assert.ok(finishedWhenSpawned[2]! >= 1, 'the third spawn waited for a free slot');
});

test('freeCount and full follow spawns and deaths; waitAvailable waits for a slot', function* () {
  const pool = new Pool(2);
  const gate = new Event();
  yield* pool.spawn(function* () {
    yield* gate.wait();
  });
  assert.equal([pool.freeCount(), pool.full()], [1, false]);
  const short = yield* pool.spawn(nap, 0.01);
  assert.equal([pool.freeCount(), pool.full()], [0, true]);
  assert.is(yield* pool.waitAvailable(0.005), 0, 'still full at the timeout');
  assert.is(yield* pool.waitAvailable(2), 1);
  assert.ok(short.dead);
  gate.set();
  yield* pool.join();
  assert.equal([pool.freeCount(), pool.full()], [2, false]);
});

test('Pool.add waits for a slot; blocking: false or an expired timeout raises PoolFull', function* () {
  const pool = new Pool(1);
  const first = yield* pool.spawn(nap, 0.03);
  assert.instance(
    yield* raisedBy(() => pool.add(new Greenlet(nap, 0), { blocking: false })),
    PoolFull,
  );
  assert.instance(
    yield* raisedBy(() => pool.add(new Greenlet(nap, 0), { timeout: 0.005 })),
    PoolFull,
  );
  assert.is(pool.size, 1);
  const later = new Greenlet(nap, 0);
  yield* pool.start(later);
  assert.ok(first.dead, 'start waited for the first greenlet to finish');
  assert.ok(pool.has(later));
  yield* pool.join();
});

test('with a free slot, Pool.spawn and Pool.add act at once, like Group (no slot leaks)', function* () {
  const pool = new Pool(2);
  pool.spawn(nap, 0); // not iterated: a free slot means it is spawned already
  assert.is(pool.size, 1);
  const g = new Greenlet(nap, 0);
  pool.add(g); // not iterated either
  assert.ok(pool.has(g), 'added at once');
  assert.equal([pool.size, pool.freeCount()], [2, 0]);
  g.start();
  yield* pool.join({ timeout: 2 });
  assert.is(pool.freeCount(), 2);
  const again = yield* pool.spawn(nap, 0);
  const twice = yield* pool.spawn(nap, 0);
  assert.ok(pool.has(again) && pool.has(twice), 'both slots are usable again');
  yield* pool.join({ timeout: 2 });
});

test('kill() of a busy pool takes well under 0.5 s and frees every slot', function* () {
  const pool = new Pool(3);
  for (let i = 0; i < 3; i++) yield* pool.spawn(nap, 10);
  yield* sleep(0);
  const start = performance.now();
  yield* pool.kill();
  assert.ok(since(start) < 0.5);
  assert.equal([pool.size, pool.freeCount()], [0, 3]);
});

test('map returns results in input order', function* () {
  const pool = new Pool(3);
  const results = yield* pool.map(nap, [0.03, 0.01, 0.02, 0, 0.005]);
  assert.equal(results, [0.03, 0.01, 0.02, 0, 0.005]);
  assert.equal(yield* new Group().map((x: number) => x + 1, [1, 2, 3]), [2, 3, 4]);
});

test('map raises the first error (in input order)', function* () {
  const pool = new Pool(4);
  const second = new Boom('second');
  const fourth = new Boom('fourth');
  const failEvenSlowly = function* (n: number) {
    yield* sleep(n === 2 ? 0.02 : 0);
    if (n === 2) throw second;
    if (n === 4) throw fourth;
    return n;
  };
  assert.is(yield* raisedBy(() => pool.map(failEvenSlowly, [1, 2, 3, 4])), second);
  yield* pool.join();
  assert.equal(reportedErrors(), [fourth, second]);
});

test('imap yields in input order; next() raises a failed item and iteration continues', function* () {
  const group = new Group();
  const divide = function* (x: number) {
    yield* sleep(x / 100);
    if (x === 0) throw new RangeError('division by zero');
    return 1 / x;
  };
  const out = yield* drain(group.imap(divide, [1, 0, 2]));
  assert.is(out.length, 3);
  assert.is(out[0], 1);
  assert.instance(out[1], RangeError);
  assert.is(out[2], 0.5);
  assert.equal(reportedErrors(), [out[1]], 'the failed item was reported too');
});

test('imapUnordered yields in completion order; Pool(1) runs them one by one', function* () {
  const delays = [0.15, 0.01, 0.06];
  const wide = yield* drain(new Pool(3).imapUnordered(nap, delays));
  assert.equal(wide, [0.01, 0.06, 0.15]);
  const narrow = yield* drain(new Pool(1).imapUnordered(nap, delays));
  assert.equal(narrow, delays);
});

test('imap({ maxsize }) keeps at most maxsize results in flight', function* () {
  let running = 0;
  let peak = 0;
  const track = function* (n: number) {
    peak = Math.max(peak, ++running);
    yield* sleep(0.002);
    running--;
    return n;
  };
  const out = yield* drain(new Group().imap(track, [1, 2, 3, 4, 5, 6], { maxsize: 2 }));
  assert.equal(out, [1, 2, 3, 4, 5, 6]);
  assert.is(peak, 2);
});

test('an error raised by the input iterator propagates out of map and imap', function* () {
  const broken = new Boom('input broke');
  function* items() {
    yield 1;
    throw broken;
  }
  const pool = new Pool(2);
  assert.is(yield* raisedBy(() => pool.map((x: number) => x, items())), broken);
  const out = yield* drain(pool.imap((x: number) => x, items()));
  assert.ok(out.includes(broken), 'a next() of imap raised the input error');
  yield* pool.join();
});

test('Pool(2).map and imap refill a freed slot at once while the head item is slow (0.4 s, like gevent)', function* () {
  const delays = [0.3, 0.1, 0.1, 0.1, 0.1];
  for (const collect of [
    (pool: Pool, fn: typeof nap) => pool.map(fn, delays),
    (pool: Pool, fn: typeof nap) => drain(pool.imap(fn, delays)),
  ]) {
    const events: string[] = [];
    const logged = function* (seconds: number) {
      yield* nap(seconds);
      events.push(seconds === 0.3 ? 'head done' : 'short done');
      return seconds;
    };
    const start = performance.now();
    assert.equal(yield* collect(new Pool(2), logged), delays);
    assertElapsed(since(start), 0.4, 0.45);
    assert.equal(events.indexOf('head done'), 2, 'two short items ran in the freed slot first');
  }
});

test('imap and imapUnordered start the work at the call, before the first next()', function* () {
  for (const unordered of [false, true]) {
    const started = new Event();
    const mark = (n: number) => {
      started.set();
      return n * 2;
    };
    const pool = new Pool(2);
    const it = unordered ? pool.imapUnordered(mark, [1, 2, 3]) : pool.imap(mark, [1, 2, 3]);
    assert.ok(yield* started.wait(2), 'an item ran although nobody called next()');
    const out = (yield* drain(it)) as number[];
    assert.equal(
      out.sort((a, b) => a - b),
      [2, 4, 6],
    );
  }
});

test('imapUnordered of 8,000 items in a Group finishes well under a second (no rescans)', function* () {
  const count = 8000;
  const start = performance.now();
  const out = yield* drain(new Group().imapUnordered(nap, new Array(count).fill(0.01)), count + 1);
  const elapsed = since(start);
  assert.is(out.length, count);
  assert.ok(
    out.every((x) => x === 0.01),
    'every item succeeded',
  );
  assert.ok(elapsed < 1, `took ${elapsed.toFixed(3)} s (gevent 22.10: ~0.5 s)`);
});

test('imapUnordered: each next() costs the same however many items are pending', function* () {
  // The consumer releases one item per next(), so every next() finds nothing ready yet: a
  // rescan of the pending greenlets per next() would make this quadratic (seconds).
  const count = 16_000;
  const gates = Array.from({ length: count }, () => new Event());
  const held = function* (i: number) {
    yield* gates[i]!.wait();
    return i;
  };
  const start = performance.now();
  const it = new Group().imapUnordered(
    held,
    gates.map((_, i) => i),
  );
  let sum = 0;
  for (let i = 0; i < count; i++) {
    gates[i]!.set();
    const r = yield* it.next();
    sum += r.value as number;
  }
  assert.ok((yield* it.next()).done);
  const elapsed = since(start);
  assert.is(sum, (count * (count - 1)) / 2);
  assert.ok(elapsed < 1, `took ${elapsed.toFixed(3)} s`);
});

test('imapUnordered of a Pool keeps completion order with many items (Pool(3), 30 items)', function* () {
  const delays = Array.from({ length: 30 }, (_, i) => (i % 3) * 0.002);
  const out = (yield* drain(new Pool(3).imapUnordered(nap, delays))) as number[];
  assert.equal(
    [...out].sort((a, b) => a - b),
    [...delays].sort((a, b) => a - b),
  );
});

test('a consumer killed inside next() loses no result; another one takes them all', function* () {
  const group = new Group();
  const gate = new Event();
  const held = function* (n: number) {
    yield* gate.wait();
    return n;
  };
  const it = group.imap(held, [1, 2, 3]);
  const consumer = spawn(function* () {
    return yield* it.next();
  });
  yield* sleep(0);
  yield* consumer.kill();
  assert.instance(consumer.value, GreenletExit);
  gate.set();
  assert.equal(yield* drain(it), [1, 2, 3]);
});

test('kill() also kills the greenlets a dying member spawns into the group, as gevent does', function* () {
  for (const group of [new Group(), new Pool(3)]) {
    let replacements = 0;
    const worker = function* (): Generator<unknown, void, unknown> {
      try {
        yield* sleep(10);
      } finally {
        if (replacements < 3) {
          replacements++;
          group.spawn(worker); // a free slot even in the Pool: acts at once
        }
      }
    };
    group.spawn(worker);
    yield* sleep(0);
    const start = performance.now();
    yield* group.kill({ timeout: 5 });
    assert.ok(since(start) < 1, `kill took ${since(start).toFixed(3)} s`);
    assert.equal([group.size, replacements], [0, 3], `${group}: every replacement was killed`);
  }
});

test('kill({ timeout }) gives up on a group that refills forever, without raising', function* () {
  const group = new Group();
  let respawn = true;
  let spawned = 1;
  const worker = function* (): Generator<unknown, void, unknown> {
    try {
      yield* sleep(10);
    } finally {
      if (respawn && spawned < 100_000) {
        spawned++;
        group.spawn(worker);
      }
    }
  };
  group.spawn(worker);
  yield* sleep(0);
  const start = performance.now();
  yield* group.kill({ timeout: 0.1 });
  assertElapsed(since(start), 0.1);
  assert.is(group.size, 1, 'the latest replacement is still there');
  assert.ok(spawned > 2, `it killed ${spawned - 1} replacements meanwhile`);
  respawn = false;
  yield* group.kill({ timeout: 2 });
  assert.is(group.size, 0);
});

test('imap and imapUnordered zip several iterables, stopping at the shortest', function* () {
  const add = (a: number, b: number) => a + b;
  assert.equal(yield* drain(new Group().imap(add, [1, 2, 3], [10, 20])), [11, 22]);
  const times = function* (a: number, b: string) {
    yield* sleep(a / 1000);
    return b.repeat(a);
  };
  const it = new Pool(2).imapUnordered(times, [3, 1, 2], ['a', 'b', 'c'], { maxsize: 1 });
  const out = (yield* drain(it)) as string[];
  assert.equal(out.sort(), ['aaa', 'b', 'cc']);
  assert.throws(
    () => new Group().imap(add, [1], 5 as never),
    (error: unknown) => error instanceof TypeError && /imap\(fn, items\)/.test(String(error)),
  );
});

test('imapUnordered: an error of the input iterable raises from next() and ends it', function* () {
  const broken = new Boom('input broke');
  function* items() {
    yield 0;
    throw broken;
  }
  const out = yield* drain(new Pool(2).imapUnordered((x: number) => x, items()));
  assert.ok(out.includes(broken), 'a next() raised the input error');
  assert.ok(out.length <= 2, 'then the iteration ended');
});

test('apply returns the result or re-raises; it is re-entrant in a full pool', function* () {
  const pool = new Pool(1);
  assert.is(yield* pool.apply((a: number, b: number) => a + b, [2, 3]), 5);
  const error = new Boom('applied');
  const fail = () => {
    throw error;
  };
  assert.is(yield* raisedBy(() => pool.apply(fail)), error);
  assert.equal(reportedErrors(), [error]);
  const square = function* (x: number) {
    yield* sleep(0);
    return x * x;
  };
  const t = Timeout.startNew(2);
  try {
    const nested = yield* pool.apply(function* () {
      return yield* pool.apply(square, [7]);
    });
    assert.is(nested, 49, 'pool.apply inside pool.apply did not deadlock');
  } finally {
    t.cancel();
  }
});

test('applyAsync returns a greenlet; the callback runs with the result once ready', function* () {
  const pool = new Pool(2);
  const results: number[] = [];
  const g = pool.applyAsync(nap, [0.01], (value) => results.push(value));
  assert.instance(g, Greenlet);
  assert.equal(results, [], 'the callback waits for the result');
  assert.is(yield* g.get({ timeout: 2 }), 0.01);
  yield* sleep(0);
  assert.equal(results, [0.01]);
});

test('applyAsync on a full pool returns at once; the work runs when a slot frees', function* () {
  const pool = new Pool(1);
  const gate = new Event();
  yield* pool.spawn(function* () {
    yield* gate.wait();
  });
  const results: string[] = [];
  const late = () => 'late';
  const g = pool.applyAsync(late, [], (value) => results.push(value));
  assert.is(pool.size, 1, 'the pool did not grow past its size');
  gate.set();
  assert.is(yield* g.get({ timeout: 2 }), 'late');
  assert.equal(results, ['late']);
  yield* pool.join();
});

test('imap over a Queue takes items as they are put, until StopIteration (a blocking input)', function* () {
  const q = new Queue<number | StopMarker>();
  const pool = new Pool(2);
  const it = pool.imap((n: number) => n * 10, q);
  const producer = spawn(function* () {
    for (const n of [1, 2, 3]) {
      yield* sleep(0.01);
      q.putNowait(n);
    }
    q.putNowait(StopIteration);
  });
  const out: number[] = [];
  for (let r = yield* it.next(); !r.done; r = yield* it.next()) out.push(r.value);
  assert.equal(out, [10, 20, 30]);
  yield* producer.join();
  const zipped = yield* pool.map(
    (n: number) => n + 1,
    new Queue<number | StopMarker>(null, [5, 6, StopIteration]),
  );
  assert.equal(zipped, [6, 7]);
});

test.run();
