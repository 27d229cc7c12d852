/**
 * Conformance tests for Greenlet: spawning, state flags, values and exceptions, kill, bodies
 * (generator, plain, async), names and subclassing. From the "greenlet / hub" section of
 * GEVENT-SEMANTICS.md (test__greenlet, test__api, test__GreenletExit) and API.md's promises.
 */

import { runInNewContext } from 'node:vm';
import {
  GeventError,
  Greenlet,
  GreenletExit,
  getcurrent,
  getHub,
  type OpLike,
  sleep,
  spawn,
  spawnLater,
  spawnRaw,
  Timeout,
  until,
} from '../../core/index.ts';
import { assert, greenletSuite, since, takeErrors } from '../_support/gtest.ts';
import { assertElapsed, assertThrowsNaming, deferred, raisedBy } from '../_support/timing.ts';

const test = greenletSuite('greenlet');
const hub = getHub();

class Boom extends Error {
  override name = 'Boom';
}

/** `fn` with its parameter types erased, to call it with wrong arguments on purpose. */
const loose = (fn: Function) => fn as (...args: unknown[]) => unknown;

/** A generator body that waits forever (until killed). */
function* forever(): Generator<unknown, never, unknown> {
  for (;;) yield* sleep(60);
}

test('spawn does not run the greenlet until the caller yields; starts are FIFO', function* () {
  const log: number[] = [];
  for (let i = 0; i < 5; i++) spawn((n: number) => log.push(n), i);
  assert.equal(log, []);
  yield* sleep(0);
  assert.equal(log, [0, 1, 2, 3, 4]);
});

test('state flags: created, started, blocked, finished', function* () {
  const seen: boolean[] = [];
  const g = new Greenlet(function* () {
    const me = getcurrent() as Greenlet;
    seen.push(me.started, me.dead, me.ready());
    yield* sleep(0.01);
    return 1;
  });
  assert.equal([g.started, g.dead, g.ready(), g.successful()], [false, false, false, false]);
  g.start();
  assert.equal([g.started, g.dead, g.ready()], [true, false, false]);
  yield* sleep(0);
  assert.equal(seen, [true, false, false], 'running');
  assert.equal([g.started, g.dead, g.ready(), g.successful()], [true, false, false, false]);
  assert.is(g.value, undefined);
  assert.is(g.exception, undefined);
  yield* g.join();
  assert.equal([g.started, g.dead, g.ready(), g.successful()], [false, true, true, true]);
});

test('a return value becomes value; get() returns it; exception stays undefined', function* () {
  const g = spawn(
    function* (a: number, b: number) {
      yield* sleep(0);
      return a + b;
    },
    40,
    2,
  );
  assert.is(yield* g.get(), 42);
  assert.is(g.value, 42);
  assert.ok(g.successful());
  assert.is(g.exception, undefined);
});

test('a raised error: exception set, value undefined, get() re-raises, join() does not', function* () {
  const boom = new Boom('bad');
  const g = spawn(function* () {
    yield* sleep(0);
    throw boom;
  });
  yield* g.join();
  assert.is(g.exception, boom);
  assert.is(g.value, undefined);
  assert.not.ok(g.successful());
  assert.ok(g.dead);
  assert.is(yield* raisedBy(g.get()), boom);
  const errors = takeErrors();
  assert.is(errors.length, 1, 'reported once');
  assert.is(errors[0]!.context, g);
  assert.is(errors[0]!.error, boom);
});

test('an error in a greenlet is not propagated to its spawner', function* () {
  const g = spawn(() => {
    throw new Boom('only mine');
  });
  yield* sleep(0);
  yield* sleep(0);
  assert.ok(g.dead);
  assert.instance(g.exception, Boom);
  assert.is(takeErrors().length, 1);
});

test('kill() throws GreenletExit at the switch point: finally runs, it counts as success', function* () {
  const log: string[] = [];
  const g = spawn(function* () {
    try {
      yield* sleep(60);
    } finally {
      log.push('finally');
    }
  });
  yield* sleep(0);
  yield* g.kill();
  assert.equal(log, ['finally']);
  assert.ok(g.dead);
  assert.ok(g.successful());
  assert.instance(g.value, GreenletExit);
  assert.is(g.exception, undefined);
  assert.is(yield* g.get(), g.value, 'get() returns the GreenletExit without raising');
});

test('GreenletExit is an Error and a GeventError with a stable code', function* () {
  const exit = new GreenletExit();
  assert.instance(exit, Error);
  assert.instance(exit, GeventError);
  assert.is(exit.name, 'GreenletExit');
  assert.is(exit.code, 'ERR_GREENLET_EXIT');
});

