/**
 * Conformance tests for the hub: scheduling order, the switch interval, hub callbacks (links and
 * the errors they report), BlockingSwitchOutError, hub.join()/wait()/idle(), error printing, and
 * run()/LoopExit. From the "greenlet / hub" section of GEVENT-SEMANTICS.md (test__hub, test__order,
 * test__sleep0, test__greenlet links, test__api) and API.md's promises.
 */

import { suite } from 'uvu';
import {
  AsyncResult,
  BlockingSwitchOutError,
  Channel,
  Event,
  GeventError,
  type Greenlet,
  getHub,
  idle,
  LoopExit,
  Queue,
  run,
  Semaphore,
  sleep,
  spawn,
  Timeout,
  wait,
} from '../../core/index.ts';
import { MUST_WAIT, WaitOp } from '../../core/internal/wait-op.ts';
import { assert, greenletSuite, runChecked, since, takeErrors } from '../_support/gtest.ts';
import {
  assertElapsed,
  assertThrowsNaming,
  CORE_URL,
  captureStderr,
  raisedBy,
  rejectionOf,
  runModuleInChild,
} from '../_support/timing.ts';

const hub = getHub();
/** The hub's own printer, taken before any test swaps in the collecting handler. */
const defaultHandleError = hub.handleError;

const test = greenletSuite('hub');

test('getHub() is a per-process singleton', function* () {
  assert.is(getHub(), hub);
  assert.match(String(hub), /^<Hub /);
});

test('sleep(0) yields to every other runnable greenlet: 1A 2A 3A 1B 2B 3B', function* () {
  const log: string[] = [];
  const body = function* (n: number) {
    log.push(`${n}A`);
    yield* sleep(0);
    log.push(`${n}B`);
  };
  const gs = [1, 2, 3].map((n) => spawn(body, n));
  yield* sleep(0);
  log.push('main');
  for (const g of gs) yield* g.join();
  assert.equal(log, ['1A', '2A', '3A', 'main', '1B', '2B', '3B']);
});

test('sleep(seconds) waits about that long; sleep() is sleep(0)', function* () {
  const start = performance.now();
  yield* sleep(0.05);
  assertElapsed(since(start), 0.05);
  yield* sleep();
});

test('timers fire in deadline order', function* () {
  const log: number[] = [];
  const gs = [0.06, 0.02, 0.04].map((t) =>
    spawn(function* () {
      yield* sleep(t);
      log.push(t);
    }),
  );
  for (const g of gs) yield* g.join();
  assert.equal(log, [0.02, 0.04, 0.06]);
});

test('timers with equal durations fire in the order they were created', function* () {
  const log: number[] = [];
  const gs: Greenlet[] = [];
  for (let i = 0; i < 20; i++) {
    gs.push(
      spawn(function* () {
        yield* sleep(0.02);
        log.push(i);
      }),
    );
  }
  for (const g of gs) yield* g.join();
  assert.equal(
    log,
    Array.from({ length: 20 }, (_, i) => i),
  );
});

test('switch interval: a greenlet spinning on sleep(0) does not starve a setTimeout', function* () {
  let fired = false;
  let spins = 0;
  const spinner = spawn(function* () {
    const start = performance.now();
    while (!fired && since(start) < 5) {
      spins++;
      yield* sleep(0);
    }
  });
  const start = performance.now();
  setTimeout(() => {
    fired = true;
  }, 10);
  yield* spinner.join();
  assert.ok(fired, 'the Node timer ran while the greenlet was spinning');
  assert.ok(since(start) < 2, `took ${since(start)} s`);
  assert.ok(spins > 10);
});

test('switch interval: a Timeout interrupts a `for (;;) yield* sleep(0)` loop', function* () {
  let stop = false;
  const other = spawn(function* () {
    while (!stop) yield* sleep(0);
  });
  const t = Timeout.startNew(0.02);
  const start = performance.now();
  let caught: unknown;
  try {
    while (since(start) < 2) yield* sleep(0);
  } catch (error) {
    caught = error;
  } finally {
    t.cancel();
    stop = true;
  }
  const took = since(start);
  yield* other.join();
  assert.is(caught, t, 'the Timeout reached the spinning greenlet');
  assert.ok(took < 1.5, `took ${took} s`);
});

