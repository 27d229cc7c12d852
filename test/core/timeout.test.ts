/**
 * Conformance tests for Timeout and withTimeout. From the "Timeout" section of
 * GEVENT-SEMANTICS.md (test__timeout, test__api_timeout, test__api) and API.md's promises.
 */

import {
  AsyncResult,
  Event,
  type Greenlet,
  getHub,
  joinall,
  killall,
  Queue,
  sleep,
  spawn,
  Timeout,
  wait,
  withTimeout,
} from '../../core/index.ts';
import { assert, greenletSuite, since, takeErrors } from '../_support/gtest.ts';
import { assertElapsed, assertThrowsNaming, raisedBy, thrownBy } from '../_support/timing.ts';

const test = greenletSuite('timeout');
const hub = getHub();

class Custom extends Error {
  override name = 'Custom';
}

test('Timeout is an Error named Timeout; seconds, exception and ref are kept', function* () {
  const t = new Timeout(0.5, 'why', { ref: false });
  assert.instance(t, Error);
  assert.is(t.name, 'Timeout');
  assert.is(t.seconds, 0.5);
  assert.is(t.exception, 'why');
  assert.is(t.ref, false);
  assert.is(new Timeout(1).ref, true);
});

test('by default the Timeout itself is raised at the switch point after ~seconds', function* () {
  const log: string[] = [];
  const start = performance.now();
  const t = Timeout.startNew(0.05);
  let caught: unknown;
  try {
    yield* sleep(5);
  } catch (error) {
    caught = error;
  } finally {
    log.push('finally');
  }
  assert.is(caught, t);
  assert.equal(log, ['finally']);
  assertElapsed(since(start), 0.05);
});

test('pending: false before start, true while armed, false after cancel and after firing', function* () {
  const t = new Timeout(0.02);
  assert.not.ok(t.pending);
  assert.is(t.start(), t, 'start() returns the Timeout');
  assert.ok(t.pending);
  t.cancel();
  assert.not.ok(t.pending);
  const u = Timeout.startNew(0.02);
  assert.ok(u.pending);
  assert.is(yield* raisedBy(sleep(1)), u);
  assert.not.ok(u.pending);
});

test('cancel() before the deadline prevents firing and drops the timer', function* () {
  const before = hub.timers.size;
  const t = Timeout.startNew(0.02);
  assert.is(hub.timers.size, before + 1);
  t.cancel();
  assert.is(hub.timers.size, before);
  yield* sleep(0.04);
  t.cancel();
  const u = Timeout.startNew(0.02);
  u.close();
  assert.not.ok(u.pending);
  yield* sleep(0.04);
});

test('seconds undefined or null: no timer at all; start() arms nothing', function* () {
  const before = hub.timers.size;
  const t = new Timeout().start();
  const u = Timeout.startNew(null);
  assert.not.ok(t.pending);
  assert.not.ok(u.pending);
  assert.is(hub.timers.size, before);
  yield* sleep(0.01);
  t.cancel();
  u.cancel();
});

test('a Timeout can be started again after it fired, and after cancel()', function* () {
  const t = Timeout.startNew(0.01);
  assert.is(yield* raisedBy(sleep(1)), t);
  t.start();
  assert.is(yield* raisedBy(sleep(1)), t, 'fired again with the same object');
  t.start();
  t.cancel();
  t.start();
  assert.ok(t.pending);
  assert.is(yield* raisedBy(sleep(1)), t);
});

test('start() on a pending Timeout throws (cancel it first)', function* () {
  yield* sleep(0);
  const t = Timeout.startNew(1);
  try {
    const error = thrownBy(() => t.start());
    assert.instance(error, Error);
    assert.match((error as Error).message, /already started/);
    assert.ok(t.pending);
  } finally {
    t.cancel();
  }
});

test('exception: an Error class raises a new instance of it, not the Timeout', function* () {
  const t = Timeout.startNew(0.01, Custom);
  const error = yield* raisedBy(sleep(1));
  assert.instance(error, Custom);
  assert.is.not(error, t);
  assert.not.ok(t.pending);
});

