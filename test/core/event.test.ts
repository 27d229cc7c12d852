/**
 * Conformance tests for Event and AsyncResult (gevent's event.Event / event.AsyncResult rules in
 * GEVENT-SEMANTICS.md, translated to the API of API.md). Layer: tests of core primitives.
 */

import {
  AsyncResult,
  Event,
  type Greenlet,
  type Op,
  sleep,
  spawn,
  Timeout,
  until,
  wait,
} from '../../core/index.ts';
import { assert, greenletSuite, since, takeErrors } from '../_support/gtest.ts';

const test = greenletSuite('event');

/** Spawns a greenlet that iterates the Op `makeOp()` returns; the Op's result is its value. */
function spawnOp<T>(makeOp: () => Op<T>): Greenlet<T> {
  return spawn(function* () {
    return yield* makeOp();
  });
}

/** A predicate for `assert.throws`: the error is an instance of `type`. */
function isA(type: abstract new (...args: never[]) => unknown) {
  return (error: unknown): boolean => error instanceof type;
}

/** Spawns `count` greenlets that each wait on `event` and record what wait() returned. */
function spawnWaiters(event: Event, count: number, seen: boolean[]): Greenlet<void>[] {
  const waiters: Greenlet<void>[] = [];
  for (let i = 0; i < count; i++) {
    waiters.push(
      spawn(function* () {
        seen.push(yield* event.wait());
      }),
    );
  }
  return waiters;
}

test('Event: set, clear, isSet and ready track the flag', function* () {
  const event = new Event();
  assert.is(event.isSet(), false);
  assert.is(event.ready(), false);
  event.set();
  assert.is(event.isSet(), true);
  assert.is(event.ready(), true);
  event.clear();
  assert.is(event.isSet(), false);
  assert.is(event.ready(), false);
});

test('Event.wait(timeout) returns false after about the timeout when nobody sets it', function* () {
  const event = new Event();
  const start = performance.now();
  const result = yield* event.wait(0.05);
  const elapsed = since(start);
  assert.is(result, false);
  assert.ok(elapsed >= 0.04 && elapsed < 1, `waited ${elapsed}s`);
  assert.is(event.linkCount(), 0, 'the timed-out waiter left the link list');
});

test('Event.wait returns true when another greenlet sets the flag', function* () {
  const event = new Event();
  spawn(function* () {
    yield* sleep(0.01);
    event.set();
  });
  assert.is(yield* event.wait(2), true);
});

test('Event.wait on a set event returns true without switching', function* () {
  const event = new Event();
  event.set();
  const log: string[] = [];
  const other = spawn(() => log.push('other ran'));
  assert.is(yield* event.wait(), true);
  assert.equal(log, [], 'no switch happened: the spawned greenlet has not run yet');
  yield* other.join();
  assert.equal(log, ['other ran']);
});

test('Event.set does not switch: waiters resume only after the setter yields', function* () {
  const event = new Event();
  const seen: boolean[] = [];
  const waiters = spawnWaiters(event, 3, seen);
  yield* sleep(0); // let them park
  event.set();
  assert.equal(seen, [], 'set() returned before any waiter ran');
  yield* sleep(0);
  assert.equal(seen, [true, true, true]);
  for (const g of waiters) assert.ok(g.dead);
});

for (const count of [1, 100, 1000]) {
  test(`Event: set() then clear() at once still wakes all ${count} waiter(s) with true`, function* () {
    const event = new Event();
    const seen: boolean[] = [];
    const waiters = spawnWaiters(event, count, seen);
    yield* sleep(0);
    event.set();
    event.clear();
    for (const g of waiters) yield* g.join(5);
    assert.is(seen.length, count);
    assert.ok(
      seen.every((v) => v === true),
      'every waiter saw true',
    );
    assert.is(event.isSet(), false);
  });
}

test('Event: after clear(), a new wait([event], timeout) does not return it', function* () {
  const event = new Event();
  event.set();
  assert.equal(yield* wait([event], { timeout: 0.01 }), [event]);
  assert.equal(yield* wait([event], { timeout: 0.01 }), [event], 'waiting twice works');
  event.clear();
  assert.equal(yield* wait([event], { timeout: 0.02 }), []);
});

test('Event: set() from a hub callback (setTimeout) wakes the waiters', function* () {
  const event = new Event();
  setTimeout(() => event.set(), 5);
  assert.is(yield* event.wait(2), true);
});

test('Event: rawlink callbacks run in the hub, in registration order; unlink stops one', function* () {
  const event = new Event();
  const log: string[] = [];
  const first = () => log.push('first');
  const second = () => log.push('second');
  const third = () => log.push('third');
  event.rawlink(first);
  event.rawlink(second);
  event.rawlink(third);
  event.unlink(second);
  event.set();
  assert.equal(log, [], 'links run after the setter yields');
  yield* sleep(0);
  assert.equal(log, ['first', 'third']);
});

test('Event: rawlink(non-function) throws TypeError; unlink(null) is a no-op', function* () {
  const event = new Event();
  assert.throws(() => event.rawlink(null as never), isA(TypeError));
  event.unlink(null);
  event.unlink(undefined);
  assert.is(event.linkCount(), 0);
});

