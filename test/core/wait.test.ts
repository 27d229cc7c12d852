/**
 * Conformance tests for waiting on many objects: joinall, killall, kill, wait and iwait. From the
 * "greenlet / hub" section of GEVENT-SEMANTICS.md (test__joinall, test__iwait, test__api,
 * test__greenlet) and API.md's promises.
 */

import {
  AsyncResult,
  Event,
  Greenlet,
  GreenletExit,
  getHub,
  iwait,
  joinall,
  kill,
  killall,
  Semaphore,
  sleep,
  spawn,
  Timeout,
  type Waitable,
  wait,
} from '../../core/index.ts';
import { assert, greenletSuite, since, takeErrors } from '../_support/gtest.ts';
import { assertElapsed, raisedBy } from '../_support/timing.ts';

const test = greenletSuite('wait');
const hub = getHub();

/** A greenlet that sleeps `seconds` and returns `value`. */
function after<T>(seconds: number, value: T): Greenlet<T> {
  return spawn(function* () {
    yield* sleep(seconds);
    return value;
  });
}

/** A greenlet that sleeps `seconds` and throws `error`. */
function failingAfter(seconds: number, error: Error): Greenlet<never> {
  return spawn(function* (): Generator<unknown, never, unknown> {
    yield* sleep(seconds);
    throw error;
  });
}

/** A greenlet that ignores GreenletExit until `stop()` is called. */
function stubborn(): { g: Greenlet<string>; stop: () => void } {
  let stopped = false;
  const g = spawn(function* () {
    while (!stopped) {
      try {
        yield* sleep(60);
      } catch (error) {
        if (!(error instanceof GreenletExit)) throw error;
      }
    }
    return 'stopped';
  });
  return {
    g,
    stop: () => {
      stopped = true;
    },
  };
}

/** Iterates an iwait to the end and returns what it yielded. */
function* drain<T extends Waitable>(it: ReturnType<typeof iwait<T>>): Generator<unknown, T[]> {
  const out: T[] = [];
  for (let i = 0; i < 100; i++) {
    const r = yield* it.next();
    if (r.done) return out;
    out.push(r.value);
  }
  throw new Error('iwait did not finish');
}

test('joinall waits for every greenlet and returns them in completion order', function* () {
  const slow = after(0.04, 'slow');
  const fast = after(0.01, 'fast');
  const done = yield* joinall([slow, fast]);
  assert.ok(slow.dead && fast.dead);
  assert.equal(
    done.map((g) => g.value),
    ['fast', 'slow'],
  );
});

test('joinall({ timeout }) returns only the greenlets that finished in time', function* () {
  const fast = after(0.01, 'fast');
  const slow = after(5, 'slow');
  const start = performance.now();
  const done = yield* joinall([slow, fast], { timeout: 0.05 });
  assertElapsed(since(start), 0.05);
  assert.equal(done, [fast]);
  assert.not.ok(slow.dead);
  assert.is(slow.linkCount(), 0, 'no link left on the unfinished greenlet');
  yield* slow.kill();
});

test('joinall accepts duplicates, any iterable, and an empty list', function* () {
  const a = after(0.01, 'a');
  const b = after(0.02, 'b');
  assert.equal(yield* joinall([a, a, b], { timeout: 1 }), [a, a, b]);
  const c = after(0, 'c');
  assert.equal(yield* joinall(new Set([c])), [c]);
  const d = after(0, 'd');
  assert.equal(
    yield* joinall(
      (function* () {
        yield d;
      })(),
    ),
    [d],
  );
  assert.equal(yield* joinall([]), []);
});

test('joinall({ raiseError }) raises the first error in completion order, not list order', function* () {
  const late = new Error('late');
  const early = new Error('early');
  const gs = [failingAfter(0.04, late), failingAfter(0.01, early), after(0.02, 'ok')];
  assert.is(yield* raisedBy(joinall(gs, { raiseError: true })), early);
  yield* joinall(gs);
  assert.equal(
    takeErrors().map((e) => e.error),
    [early, late],
  );
});