test("switch interval: a parked greenlet's Timeout fires while another spins", function* () {
  let stop = false;
  const spinner = spawn(function* () {
    const start = performance.now();
    while (!stop && since(start) < 2) yield* sleep(0);
  });
  const start = performance.now();
  const t = Timeout.startNew(0.02);
  const error = yield* raisedBy(new Event().wait());
  stop = true;
  yield* spinner.join();
  assert.is(error, t);
  assert.ok(since(start) < 1.5, `took ${since(start)} s`);
});

test('switch interval: a bare `yield` loop does not starve promises either', function* () {
  let resolved = false;
  void new Promise((resolve) => setTimeout(resolve, 10)).then(() => {
    resolved = true;
  });
  const start = performance.now();
  while (!resolved && since(start) < 5) yield;
  assert.ok(resolved);
  assert.ok(since(start) < 2);
});

/** An op that parks until somebody calls its wake methods. */
class Parked extends WaitOp<string> {
  protected tryNow(): typeof MUST_WAIT {
    return MUST_WAIT;
  }
  protected enlist(): void {}
  protected delist(): void {}
  protected describe(): string {
    return 'parked';
  }
}

test('a wake from a Node callback runs the greenlet inside it when the hub is idle', function* () {
  const log: string[] = [];
  const op = new Parked();
  const g = spawn(function* () {
    log.push(`woken with ${yield* op}`);
  });
  yield* sleep(0);
  const callbackDone = new AsyncResult<void>();
  setImmediate(() => {
    op.wakeFromCallback('a');
    log.push('callback returns');
    callbackDone.set();
  });
  yield* callbackDone.wait();
  assert.ok(g.dead);
  assert.equal(log, ['woken with a', 'callback returns']);
});

test('a wake "from a callback" made inside a step is queued like any wake', function* () {
  const log: string[] = [];
  const op = new Parked();
  const g = spawn(function* () {
    log.push(`woken with ${yield* op}`);
  });
  yield* sleep(0);
  op.wakeFromCallback('b');
  log.push('step goes on');
  yield* g.join();
  assert.equal(log, ['step goes on', 'woken with b']);
});

test('blocking in a hub callback raises BlockingSwitchOutError', function* () {
  const g = spawn(() => 1);
  let caught: unknown;
  g.rawlink(() => {
    try {
      sleep(0.01)[Symbol.iterator]().next();
    } catch (error) {
      caught = error;
    }
  });
  yield* g.join();
  yield* sleep(0);
  assert.instance(caught, BlockingSwitchOutError);
  assert.instance(caught, GeventError);
  assert.is((caught as GeventError).code, 'ERR_BLOCKING_SWITCH_OUT');
  assert.match(
    (caught as Error).message,
    /Impossible to call blocking function in the event loop callback/,
  );
});

test('blocking from plain code (a Node timer callback) raises BlockingSwitchOutError', function* () {
  const caught = yield new Promise((resolve) =>
    setTimeout(() => {
      try {
        new Event().wait()[Symbol.iterator]().next();
        resolve(undefined);
      } catch (error) {
        resolve(error);
      }
    }, 1),
  );
  assert.instance(caught, BlockingSwitchOutError);
});

test('hub.join() returns true once nothing is left to run', function* () {
  const log: string[] = [];
  spawn(function* () {
    yield* sleep(0.02);
    log.push('a');
  });
  spawn(function* () {
    yield* sleep(0.01);
    log.push('b');
  });
  assert.is(yield* hub.join(), true);
  assert.equal(log, ['b', 'a']);
  spawn(function* () {
    yield* sleep(0.01);
  });
  assert.is(yield* hub.join(1), true, 'again, with a timeout, once new work has finished');
});