test('Event: an outer Timeout interrupts wait() as the same Timeout object', function* () {
  const event = new Event();
  const timeout = Timeout.startNew(0.02);
  let caught: unknown;
  try {
    yield* event.wait();
  } catch (error) {
    caught = error;
  } finally {
    timeout.cancel();
  }
  assert.is(caught, timeout);
  assert.is(event.linkCount(), 0, 'the interrupted waiter left the link list');
});

test('AsyncResult: unset state; getNowait and get({ block: false }) raise Timeout', function* () {
  const result = new AsyncResult<number>();
  assert.is(result.ready(), false);
  assert.is(result.successful(), false);
  assert.is(result.value, undefined);
  assert.is(result.exception, undefined);
  assert.throws(() => result.getNowait(), isA(Timeout));
  let caught: unknown;
  try {
    yield* result.get({ block: false });
  } catch (error) {
    caught = error;
  }
  assert.instance(caught, Timeout);
});

test('AsyncResult.set: get/getNowait/value return it; a second set overwrites', function* () {
  const result = new AsyncResult<string>();
  result.set('first');
  assert.ok(result.ready());
  assert.ok(result.successful());
  assert.is(yield* result.get(), 'first');
  assert.is(result.getNowait(), 'first');
  result.set('second');
  assert.is(result.value, 'second');
  assert.is(yield* result.get(), 'second');
});

test('AsyncResult.setException: get re-raises the same object; wait() does not', function* () {
  const result = new AsyncResult<number>();
  const error = new RangeError('boom');
  result.setException(error);
  assert.ok(result.ready());
  assert.is(result.successful(), false);
  assert.is(result.exception, error);
  assert.is(result.value, undefined);
  let caught: unknown;
  try {
    yield* result.get();
  } catch (e) {
    caught = e;
  }
  assert.is(caught, error);
  assert.throws(
    () => result.getNowait(),
    (e: unknown) => e === error,
  );
  assert.is(yield* result.wait(), undefined);
});

test('AsyncResult.wait(timeout) returns undefined on timeout, the value once set', function* () {
  const result = new AsyncResult<number>();
  assert.is(yield* result.wait(0.02), undefined);
  spawn(function* () {
    yield* sleep(0.01);
    result.set(7);
  });
  assert.is(yield* result.wait(2), 7);
});

test('AsyncResult.get({ timeout }) raises Timeout after about the timeout', function* () {
  const result = new AsyncResult<number>();
  const start = performance.now();
  let caught: unknown;
  try {
    yield* result.get({ timeout: 0.05 });
  } catch (e) {
    caught = e;
  }
  const elapsed = since(start);
  assert.instance(caught, Timeout);
  assert.ok(elapsed >= 0.04 && elapsed < 1, `waited ${elapsed}s`);
  assert.is(result.linkCount(), 0);
});

test('AsyncResult: a blocked get is woken by set from a hub callback', function* () {
  const result = new AsyncResult<string>();
  setTimeout(() => result.set('from the hub'), 5);
  assert.is(yield* result.get({ timeout: 2 }), 'from the hub');
});

test('AsyncResult: many waiters all receive the value', function* () {
  const result = new AsyncResult<number>();
  const getters = [1, 2, 3].map(() => spawnOp(() => result.get()));
  yield* sleep(0);
  result.set(99);
  for (const g of getters) assert.is(yield* g.get(), 99);
});

test('AsyncResult as a link target: g.link(ar) passes on the value or the exception', function* () {
  const good = new AsyncResult<number>();
  const bad = new AsyncResult<number>();
  const error = new Error('failed');
  spawn(() => 42).link(good);
  spawn(() => {
    throw error;
  }).link(bad);
  assert.is(yield* good.get({ timeout: 2 }), 42);
  let caught: unknown;
  try {
    yield* bad.get({ timeout: 2 });
  } catch (e) {
    caught = e;
  }
  assert.is(caught, error);
  assert.equal(
    takeErrors().map((e) => e.error),
    [error],
    'the failed greenlet reported its error',
  );
});

test('AsyncResult is a thenable: `await ar` gives the value or throws the exception', function* () {
  const awaitIt = async (ar: AsyncResult<number>) => await ar;
  const good = new AsyncResult<number>();
  const pending = awaitIt(good);
  spawn(function* () {
    yield* sleep(0.01);
    good.set(5);
  });
  assert.is(yield* until(pending), 5);

  const bad = new AsyncResult<number>();
  const error = new TypeError('nope');
  bad.setException(error);
  let caught: unknown;
  try {
    yield* until(awaitIt(bad));
  } catch (e) {
    caught = e;
  }
  assert.is(caught, error);
});

test('AsyncResult: rawlink(null) throws TypeError, unlink(null) is a no-op, links fire', function* () {
  const result = new AsyncResult<number>();
  assert.throws(() => result.rawlink(null as never), isA(TypeError));
  result.unlink(null);
  const seen: unknown[] = [];
  result.rawlink((r) => seen.push(r.value));
  result.set(3);
  yield* sleep(0);
  assert.equal(seen, [3]);
});

test('AsyncResult: an outer Timeout during get() propagates as that same object', function* () {
  const result = new AsyncResult<number>();
  const timeout = Timeout.startNew(0.02);
  let caught: unknown;
  try {
    yield* result.get();
  } catch (e) {
    caught = e;
  } finally {
    timeout.cancel();
  }
  assert.is(caught, timeout);
  assert.is(result.linkCount(), 0);
});

test.run();