test('exception: an Error instance is raised as that very object', function* () {
  const custom = new Custom('mine');
  Timeout.startNew(0.01, custom);
  assert.is(yield* raisedBy(sleep(1)), custom);
});

test('exception: a string only changes the message; the Timeout is raised', function* () {
  const t = Timeout.startNew(0.01, 'boom');
  assert.is(String(t), 'Timeout: 0.01 seconds: boom');
  assert.is(t.message, '0.01 seconds: boom');
  assert.is(yield* raisedBy(sleep(1)), t);
  assert.is(new Timeout(1).message, '1 second');
});

test('exception false: silent; message ends "(silent)"; started bare, it raises itself', function* () {
  const t = Timeout.startNew(0.01, false);
  assert.match(t.message, /\(silent\)$/);
  assert.is(t.message, '0.01 seconds (silent)');
  assert.is(yield* raisedBy(sleep(1)), t);
});

test('exception of a wrong type is refused at construction with a TypeError', function* () {
  assertThrowsNaming(() => new Timeout(1, 42 as never), TypeError, /exception/);
  assertThrowsNaming(() => new Timeout(1, {} as never), TypeError, /exception/);
});

test('`using t = Timeout.startNew(s)` is `with Timeout(s):` — cancelled at block exit', function* () {
  let kept: Timeout | undefined;
  {
    using t = Timeout.startNew(1);
    kept = t;
    yield* sleep(0);
    assert.ok(t.pending);
  }
  assert.not.ok(kept.pending);
  let slow: Timeout | undefined;
  let caught: unknown;
  try {
    using t = Timeout.startNew(0.02);
    slow = t;
    yield* sleep(1);
  } catch (error) {
    caught = error;
  }
  assert.is(caught, slow);
});

test('nested: the inner one due first fires with its own object; the outer stays pending', function* () {
  const outer = Timeout.startNew(1);
  try {
    const inner = Timeout.startNew(0.02);
    assert.is(yield* raisedBy(sleep(5)), inner);
    assert.ok(outer.pending);
    assert.not.ok(inner.pending);
  } finally {
    outer.cancel();
  }
});

test('nested: the outer one due first fires with its own object; the inner stays pending', function* () {
  const outer = Timeout.startNew(0.02);
  const inner = Timeout.startNew(1);
  try {
    assert.is(yield* raisedBy(sleep(5)), outer);
    assert.ok(inner.pending);
  } finally {
    inner.cancel();
  }
});

test('a Timeout nobody catches kills its greenlet with exception === the Timeout', function* () {
  let t: Timeout | undefined;
  const g = spawn(function* () {
    t = Timeout.startNew(0.01);
    yield* sleep(1);
  });
  yield* g.join();
  assert.is(g.exception, t);
  assert.not.ok(g.successful());
  assert.is(yield* raisedBy(g.get()), t);
  assert.is(takeErrors()[0]!.error, t);
});

test('a Timeout is raised only in the greenlet that started it', function* () {
  const log: string[] = [];
  const bystander = spawn(function* () {
    yield* sleep(0.05);
    log.push('bystander finished');
  });
  const t = Timeout.startNew(0.01);
  assert.is(yield* raisedBy(bystander.join()), t);
  yield* bystander.join();
  assert.equal(log, ['bystander finished']);
});

test('a Timeout whose greenlet already finished does nothing at its deadline', function* () {
  const g = spawn(function* () {
    Timeout.startNew(0.01);
    return 'left it armed';
  });
  assert.is(yield* g.get(), 'left it armed');
  yield* sleep(0.03);
  assert.is(hub.timers.size, 0);
});

