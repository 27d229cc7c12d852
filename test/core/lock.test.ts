/**
 * Conformance tests for Semaphore, BoundedSemaphore, Lock, RLock and DummySemaphore (gevent's
 * lock.* rules in GEVENT-SEMANTICS.md, translated to the API of API.md). Layer: tests of core
 * primitives.
 */

import {
  BoundedSemaphore,
  DummySemaphore,
  type Greenlet,
  Lock,
  LoopExit,
  type Op,
  RLock,
  Semaphore,
  sleep,
  spawn,
  Timeout,
  wait,
} from '../../core/index.ts';
import { assert, greenletSuite, since } from '../_support/gtest.ts';

const test = greenletSuite('lock');

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

/** Spawns greenlets that each acquire `sem`, record their name, yield once and release. */
function spawnAcquirers(sem: Semaphore, names: string[], order: string[]): Greenlet<void>[] {
  return names.map((name) =>
    spawn(function* () {
      yield* sem.acquire();
      order.push(name);
      yield* sleep(0);
      sem.release();
    }),
  );
}

test('Semaphore(value): counter, locked(); default 1; a negative value is a RangeError', function* () {
  const one = new Semaphore();
  assert.is(one.counter, 1);
  assert.is(one.locked(), false);
  const three = new Semaphore(3);
  assert.is(three.counter, 3);
  assert.throws(() => new Semaphore(-1), isA(RangeError));
  assert.throws(() => new Semaphore(1.5), isA(TypeError));
  assert.is(new Semaphore(0).locked(), true);
});

test('acquire returns true and takes a permit; non-blocking acquire returns false', function* () {
  const sem = new Semaphore(2);
  assert.is(yield* sem.acquire(), true);
  assert.is(yield* sem.acquire(), true);
  assert.is(sem.counter, 0);
  assert.is(sem.locked(), true);
  assert.is(yield* sem.acquire({ blocking: false }), false);
  assert.is(yield* sem.acquire({ timeout: 0 }), false);
  sem.release();
  assert.is(sem.counter, 1);
});

test('acquire({ timeout }) returns false after about the timeout and takes nothing', function* () {
  const sem = new Semaphore(0);
  const start = performance.now();
  const acquired = yield* sem.acquire({ timeout: 0.05 });
  const elapsed = since(start);
  assert.is(acquired, false);
  assert.ok(elapsed >= 0.04 && elapsed < 1, `waited ${elapsed}s`);
  assert.is(sem.counter, 0);
  sem.release();
  assert.is(sem.counter, 1, 'the timed-out waiter left the queue: the permit is free');
});

test('a blocked acquire is woken by release from another greenlet', function* () {
  const sem = new Semaphore(0);
  spawn(function* () {
    yield* sleep(0.01);
    sem.release();
  });
  assert.is(yield* sem.acquire({ timeout: 2 }), true);
  assert.is(sem.counter, 0);
});

test('a plain Semaphore released above its start value just counts up', function* () {
  const sem = new Semaphore(1);
  sem.release();
  sem.release();
  assert.is(sem.counter, 3);
});

test('BoundedSemaphore and Lock: releasing above the start value is a RangeError', function* () {
  const bounded = new BoundedSemaphore(2);
  yield* bounded.acquire();
  bounded.release();
  assert.throws(
    () => bounded.release(),
    (e: unknown) => e instanceof RangeError && e.message === 'Semaphore released too many times',
  );
  assert.is(bounded.counter, 2);
  const lock = new Lock();
  assert.throws(() => lock.release(), isA(RangeError));
  assert.is(yield* lock.acquire(), true);
  lock.release();
  assert.is(lock.locked(), false);
});

test('Lock: a second acquire blocks until the holder releases', function* () {
  const lock = new Lock();
  yield* lock.acquire();
  const log: string[] = [];
  const other = spawn(function* () {
    yield* lock.acquire();
    log.push('acquired');
    lock.release();
  });
  yield* sleep(0.01);
  assert.equal(log, [], 'still blocked');
  assert.is(yield* lock.acquire({ timeout: 0.01 }), false);
  lock.release();
  yield* other.join(2);
  assert.equal(log, ['acquired']);
  assert.is(lock.locked(), false);
});

test('waiters are served FIFO', function* () {
  const sem = new Semaphore(1);
  yield* sem.acquire();
  const order: string[] = [];
  const names = ['a', 'b', 'c', 'd', 'e'];
  const greenlets = spawnAcquirers(sem, names, order);
  yield* sleep(0);
  sem.release();
  for (const g of greenlets) yield* g.join(2);
  assert.equal(order, names);
  assert.is(sem.counter, 1);
});

test('fairness: a releaser that re-acquires at once cannot starve a waiter', function* () {
  // With an unfair semaphore the hog wins every race and the waiter never gets the permit:
  // the join below then times out and the assertion fails (instead of hanging).
  const sem = new Semaphore(1);
  let waiterDone = false;
  let rounds = 0;
  let servedAfter = -1;
  const hog = spawn(function* () {
    while (!waiterDone && rounds < 10_000) {
      yield* sem.acquire();
      rounds++;
      yield* sleep(0);
      sem.release();
    }
  });
  yield* sleep(0);
  const waiter = spawn(function* () {
    yield* sem.acquire();
    waiterDone = true;
    servedAfter = rounds;
    sem.release();
  });
  yield* waiter.join(2);
  yield* hog.kill();
  assert.ok(waiter.dead, `the waiter got the permit (hog rounds: ${rounds})`);
  // The hog held the permit once when the waiter arrived, and may have re-taken it once more
  // before the waiter enlisted; after that the next release must go to the waiter.
  assert.ok(servedAfter <= 2, `the waiter was served after ${servedAfter} hog rounds`);
});