test('kill() of a greenlet never started: dead, successful, body never runs, links fire', function* () {
  let ran = false;
  const g = new Greenlet(() => {
    ran = true;
  });
  const linked: unknown[] = [];
  g.link((x) => linked.push(x));
  yield* g.kill();
  assert.ok(g.dead && g.ready() && g.successful());
  assert.instance(g.value, GreenletExit);
  yield* sleep(0);
  assert.not.ok(ran);
  assert.equal(linked, [g]);
});

test('spawn() followed at once by kill(): the body never runs', function* () {
  let ran = false;
  const g = spawn(() => {
    ran = true;
  });
  g.kill();
  assert.ok(g.dead);
  yield* sleep(0);
  assert.not.ok(ran);
  assert.instance(g.value, GreenletExit);
  assert.is(hub.timers.size, 0);
});

test('kill(ErrorClass) raises a new instance: unsuccessful, get() re-raises it', function* () {
  const g = spawn(forever);
  yield* sleep(0);
  yield* g.kill(Boom);
  assert.instance(g.exception, Boom);
  assert.not.ok(g.successful());
  assert.is(g.value, undefined);
  assert.is(yield* raisedBy(g.get()), g.exception);
  assert.is(takeErrors()[0]!.error, g.exception);
});

test('kill(instance) raises that very object, even a non-Error such as 42', function* () {
  const boom = new Boom('custom');
  const g = spawn(forever);
  const h = spawn(forever);
  yield* sleep(0);
  yield* g.kill(boom);
  yield* h.kill(42);
  assert.is(g.exception, boom);
  assert.is(h.exception, 42);
  assert.is(yield* raisedBy(h.get()), 42);
  assert.equal(
    takeErrors().map((e) => e.error),
    [boom, 42],
  );
});

test('kill() blocks until the greenlet has died, cleanup included', function* () {
  const log: string[] = [];
  const g = spawn(function* () {
    try {
      yield* sleep(60);
    } finally {
      yield* sleep(0.02);
      log.push('cleaned');
    }
  });
  yield* sleep(0);
  yield* g.kill();
  assert.equal(log, ['cleaned']);
  assert.ok(g.dead);
});

test('kill({ block: false }) returns at once; the greenlet dies on the next turn', function* () {
  const g = spawn(forever);
  yield* sleep(0);
  yield* g.kill(undefined, { block: false });
  assert.not.ok(g.dead);
  yield* g.join();
  assert.ok(g.dead);
  assert.instance(g.value, GreenletExit);
});

test('kill() acts at once even when its Op is never iterated', function* () {
  const g = spawn(forever);
  yield* sleep(0);
  g.kill();
  yield* sleep(0);
  assert.ok(g.dead);
});

test('kill({ timeout }) on a greenlet swallowing GreenletExit returns, still alive', function* () {
  let stop = false;
  let swallowed = 0;
  const g = spawn(function* () {
    while (!stop) {
      try {
        yield* sleep(60);
      } catch (error) {
        if (!(error instanceof GreenletExit)) throw error;
        swallowed++;
      }
    }
    return 'stopped';
  });
  yield* sleep(0);
  const start = performance.now();
  yield* g.kill(undefined, { timeout: 0.05 });
  assertElapsed(since(start), 0.05);
  assert.not.ok(g.dead);
  yield* g.kill(undefined, { block: false });
  yield* sleep(0);
  assert.is(swallowed, 2, 'killing twice is harmless');
  stop = true;
  yield* g.kill();
  assert.is(g.value, 'stopped');
});

test('kill() stops a greenlet spinning on `for (;;) yield* sleep(0)`', function* () {
  const g = spawn(function* () {
    const start = performance.now();
    while (since(start) < 2) yield* sleep(0);
    return 'ran out its loop';
  });
  yield* sleep(0);
  const start = performance.now();
  yield* g.kill(undefined, { timeout: 1.5 });
  const took = since(start);
  yield* g.join();
  assert.instance(g.value, GreenletExit, 'the kill reached the spinning greenlet');
  assert.ok(took < 1, `took ${took} s`);
});

test('a greenlet can kill itself', function* () {
  const g = spawn(function* () {
    yield* sleep(0);
    yield* (getcurrent() as Greenlet).kill();
    return 'not reached';
  });
  yield* g.join();
  assert.instance(g.value, GreenletExit);
  assert.ok(g.successful());
});

test('join(timeout) returns undefined after ~timeout, leaving the greenlet running', function* () {
  const g = spawn(forever);
  const start = performance.now();
  assert.is(yield* g.join(0.05), undefined);
  assertElapsed(since(start), 0.05);
  assert.not.ok(g.dead);
  assert.is(g.linkCount(), 0, 'the timed-out join left no waiter behind');
  g.kill();
});