test('equal-duration Timeouts in several greenlets fire in creation order', function* () {
  const log: number[] = [];
  const gs: Greenlet[] = [];
  for (let i = 0; i < 10; i++) {
    gs.push(
      spawn(function* () {
        const t = Timeout.startNew(0.02);
        if ((yield* raisedBy(sleep(1))) === t) log.push(i);
      }),
    );
  }
  yield* joinall(gs);
  assert.equal(log, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('a Timeout is delivered at the next switch point, never in the middle of code', function* () {
  const t = Timeout.startNew(0.01);
  const start = performance.now();
  while (since(start) < 0.04) {
    // busy: no switch point, so nothing can interrupt this loop
  }
  assert.ok(t.pending, 'synchronous code cannot be interrupted: it has not fired yet');
  assert.is(yield* raisedBy(sleep(1)), t);
});

test('a Timeout interrupting a wait leaves no waiter behind', function* () {
  const event = new Event();
  const result = new AsyncResult();
  const q = new Queue();
  const g = spawn(function* () {
    yield* sleep(5);
  });
  const ops = [event.wait(), result.get(), q.get(), g.join()];
  for (const op of ops) {
    const t = Timeout.startNew(0.01);
    assert.is(yield* raisedBy(op), t);
  }
  assert.is(event.linkCount(), 0);
  assert.is(result.linkCount(), 0);
  assert.match(String(q), /getters=0/);
  assert.is(g.linkCount(), 0);
  yield* g.kill();
});

test('an outer Timeout firing in join/get/wait/joinall propagates as that same object', function* () {
  const g = spawn(function* () {
    yield* sleep(5);
  });
  const event = new Event();
  const ops = [g.join(), g.get(), wait([event]), joinall([g]), g.join(1), event.wait(1)];
  for (const op of ops) {
    const t = Timeout.startNew(0.01);
    assert.is(yield* raisedBy(op), t);
  }
  yield* g.kill();
});

test('withTimeout returns the result of a fast generator, plain or async function', function* () {
  const before = hub.timers.size;
  const gen = function* (a: number, b: number) {
    yield* sleep(0);
    return a + b;
  };
  assert.is(yield* withTimeout(1, gen, 1, 2), 3);
  assert.is(yield* withTimeout(1, (s: string) => s.toUpperCase(), 'x'), 'X');
  assert.is(yield* withTimeout(1, async () => 'async'), 'async');
  assert.is(yield* withTimeout(1, gen(2, 3)), 5, 'an Op directly');
  assert.is(hub.timers.size, before, 'its timer is cancelled');
});

test('withTimeout raises the Timeout when fn is too slow; fn errors pass through', function* () {
  const start = performance.now();
  const error = yield* raisedBy(withTimeout(0.03, () => sleep(5)));
  assert.instance(error, Timeout);
  assertElapsed(since(start), 0.03);
  const boom = new Custom('from fn');
  const gen = function* (): Generator<unknown, never, unknown> {
    yield* sleep(0);
    throw boom;
  };
  assert.is(yield* raisedBy(withTimeout(1, gen)), boom);
});

test('withTimeout(s, fn, ...args, { timeoutValue }) returns timeoutValue instead', function* () {
  const slow = function* (label: string) {
    yield* sleep(5);
    return label;
  };
  assert.is(yield* withTimeout(0.02, slow, 'a', { timeoutValue: 'gave up' }), 'gave up');
  assert.is(yield* withTimeout(1, (x: string) => x, 'fast', { timeoutValue: 'no' }), 'fast');
  assert.is(yield* withTimeout(0.02, slow, 'b', { timeoutValue: undefined }), undefined);
});

test('nested withTimeout: the inner deadline is caught by the inner call only', function* () {
  const slow = () => sleep(5);
  const outer = yield* withTimeout(1, function* () {
    const inner = yield* withTimeout(0.02, slow, { timeoutValue: 'inner value' });
    return `outer saw ${inner}`;
  });
  assert.is(outer, 'outer saw inner value');
});

test('nested withTimeout: the outer deadline passes through the inner call', function* () {
  const slow = () => sleep(5);
  let innerReturned = false;
  const result = yield* withTimeout(
    0.02,
    function* () {
      yield* withTimeout(1, slow, { timeoutValue: 'inner value' });
      innerReturned = true;
    },
    { timeoutValue: 'outer value' },
  );
  assert.is(result, 'outer value');
  assert.not.ok(innerReturned);
  assert.is(hub.timers.size, 0, 'both timers cancelled');
});

test('bad arguments raise TypeError/RangeError naming the argument', function* () {
  assertThrowsNaming(() => new Timeout(-1), RangeError, /seconds/);
  assertThrowsNaming(() => new Timeout(Number.NaN), TypeError, /seconds/);
  assertThrowsNaming(() => Timeout.startNew(Number.POSITIVE_INFINITY), RangeError, /seconds/);
  assertThrowsNaming(() => Timeout.startNew('1' as never), TypeError, /seconds/);
  const bad = yield* raisedBy(withTimeout(-1, () => 1));
  assert.instance(bad, RangeError);
  assert.match((bad as Error).message, /withTimeout\(seconds\)/);
  const notFn = yield* raisedBy(withTimeout(1, 5));
  assert.instance(notFn, TypeError);
  assert.match((notFn as Error).message, /withTimeout\(seconds, fn\)/);
});

// kill(Timeout): gevent's Timeout is a BaseException like any other; kill() raises it as is.
// gevent 22.10: g.kill(Timeout) -> g.dead True, successful() False, value None, exception the
// new Timeout (reported "failed with Timeout"); g.kill(Timeout(5, ValueError)) -> exception is
// that very Timeout, not a ValueError; a body catching Timeout returns normally.

function* sleepsThenFinishes(): Generator<unknown, string, unknown> {
  yield* sleep(1);
  return 'finished';
}

test('kill(Timeout) (the class) raises a new Timeout; uncaught, the greenlet dies with it', function* () {
  const g = spawn(sleepsThenFinishes);
  yield* sleep(0);
  yield* g.kill(Timeout, { timeout: 2 });
  assert.ok(g.dead, 'the kill was delivered');
  assert.not.ok(g.successful());
  assert.is(g.value, undefined);
  assert.instance(g.exception, Timeout);
  assert.is(yield* raisedBy(g.get()), g.exception);
  assert.equal(
    takeErrors().map((e) => e.error),
    [g.exception],
  );
  const catcher = spawn(function* () {
    return (yield* raisedBy(sleep(1))) instanceof Timeout ? 'caught' : 'other';
  });
  yield* sleep(0);
  yield* catcher.kill(Timeout, { timeout: 2 });
  assert.ok(catcher.successful());
  assert.is(catcher.value, 'caught');
});

test('kill(new Timeout(5, Custom)) raises that very Timeout, not its exception option', function* () {
  const g = spawn(sleepsThenFinishes);
  yield* sleep(0);
  const t = new Timeout(5, Custom);
  yield* g.kill(t, { timeout: 2 });
  assert.ok(g.dead);
  assert.is(g.exception, t);
  assert.not.ok(t.pending, 'a Timeout used as an exception is never armed');
  assert.is(takeErrors()[0]!.error, t);
});

test('killall with a Timeout instance kills each greenlet with that same object', function* () {
  const gs = [spawn(sleepsThenFinishes), spawn(sleepsThenFinishes)];
  yield* sleep(0);
  const t = new Timeout(5);
  yield* killall(gs, { exception: t, timeout: 2 });
  for (const g of gs) {
    assert.ok(g.dead);
    assert.not.ok(g.successful());
    assert.is(g.exception, t);
  }
  assert.equal(
    takeErrors().map((e) => e.error),
    [t, t],
  );
});

/**
 * Blocks the thread until `seconds` have passed, so that every deadline armed before the call
 * fires in the same timer sweep once the caller yields (deadline order, as the heap guarantees).
 */
function busyFor(seconds: number): void {
  const start = performance.now();
  while (since(start) < seconds) {
    // no switch point: the timers can only fire after this returns and the caller yields
  }
}

// gevent 22.10 (H2 sleeps 0.01..0.07 s, G's Timeout is 0.05 s, the loop is blocked 0.1 s): H2
// runs first and still sees t.pending True; cancelled then, the Timeout is never raised and G
// goes on sleeping: ['H2 cancelled', 'G slept normally 0.30'], G.value 'slept'.
test('a fired Timeout cancelled by another greenlet before delivery: G keeps its wait', function* () {
  const log: string[] = [];
  const gArmed = new Event();
  const hArmed = new Event();
  let t: Timeout | undefined;
  let seenByH: { liveTimers: number; pending: boolean; gWaiting: string | null } | undefined;
  const start = performance.now();
  const h = spawn(function* () {
    yield* gArmed.wait();
    hArmed.set(); // the waiter (main) runs after this step, which arms the sleep
    yield* sleep(0.01); // due before G's Timeout: runs first in the sweep that fires both
    seenByH = { liveTimers: hub.timers.size, pending: t!.pending, gWaiting: g.waitingOn() };
    t!.cancel();
    log.push('H cancelled');
  });
  const g = spawn(function* () {
    t = Timeout.startNew(0.02);
    gArmed.set();
    yield* sleep(0.2);
    log.push('G slept');
    return 'slept';
  });
  yield* hArmed.wait(); // G armed its Timeout, then H its sleep (due earlier)
  assert.ok(t?.pending, 'G armed its Timeout');
  busyFor(0.05); // both deadlines pass; they fire together: H's wake, then G's Timeout
  yield* joinall([h, g], { timeout: 3 });
  assert.ok(g.dead, 'G finished: not left parked on nothing');
  assert.ok(g.successful());
  assert.is(g.value, 'slept');
  assert.equal(log, ['H cancelled', 'G slept']);
  // Left armed when H ran: G's sleep and this joinall's timeout; H's sleep and t had fired.
  assert.equal(
    seenByH,
    { liveTimers: 2, pending: true, gWaiting: 'sleep(0.2)' },
    "when H ran, G's Timeout had fired but had not been delivered",
  );
  assert.not.ok(t!.pending);
  assertElapsed(since(start), 0.2);
});

// gevent 22.10 (main blocks the loop 0.04 s while G sleeps 0.02 s under a 0.01 s Timeout): the
// sleep's wake runs first, G cancels its Timeout and goes on: ['first sleep done', 'second sleep
// done'], value 'done', exception None.
test('a fired Timeout queued before its greenlet’s wake, cancelled at block exit, is never raised', function* () {
  // G's Timeout and then its sleep fire in one sweep. The wake's payload must not be lost, so
  // the Timeout waits for G's next switch point (the pending-kill rule); G cancels it before
  // reaching one, and its next wait must go on (Greenlet.deliverPendingKill).
  const log: string[] = [];
  const armed = new Event();
  let timersAfterWake: { liveTimers: number; pending: boolean } | undefined;
  const g = spawn(function* () {
    const t = Timeout.startNew(0.01); // due first
    armed.set();
    try {
      yield* sleep(0.02);
      timersAfterWake = { liveTimers: hub.timers.size, pending: t.pending };
      log.push('first sleep done');
    } finally {
      t.cancel();
    }
    yield* sleep(0.05);
    log.push('second sleep done');
    return 'done';
  });
  yield* armed.wait(); // G's Timeout and sleep are armed
  busyFor(0.04); // both deadlines pass; they fire together: G's Timeout, then its wake
  yield* g.join(3);
  assert.ok(g.dead, 'G finished: not left parked on nothing');
  assert.ok(g.successful());
  assert.is(g.value, 'done');
  assert.equal(log, ['first sleep done', 'second sleep done']);
  // Left armed after the wake: only this join's timeout (G's sleep and Timeout had fired).
  assert.equal(timersAfterWake, { liveTimers: 1, pending: true });
});

test.run();