test('an acquirer that times out or is killed leaves the queue; the next one is served', function* () {
  const sem = new Semaphore(0);
  const order: string[] = [];
  const timesOut = spawn(function* () {
    order.push((yield* sem.acquire({ timeout: 0.01 })) ? 'timed-out got it' : 'timed out');
  });
  const killed = spawn(function* () {
    yield* sem.acquire();
    order.push('killed got it');
  });
  const served = spawn(function* () {
    yield* sem.acquire();
    order.push('served');
  });
  yield* timesOut.join(2);
  yield* killed.kill();
  sem.release();
  yield* served.join(2);
  assert.equal(order, ['timed out', 'served']);
  assert.is(sem.counter, 0);
});

test('an outer Timeout interrupting acquire propagates as itself and takes no permit', function* () {
  const sem = new Semaphore(0);
  const t = Timeout.startNew(0.02);
  let caught: unknown;
  try {
    yield* sem.acquire();
  } catch (e) {
    caught = e;
  } finally {
    t.cancel();
  }
  assert.is(caught, t);
  sem.release();
  assert.is(sem.counter, 1);
});

test('a permit granted to a greenlet killed before it runs is not lost', function* () {
  const sem = new Semaphore(0);
  const holder = spawn(() => sem.hold(() => sleep(10)));
  yield* sleep(0);
  sem.release(); // hands the permit to the holder's acquire
  yield* holder.kill();
  assert.ok(holder.dead);
  assert.is(sem.counter, 1, 'hold() released the permit on its way out');
});

test('hold() releases when the body throws (Python: with sem:)', function* () {
  const sem = new BoundedSemaphore(1);
  const error = new Error('inside');
  let caught: unknown;
  try {
    yield* sem.hold(function* () {
      assert.is(sem.counter, 0);
      yield* sleep(0);
      throw error;
    });
  } catch (e) {
    caught = e;
  }
  assert.is(caught, error);
  assert.is(sem.counter, 1);
});

test('Semaphore.wait returns the counter without taking a permit; 0 on timeout', function* () {
  const sem = new Semaphore(2);
  assert.is(yield* sem.wait(), 2);
  assert.is(sem.counter, 2);
  const empty = new Semaphore(0);
  assert.is(yield* empty.wait(0.02), 0);
  spawn(() => empty.release());
  assert.is(yield* empty.wait(2), 1);
  assert.is(empty.counter, 1);
});

test('rawlink callbacks all run on release; wait([sem]) on a free semaphore returns at once', function* () {
  const sem = new Semaphore(0);
  const seen: string[] = [];
  sem.rawlink(() => seen.push('one'));
  sem.rawlink(() => seen.push('two'));
  sem.release();
  yield* sleep(0);
  assert.equal(seen.sort(), ['one', 'two']);
  assert.equal(yield* wait([sem], { timeout: 0 }), [sem]);
});

test('RLock is re-entrant for its owner and free after as many releases', function* () {
  const lock = new RLock();
  assert.is(yield* lock.acquire(), true);
  assert.is(yield* lock.acquire(), true);
  assert.is(yield* lock.acquire({ blocking: false }), true);
  const other = spawnOp(() => lock.acquire({ timeout: 0.01 }));
  assert.is(yield* other.get(), false, 'another greenlet cannot take it');
  lock.release();
  lock.release();
  assert.is(lock.locked(), true, 'still held once');
  lock.release();
  assert.is(lock.locked(), false);
  const later = spawn(function* () {
    const got = yield* lock.acquire({ timeout: 2 });
    lock.release();
    return got;
  });
  assert.is(yield* later.get(), true);
});

test('RLock: a non-owner release and an un-acquired release throw Error', function* () {
  const lock = new RLock();
  const isUnacquired = (e: unknown) =>
    e instanceof Error && /cannot release un-acquired lock/.test(e.message);
  assert.throws(() => lock.release(), isUnacquired);
  yield* lock.acquire();
  const intruder = spawn(() => {
    try {
      lock.release();
      return 'released';
    } catch (e) {
      return isUnacquired(e) ? 'refused' : String(e);
    }
  });
  assert.is(yield* intruder.get(), 'refused');
  assert.is(lock.locked(), true);
  lock.release();
});

test('RLock: a blocked acquirer gets it once the owner fully releases', function* () {
  const lock = new RLock();
  yield* lock.acquire();
  yield* lock.acquire();
  const waiter = spawn(function* () {
    yield* lock.acquire();
    lock.release();
    return 'done';
  });
  yield* sleep(0);
  lock.release();
  yield* sleep(0);
  assert.is(waiter.dead, false, 'one level still held');
  lock.release();
  assert.is(yield* waiter.get({ timeout: 2 }), 'done');
});

test('DummySemaphore never blocks: acquire always true, release a no-op', function* () {
  const dummy = new DummySemaphore();
  for (let i = 0; i < 5; i++) assert.is(yield* dummy.acquire(), true);
  const asSemaphore: Semaphore = dummy; // used where a Semaphore is expected
  assert.is(yield* asSemaphore.acquire({ blocking: false, timeout: 0 }), true);
  assert.is(dummy.locked(), false);
  assert.is(dummy.counter, 1);
  dummy.release();
  dummy.release();
  assert.is(yield* dummy.wait(), 1);
});

test('Semaphore(0).acquire() in the main greenlet with nothing to release it raises LoopExit', function* () {
  const sem = new Semaphore(0);
  let caught: unknown;
  try {
    yield* sem.acquire();
  } catch (e) {
    caught = e;
  }
  assert.instance(caught, LoopExit);
});

test.run();