test('hub.join(timeout) and wait({ timeout }) return false while work remains', function* () {
  const g = spawn(function* () {
    yield* sleep(0.5);
  });
  const start = performance.now();
  assert.is(yield* hub.join(0.03), false);
  assertElapsed(since(start), 0.03);
  assert.is(yield* wait(undefined, { timeout: 0.03 }), false);
  yield* g.kill();
  assert.is(yield* wait(), true, 'wait() with no objects waits for the loop to run out of work');
});

test('a Timeout with ref: false does not keep hub.join() waiting', function* () {
  const t = Timeout.startNew(5, undefined, { ref: false });
  const start = performance.now();
  assert.is(yield* hub.join(2), true);
  assert.ok(since(start) < 1);
  assert.ok(t.pending);
  t.cancel();
});

test('idle() returns after ready greenlets and already-queued callbacks have run', function* () {
  const log: string[] = [];
  spawn(() => log.push('greenlet'));
  setImmediate(() => log.push('immediate'));
  yield* idle();
  assert.equal(log, ['greenlet', 'immediate']);
});

test('an uncaught error prints its stack and "<Greenlet ...> failed with TypeError"', function* () {
  const previous = hub.handleError;
  hub.handleError = defaultHandleError;
  const capture = captureStderr();
  let text: string;
  let g: Greenlet;
  try {
    g = spawn(function failing(_n: number) {
      throw new TypeError('boom in greenlet');
    }, 7);
    yield* g.join();
  } finally {
    text = capture.stop();
    hub.handleError = previous;
  }
  assert.match(text, /TypeError: boom in greenlet\n\s+at (\S+\.)?failing /);
  assert.match(
    text,
    /\n\d{4}-\d\d-\d\dT[\d:.]+Z <Greenlet at 0x[0-9a-f]+: failing\(7\)> failed with TypeError\n/,
  );
  assert.is(text.split('failed with').length, 2, 'printed once');
  assert.instance(g.exception, TypeError);
});

test('an error handler that throws does not break the hub', function* () {
  const previous = hub.handleError;
  hub.handleError = () => {
    throw new Error('handler broke');
  };
  const capture = captureStderr();
  let text: string;
  try {
    yield* spawn(() => {
      throw new Error('first');
    }).join();
    const after = spawn(function* () {
      yield* sleep(0);
      return 'still scheduling';
    });
    assert.is(yield* after.get(), 'still scheduling');
  } finally {
    text = capture.stop();
    hub.handleError = previous;
  }
  assert.match(text, /handler broke/);
});

test('links run in registration order across link/rawlink/linkValue/linkException', function* () {
  const log: string[] = [];
  const ok = spawn(() => 1);
  const bad = spawn(() => {
    throw new Error('x');
  });
  for (const [name, g] of [
    ['ok', ok],
    ['bad', bad],
  ] as const) {
    g.link(() => log.push(`${name}:link`));
    g.linkException(() => log.push(`${name}:exception`));
    g.rawlink(() => log.push(`${name}:rawlink`));
    g.linkValue(() => log.push(`${name}:value`));
  }
  yield* ok.join();
  yield* bad.join();
  assert.equal(log, [
    'ok:link',
    'ok:rawlink',
    'ok:value',
    'bad:link',
    'bad:exception',
    'bad:rawlink',
  ]);
  assert.is(takeErrors().length, 1);
});

test('1000 links run in registration order (test__order)', function* () {
  const log: number[] = [];
  const g = spawn(() => 0);
  for (let i = 0; i < 1000; i++) g.link(() => log.push(i));
  yield* g.join();
  assert.equal(
    log,
    Array.from({ length: 1000 }, (_, i) => i),
  );
});