test('joinall({ raiseError }) with no failure returns all', function* () {
  const gs = [after(0.01, 1), after(0, 2)];
  const done = yield* joinall(gs, { raiseError: true });
  assert.equal(
    done.map((g) => g.value),
    [2, 1],
  );
});

test('joinall({ count }) returns after count greenlets, with or without raiseError', function* () {
  const gs = [after(0.05, 'slow'), after(0.01, 'fast'), after(0.03, 'mid')];
  const first = yield* joinall(gs, { count: 1 });
  assert.equal(
    first.map((g) => g.value),
    ['fast'],
  );
  const two = yield* joinall(gs, { count: 2, raiseError: true });
  assert.equal(
    two.map((g) => g.value),
    ['fast', 'mid'],
  );
  yield* joinall(gs);
});

test('killall kills every greenlet; unstarted ones die at once without running', function* () {
  let ran = false;
  const running = [after(5, 1), after(5, 2)];
  const unstarted = new Greenlet(() => {
    ran = true;
  });
  const linked: Greenlet[] = [];
  for (const g of [...running, unstarted]) g.link((x) => linked.push(x));
  yield* sleep(0);
  yield* killall(new Set([...running, unstarted]));
  for (const g of [...running, unstarted]) {
    assert.ok(g.dead);
    assert.instance(g.value, GreenletExit);
  }
  yield* sleep(0);
  assert.not.ok(ran);
  assert.is(linked.length, 3);
});

test('killall({ exception }) raises that exception in each greenlet', function* () {
  class Stop extends Error {}
  const gs = [after(5, 1), after(5, 2)];
  yield* sleep(0);
  yield* killall(gs, { exception: Stop });
  for (const g of gs) assert.instance(g.exception, Stop);
  assert.is(takeErrors().length, 2);
});

test('killall({ timeout }) raises Timeout when a greenlet ignores the kill (V18)', function* () {
  const { g, stop } = stubborn();
  const quick = after(5, 'quick');
  yield* sleep(0);
  const start = performance.now();
  const error = yield* raisedBy(killall([g, quick], { timeout: 0.05 }));
  assert.instance(error, Timeout);
  assertElapsed(since(start), 0.05);
  assert.ok(quick.dead);
  assert.not.ok(g.dead);
  stop();
  yield* g.kill();
  assert.is(g.value, 'stopped');
});

test('killall({ block: false }) and kill(g) return at once; death follows a yield', function* () {
  const a = after(5, 'a');
  const b = after(5, 'b');
  yield* sleep(0);
  yield* killall([a], { block: false });
  assert.is(kill(b), undefined);
  assert.not.ok(a.dead || b.dead);
  yield* joinall([a, b]);
  assert.instance(a.value, GreenletExit);
  assert.instance(b.value, GreenletExit);
});

test('killall of dead greenlets does nothing', function* () {
  const g = after(0, 'v');
  yield* g.join();
  yield* killall([g]);
  assert.is(g.value, 'v');
});

test('wait([...]) covers Greenlet, Event, AsyncResult and Semaphore, in completion order', function* () {
  const go = new Event();
  const g = spawn(function* () {
    yield* go.wait();
    return 'g';
  });
  const event = new Event();
  const result = new AsyncResult<number>();
  const sem = new Semaphore(0);
  const steps = [() => result.set(1), () => sem.release(), () => go.set(), () => event.set()];
  spawn(function* () {
    for (const step of steps) {
      yield* sleep(0.005);
      step();
    }
  });
  const done = yield* wait<Waitable>([event, sem, g, result]);
  assert.equal(done, [result, sem, g, event]);
});

test('wait({ count }) and wait({ timeout }) return what was ready', function* () {
  const gs = [after(0.03, 'b'), after(0.01, 'a'), after(5, 'never')];
  assert.equal(yield* wait(gs, { count: 1 }), [gs[1]]);
  const start = performance.now();
  assert.equal(yield* wait(gs, { timeout: 0.06 }), [gs[1], gs[0]]);
  assertElapsed(since(start), 0.03);
  yield* gs[2]!.kill();
});