test('join(timeout) on a never-started greenlet waits the whole timeout', function* () {
  const g = new Greenlet(() => 1);
  const start = performance.now();
  yield* g.join(0.05);
  assertElapsed(since(start), 0.05);
  assert.not.ok(g.started);
  assert.not.ok(g.dead);
});

test('get({ timeout }) raises Timeout; get({ block: false }) raises Timeout at once', function* () {
  const g = spawn(forever);
  const start = performance.now();
  assert.instance(yield* raisedBy(g.get({ timeout: 0.05 })), Timeout);
  assertElapsed(since(start), 0.05);
  const before = performance.now();
  assert.instance(yield* raisedBy(g.get({ block: false })), Timeout);
  assert.ok(since(before) < 0.5);
  g.kill();
});

test('start() on a started or finished greenlet does nothing', function* () {
  let runs = 0;
  const g = new Greenlet(() => ++runs);
  g.start();
  g.start();
  yield* g.join();
  g.start();
  yield* sleep(0);
  assert.is(runs, 1);
  assert.is(g.value, 1);
  assert.not.ok(g.started);
});

test('spawnLater(seconds, fn, ...args) starts after ~seconds; started at once', function* () {
  const start = performance.now();
  const g = spawnLater(0.05, (a: string) => `${a}!`, 'hi');
  assert.ok(g.started);
  yield* sleep(0);
  assert.not.ok(g.dead);
  assert.is(yield* g.get(), 'hi!');
  assertElapsed(since(start), 0.05);
});

test('startLater(seconds); kill before the start cancels its timer', function* () {
  let ran = false;
  const g = new Greenlet(() => {
    ran = true;
  });
  g.startLater(0.02);
  assert.is(hub.timers.size, 1);
  yield* g.kill();
  assert.is(hub.timers.size, 0, 'start timer cancelled');
  yield* sleep(0.04);
  assert.not.ok(ran);
  const h = new Greenlet((n: number) => n * 2, 21);
  const start = performance.now();
  h.startLater(0.03);
  assert.is(yield* h.get(), 42);
  assertElapsed(since(start), 0.03);
});

test('spawnRaw(fn, ...args) runs fn with its arguments', function* () {
  const g = spawnRaw((a: number, b: number) => a * b, 6, 7);
  assert.instance(g, Greenlet);
  assert.is(yield* g.get(), 42);
});

test('getcurrent(): the running greenlet inside, the hub in a hub callback', function* () {
  const me = getcurrent();
  assert.instance(me, Greenlet);
  let inside: unknown;
  const g = spawn(() => {
    inside = getcurrent();
  });
  yield* g.join();
  assert.is(inside, g);
  let inCallback: unknown;
  g.rawlink(() => {
    inCallback = getcurrent();
  });
  yield* sleep(0);
  assert.is(inCallback, hub);
  assert.is(getcurrent(), me);
});

test('names: minimalIdent is small, unique and stable; name defaults to Greenlet-N', function* () {
  const a = new Greenlet(() => 0);
  const b = new Greenlet(() => 0);
  assert.ok(Number.isInteger(a.minimalIdent) && a.minimalIdent >= 0);
  assert.is(a.minimalIdent, a.minimalIdent);
  assert.ok(b.minimalIdent > a.minimalIdent);
  assert.match(a.name, /^Greenlet-\d+$/);
  assert.is(a.name, `Greenlet-${a.minimalIdent}`);
  b.name = 'worker';
  assert.is(b.name, 'worker');
});

test('toString: <Greenlet at 0x..: fn(args)>, with the name once one is set', function* () {
  function body(_n: number, _s: string, _o: object) {}
  const g = new Greenlet(body, 1, 'a', [1, 2]);
  const hex = g.minimalIdent.toString(16);
  assert.is(String(g), `<Greenlet at 0x${hex}: body(1, "a", Array(2))>`);
  g.name = 'job';
  assert.is(String(g), `<Greenlet "job" at 0x${hex}: body(1, "a", Array(2))>`);
  assert.match(String(new Greenlet(() => 1)), /^<Greenlet at 0x[0-9a-f]+: \S+\(\)>$/);
});

class Worker extends Greenlet<string> {
  constructor(private readonly job: string) {
    super();
  }
  protected override *_run(): Generator<unknown, string, unknown> {
    yield* sleep(0);
    return `done ${this.job}`;
  }
}