test('an error in one link is reported (with the greenlet as context); the rest still run', function* () {
  const log: string[] = [];
  const g = spawn(() => 'v');
  const oops = new Error('link failed');
  g.link(() => log.push('first'));
  g.link(() => {
    throw oops;
  });
  g.link(() => log.push('third'));
  yield* g.join();
  yield* sleep(0);
  assert.equal(log, ['first', 'third']);
  const errors = takeErrors();
  assert.is(errors.length, 1);
  assert.is(errors[0]!.error, oops);
  assert.is(errors[0]!.context, g);
});

test('a link added after death fires on the next turn, not synchronously', function* () {
  const g = spawn(() => 1);
  yield* g.join();
  const log: unknown[] = [];
  g.link((x) => log.push(x));
  g.linkValue(() => log.push('value'));
  g.linkException(() => log.push('never'));
  assert.equal(log, []);
  yield* sleep(0);
  assert.equal(log, [g, 'value']);
});

test('unlink: before death, and during notification (stops the pending link)', function* () {
  const log: string[] = [];
  const g = spawn(function* () {
    yield* sleep(0);
  });
  const removed = () => log.push('removed');
  const later = () => log.push('later');
  const onValue = () => log.push('value');
  g.link(removed);
  g.linkValue(onValue);
  g.link(() => {
    log.push('unlinker');
    g.unlink(later);
  });
  assert.ok(g.hasLinks());
  g.link(later);
  assert.is(g.linkCount(), 4);
  g.unlink(removed);
  g.unlink(onValue);
  g.unlink(() => 'never registered');
  g.unlink(null);
  assert.is(g.linkCount(), 2);
  yield* g.join();
  yield* sleep(0);
  assert.equal(log, ['unlinker']);
  assert.is(g.linkCount(), 0);
  assert.not.ok(g.hasLinks(), 'has_links() is false once they ran');
});

test('unlinkAll() removes every link', function* () {
  let called = false;
  const g = spawn(() => 1);
  g.link(() => {
    called = true;
  });
  g.rawlink(() => {
    called = true;
  });
  g.unlinkAll();
  assert.is(g.linkCount(), 0);
  yield* g.join();
  yield* sleep(0);
  assert.not.ok(called);
});

test('an AsyncResult as a link target receives the value or the exception', function* () {
  const ok = spawn(() => 101);
  const boom = new Error('1 / 0');
  const bad = spawn(() => {
    throw boom;
  });
  const r1 = new AsyncResult<number>();
  const r2 = new AsyncResult<never>();
  ok.link(r1);
  bad.link(r2);
  assert.is(yield* r1.get(), 101);
  assert.is(yield* raisedBy(r2.get()), boom);
  assert.is(takeErrors().length, 1);
});

test('Queue and Channel puts as link targets', function* () {
  const q = new Queue<Greenlet>();
  const ch = new Channel<Greenlet>();
  const go = new Event();
  const first = spawn(() => 'first');
  const second = spawn(function* () {
    yield* go.wait();
    return 'second';
  });
  for (const g of [first, second]) {
    g.link((x) => q.putNowait(x));
    g.link((x) => ch.putNowait(x));
  }
  assert.is(yield* ch.get(), first);
  go.set(); // the channel's getter must be waiting again before the next put
  assert.is(yield* ch.get(), second);
  assert.equal([yield* q.get(), yield* q.get()], [first, second]);
});

test.run();

/** run() and LoopExit: tests that call run() from plain code, as a program's entry point does. */
const entry = suite('run-and-loop-exit');

entry('run(fn, ...args) resolves with the result; run(op) too', async () => {
  const sum = await run(
    function* (a: number, b: number) {
      yield* sleep(0);
      return a + b;
    },
    1,
    2,
  );
  assert.is(sum, 3);
  assert.is(await run(() => 'plain'), 'plain');
  assert.is(await run(async () => 'async'), 'async');
  assert.is(await run(spawn((n: number) => n, 9).get()), 9);
  assert.is(hub.roots.size, 0);
});

entry("run() rejects with the main greenlet's error, which is not printed", async () => {
  const boom = new Error('main failed');
  const error = await rejectionOf(
    runChecked(function* () {
      yield* sleep(0);
      throw boom;
    }),
  );
  assert.is(error, boom);
});