test('wait([event]) on a set Event returns [event] each time; after clear() it does not', function* () {
  const event = new Event();
  event.set();
  assert.equal(yield* wait([event]), [event]);
  assert.equal(yield* wait([event]), [event]);
  event.clear();
  assert.equal(yield* wait([event], { timeout: 0.02 }), []);
  assert.is(event.linkCount(), 0);
  assert.equal(yield* wait([]), []);
});

test('iwait yields objects in completion order', function* () {
  const gs = [after(0.05, 'c'), after(0.01, 'a'), after(0.03, 'b')];
  const order = yield* drain(iwait(gs));
  assert.equal(
    order.map((g) => g.value),
    ['a', 'b', 'c'],
  );
});

test('iwait yields objects already ready first, then the rest as they finish', function* () {
  const done = after(0, 'done');
  yield* done.join();
  const later = after(0.02, 'later');
  const event = new Event();
  event.set();
  assert.equal(yield* drain(iwait<Waitable>([later, done, event])), [done, event, later]);
});

test('iwait({ count }) stops after count objects and removes the other links', function* () {
  const gs = [after(0.01, 'a'), after(5, 'b')];
  const it = iwait(gs, { count: 1 });
  assert.equal(yield* drain(it), [gs[0]]);
  assert.is(gs[1]!.linkCount(), 0);
  const again = yield* it.next();
  assert.ok(again.done, 'an exhausted iwait stays done');
  yield* gs[1]!.kill();
});

test('iwait({ timeout }) ends the iteration at the deadline', function* () {
  const fast = after(0.01, 'fast');
  const slow = after(5, 'slow');
  const start = performance.now();
  assert.equal(yield* drain(iwait([slow, fast], { timeout: 0.05 })), [fast]);
  assertElapsed(since(start), 0.05);
  assert.is(slow.linkCount(), 0);
  yield* slow.kill();
});

test('iwait close() (or `using`) removes its links: linkCount() is back to 0', function* () {
  const event = new Event();
  const result = new AsyncResult();
  const g = after(5, 'g');
  const it = iwait<Waitable>([event, result, g]);
  assert.is(event.linkCount(), 1);
  assert.is(result.linkCount(), 1);
  assert.is(g.linkCount(), 1);
  it.close();
  assert.equal([event.linkCount(), result.linkCount(), g.linkCount()], [0, 0, 0]);
  {
    using scoped = iwait<Waitable>([event, g]);
    event.set();
    const first = yield* scoped.next();
    assert.is(first.value, event);
    assert.is(g.linkCount(), 1);
  }
  assert.is(g.linkCount(), 0);
  yield* g.kill();
});

test('bad arguments raise TypeError/RangeError naming the argument', function* () {
  const g = after(0, 'g');
  const cases: Array<[() => Generator<unknown, unknown, unknown> | unknown, unknown, RegExp]> = [
    [() => joinall(5 as never), TypeError, /joinall\(greenlets\)/],
    [() => joinall([g], { count: -1 }), RangeError, /count/],
    [() => joinall([g], { timeout: -1 }), RangeError, /timeout/],
    [() => wait(5 as never), TypeError, /iwait\(objects\)|wait\(objects\)/],
    [() => wait([5 as never]), TypeError, /cannot wait on number 5/],
    [() => wait([g], { count: 1.5 }), RangeError, /count/],
    [() => killall(null as never), TypeError, /killall\(greenlets\)/],
    [() => killall([g], { timeout: -1 }), RangeError, /timeout/],
  ];
  for (const [call, kind, message] of cases) {
    let error: unknown;
    try {
      const op = call() as Iterable<unknown> | undefined;
      if (op !== undefined) yield* op as Generator<unknown, unknown, unknown>;
    } catch (e) {
      error = e;
    }
    assert.instance(error, kind as new () => Error, String(message));
    assert.match((error as Error).message, message);
  }
  assertThrowsIwait();
  yield* g.join();
  assert.is(hub.timers.size, 0);
});

/** iwait validates when called, before anything is iterated. */
function assertThrowsIwait(): void {
  let error: unknown;
  try {
    iwait(5 as never);
  } catch (e) {
    error = e;
  }
  assert.instance(error, TypeError);
  assert.match((error as Error).message, /iwait\(objects\)/);
}

test.run();