class Doubler extends Greenlet<number> {
  protected override *_run(n: unknown): Generator<unknown, number, unknown> {
    yield* sleep(0);
    return (n as number) * 2;
  }
}

test('subclass overriding *_run(): Class.spawn(...) and new Class().start()', function* () {
  const w = Worker.spawn('a');
  assert.instance(w, Worker);
  assert.ok(w.started);
  const v = new Worker('b');
  v.start();
  assert.equal([yield* w.get(), yield* v.get()], ['done a', 'done b']);
  assert.match(String(w), /^<Worker at 0x[0-9a-f]+: _run\(\)>$/);
});

test('subclass: the first argument must still be null or callable (G.spawn(null, 1))', function* () {
  assert.is(yield* Doubler.spawn(null, 21).get(), 42);
  assertThrowsNaming(() => Doubler.spawn(1 as never), TypeError, /run argument or this\._run/);
  assertThrowsNaming(() => new Greenlet(), TypeError, /run argument or this\._run/);
  assertThrowsNaming(() => new Greenlet(5 as never), TypeError, /run argument/);
});

test('await greenlet: its value, or its exception thrown', function* () {
  const ok = spawn(function* () {
    yield* sleep(0);
    return 'v';
  });
  const bad = spawn(() => {
    throw new Boom('x');
  });
  const outcome = yield (async () => {
    const value = await ok;
    const error = await bad.then(
      () => undefined,
      (e: unknown) => e,
    );
    return [value, error];
  })();
  assert.is((outcome as unknown[])[0], 'v');
  assert.instance((outcome as unknown[])[1], Boom);
  assert.is(yield* until(ok), 'v', 'until(greenlet) also works: a greenlet is a PromiseLike');
  assert.is(takeErrors().length, 1);
});

test('plain function bodies: value, arguments and errors', function* () {
  const g = spawn((a: number) => a + 1, 1);
  const h = spawn(() => {
    throw new Boom('plain');
  });
  yield* g.join();
  yield* h.join();
  assert.is(g.value, 2);
  assert.instance(h.exception, Boom);
  assert.is(takeErrors().length, 1);
});

test('async function bodies: the promise value, or its rejection as the exception', function* () {
  const g = spawn(async (a: number) => {
    await new Promise((resolve) => setImmediate(resolve));
    return a * 3;
  }, 5);
  const h = spawn(async () => {
    await Promise.resolve();
    throw new Boom('async');
  });
  assert.is(yield* g.get(), 15);
  yield* h.join();
  assert.instance(h.exception, Boom);
  assert.is(takeErrors().length, 1);
});

test('an async body from another realm (a REPL, a vm context) is awaited too', function* () {
  const body = runInNewContext('(async (n) => { await null; return n + 1; })');
  assert.is(yield* spawn(body, 41).get(), 42);
});