entry('run(non-function) throws TypeError naming run(fn)', () => {
  assertThrowsNaming(() => run(5 as never), TypeError, /run\(fn\)/);
});

async function loopExitOf(body: () => Generator<unknown, unknown, unknown>): Promise<LoopExit> {
  const error = await rejectionOf(runChecked(body));
  assert.instance(error, LoopExit);
  assert.instance(error, GeventError);
  assert.is((error as LoopExit).code, 'ERR_LOOP_EXIT');
  assert.match((error as Error).message, /^This operation would block forever/);
  return error as LoopExit;
}

entry('LoopExit: the main greenlet blocks on Queue().get(), naming the queue', async () => {
  const e = await loopExitOf(function* () {
    yield* new Queue().get();
  });
  assert.match(e.message, /is waiting on <Queue qsize=0 getters=1/);
});

entry('LoopExit: Semaphore(0).acquire() and Event().wait() name what they wait on', async () => {
  const a = await loopExitOf(function* () {
    yield* new Semaphore(0).acquire();
  });
  assert.match(a.message, /<Greenlet at 0x[0-9a-f]+: \S+\(\)> is waiting on <Semaphore counter=0/);
  const b = await loopExitOf(function* () {
    yield* new Event().wait();
  });
  assert.match(b.message, /waiting on <Event clear/);
});

entry(
  'LoopExit: joining a greenlet that is itself blocked forever names that greenlet',
  async () => {
    let stuck: Greenlet | undefined;
    const e = await loopExitOf(function* () {
      stuck = spawn(function* blockedForever() {
        yield* new Event().wait();
      });
      yield* stuck.join();
    });
    assert.ok(e.message.includes(`waiting on ${stuck}`), e.message);
    assert.ok(e.message.includes('blockedForever'));
  },
);

entry('LoopExit: a promise that never settles', async () => {
  const e = await loopExitOf(function* () {
    yield new Promise(() => {});
  });
  assert.match(e.message, /waiting on a promise/);
});

entry('LoopExit is raised at the switch point and can be caught by the main greenlet', async () => {
  const q = new Queue<number>();
  const caught = await runChecked(function* () {
    try {
      yield* q.get();
    } catch (error) {
      return error;
    }
    return undefined;
  });
  assert.instance(caught, LoopExit);
  assert.match(String(q), /getters=0/, 'the cancelled get left the queue');
});

entry('no LoopExit while a timer can still wake the main greenlet', async () => {
  const value = await runChecked(function* () {
    const ready = new Event();
    spawn(function* () {
      yield* sleep(0.03);
      ready.set();
    });
    return yield* ready.wait();
  });
  assert.is(value, true);
});

entry('hub.join() back to back returns true each time (V34), in a fresh process', async () => {
  const { code, stdout, stderr } = await runModuleInChild(`
    import { run, getHub } from ${JSON.stringify(CORE_URL)};
    const hub = getHub();
    const result = await run(function* () {
      return [yield* hub.join(), yield* hub.join(), yield* hub.join(0.5)];
    });
    console.log(JSON.stringify(result));
  `);
  assert.is(stdout.trim(), '[true,true,true]', `exit ${code}; stderr: ${stderr}`);
  assert.is(code, 0);
});

entry(
  'LoopExit is raised again if the main greenlet blocks again, in a fresh process',
  async () => {
    const { code, stdout, stderr } = await runModuleInChild(`
    import { run, Queue, LoopExit } from ${JSON.stringify(CORE_URL)};
    const result = await run(function* () {
      const q = new Queue();
      const seen = [];
      for (let i = 0; i < 2; i++) {
        try { yield* q.get(); } catch (error) { seen.push(error instanceof LoopExit); }
      }
      return seen;
    });
    console.log(JSON.stringify(result));
  `);
    assert.is(stdout.trim(), '[true,true]', `exit ${code}; stderr: ${stderr}`);
    assert.is(code, 0);
  },
);

entry.run();