test('async body: kill aborts getcurrent().signal with the GreenletExit', function* () {
  let reason: unknown;
  const g = spawn(async () => {
    const signal = (getcurrent() as Greenlet).signal;
    await new Promise((_, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
    );
  });
  yield* sleep(0);
  assert.not.ok(g.dead);
  const exit = new GreenletExit();
  g.signal.addEventListener('abort', () => {
    reason = g.signal.reason;
  });
  yield* g.kill(exit);
  assert.is(reason, exit);
  assert.ok(g.dead && g.successful());
  assert.is(g.value, exit);
});

test('async body ignoring its signal: kill({ timeout }) gives up; it finishes later', function* () {
  const gate = deferred<number>();
  let signal: AbortSignal | undefined;
  const g = spawn(async () => {
    signal = (getcurrent() as Greenlet).signal;
    return await gate.promise;
  });
  yield* sleep(0);
  const start = performance.now();
  yield* g.kill(undefined, { timeout: 0.05 });
  assertElapsed(since(start), 0.05);
  assert.not.ok(g.dead);
  assert.ok(signal?.aborted);
  gate.resolve(7);
  assert.is(yield* g.get(), 7);
});

test('generator body: kill aborts its signal too', function* () {
  const g = spawn(forever);
  yield* sleep(0);
  const signal = g.signal;
  yield* g.kill(Boom);
  assert.ok(signal.aborted);
  assert.instance(signal.reason, Boom);
  assert.is(takeErrors().length, 1);
});

test('a signal read after the kill is already aborted', function* () {
  const gate = deferred<void>();
  const g = spawn(async () => await gate.promise);
  yield* sleep(0);
  yield* g.kill(undefined, { timeout: 0.01 });
  const late = g.signal;
  gate.resolve();
  yield* g.join();
  assert.ok(late.aborted, 'g.signal obtained after kill() must report the kill');
  assert.instance(late.reason, GreenletExit);
});

test('a generator body may return a greenlet: value is that greenlet, not its value', function* () {
  const inner = spawn(() => 'inner value');
  const outer = spawn(function* () {
    yield* sleep(0);
    return inner;
  });
  assert.is(yield* outer.get(), inner);
});

test('a plain body returning a Promise is awaited; other thenables (a Greenlet) are values, as in gevent', function* () {
  const inner = spawn(() => 'inner value');
  const outer = spawn(() => inner);
  const viaPromise = spawn(() => Promise.resolve('resolved'));
  assert.is(yield* outer.get(), inner);
  assert.is(yield* viaPromise.get(), 'resolved');
});

test('bare `yield promise` waits for it; a rejection is thrown at the yield', function* () {
  const g = spawn(function* (): Generator<unknown, unknown[], unknown> {
    const a = yield Promise.resolve(1);
    const b = yield new Promise((resolve) => setTimeout(resolve, 10, 2));
    let c: unknown;
    try {
      yield Promise.reject(new Boom('rejected'));
    } catch (error) {
      c = error;
    }
    return [a, b, c];
  });
  const [a, b, c] = yield* g.get();
  assert.equal([a, b], [1, 2]);
  assert.instance(c, Boom);
});

test('bare `yield` is sleep(0); yielding a non-promise raises TypeError there', function* () {
  const log: string[] = [];
  spawn(function* () {
    log.push('a1');
    yield;
    log.push('a2');
  });
  const g = spawn(function* () {
    log.push('b1');
    yield 5;
  });
  yield* g.join();
  assert.equal(log, ['a1', 'b1', 'a2']);
  assert.instance(g.exception, TypeError);
  assert.match((g.exception as Error).message, /yield\*/);
  assert.is(takeErrors().length, 1);
});

test('until(promise) is the typed wait; until(value) returns it without switching', function* () {
  const n: number = yield* until(Promise.resolve(5));
  assert.is(n, 5);
  const log: string[] = [];
  spawn(() => log.push('other'));
  assert.is(yield* until('now'), 'now');
  assert.equal(log, [], 'no switch for a plain value');
  const error = yield* raisedBy(until(Promise.reject(new Boom('u'))));
  assert.instance(error, Boom);
  yield* sleep(0);
});

test('kill interrupts a greenlet waiting on a promise; the late settlement is ignored', function* () {
  const gate = deferred<string>();
  const g = spawn(function* (): Generator<unknown, unknown, unknown> {
    return yield gate.promise;
  });
  yield* sleep(0);
  yield* g.kill();
  assert.instance(g.value, GreenletExit);
  gate.resolve('late');
  yield gate.promise;
  yield* sleep(0);
  assert.instance(g.value, GreenletExit);
});

test('bad arguments raise TypeError/RangeError naming the argument', function* () {
  const g = spawn(() => 1);
  assertThrowsNaming(() => loose(spawn)(1), TypeError, /spawn\(fn\)/);
  assertThrowsNaming(() => loose(spawnRaw)(1), TypeError, /fn/);
  assertThrowsNaming(() => loose(spawnLater)(1, 1), TypeError, /spawnLater\(seconds, fn\)/);
  assertThrowsNaming(() => spawnLater(-1, () => 1), RangeError, /spawnLater\(seconds\)/);
  assertThrowsNaming(() => spawnLater('1' as never, () => 1), TypeError, /seconds/);
  assertThrowsNaming(() => new Greenlet(() => 1).startLater(-1), RangeError, /seconds/);
  assertThrowsNaming(() => g.join(-1), RangeError, /timeout/);
  assertThrowsNaming(() => g.get({ timeout: Number.NaN }), TypeError, /timeout/);
  assertThrowsNaming(() => g.kill(undefined, { timeout: -1 }), RangeError, /timeout/);
  assertThrowsNaming(() => g.link(5 as never), TypeError, /link\(callback\)/);
  assertThrowsNaming(() => g.linkValue(null as never), TypeError, /linkValue\(callback\)/);
  assertThrowsNaming(() => g.linkException('x' as never), TypeError, /linkException/);
  assertThrowsNaming(() => g.rawlink(1 as never), TypeError, /rawlink\(callback\)/);
  yield* g.join();
});

test('an Op is any object with [Symbol.iterator]: a hand-written one works with yield*', function* () {
  const fortyTwo: OpLike<number> = {
    *[Symbol.iterator]() {
      yield* sleep(0);
      return 42;
    },
  };
  assert.is(
    yield* spawn(function* () {
      return yield* fortyTwo;
    }).get(),
    42,
  );
});

test.run();
