/**
 * signalHandler (gevent.signal_handler): each delivery of the signal runs the handler in a new
 * greenlet. Signals are sent to this process with process.kill, only while a handler is
 * installed (SIGUSR2's default action would end the test run).
 */
import { constants } from 'node:os';
import { Event, Greenlet, getcurrent, sleep } from '../../core/index.ts';
import { SignalHandler, signalHandler } from '../../core/signal.ts';
import { assert, greenletSuite, takeErrors } from '../_support/gtest.ts';

const test = greenletSuite('signal');
const SIGNAL = 'SIGUSR2';

test('a delivery spawns a greenlet that runs fn(...args)', function* () {
  const done = new Event();
  const seen: unknown[] = [];
  const before = process.listenerCount(SIGNAL);
  const handle = signalHandler(
    SIGNAL,
    function* (a: number, b: string) {
      yield* sleep(0); // a handler may block: it runs in its own greenlet
      seen.push(a, b, getcurrent() instanceof Greenlet);
      done.set();
    },
    1,
    'two',
  );
  try {
    assert.ok(handle instanceof SignalHandler);
    assert.is(process.listenerCount(SIGNAL), before + 1);
    process.kill(process.pid, SIGNAL);
    assert.ok(yield* done.wait(5), 'the handler ran within 5 s');
    assert.equal(seen, [1, 'two', true]);
    assert.is(handle.deliveries, 1);
  } finally {
    handle.cancel();
  }
  assert.is(process.listenerCount(SIGNAL), before);
});

test('each delivery gets a greenlet of its own', function* () {
  const ran: Array<Greenlet<unknown>> = [];
  const delivered = new Event();
  const handle = signalHandler(SIGNAL, () => {
    ran.push(getcurrent() as Greenlet<unknown>);
    delivered.set();
  });
  try {
    for (let i = 0; i < 2; i++) {
      delivered.clear();
      process.kill(process.pid, SIGNAL); // one at a time: pending signals may coalesce
      assert.ok(yield* delivered.wait(5), `delivery ${i + 1} handled within 5 s`);
    }
    assert.is(ran.length, 2);
    assert.is.not(ran[0], ran[1]);
  } finally {
    handle.cancel();
  }
});

test('cancel() removes the listener: later deliveries do not run fn', function* () {
  let cancelledRan = false;
  const cancelled = signalHandler(SIGNAL, () => {
    cancelledRan = true;
  });
  const guardRan = new Event();
  const guard = signalHandler(SIGNAL, () => guardRan.set());
  try {
    cancelled.cancel();
    cancelled.cancel(); // idempotent
    assert.ok(cancelled.cancelled);
    assert.match(String(cancelled), /<SignalHandler SIGUSR2 cancelled/);
    process.kill(process.pid, SIGNAL);
    // Greenlets run in spawn order: had `cancelled` still listened (it was installed first),
    // its greenlet would have run before the guard's.
    assert.ok(yield* guardRan.wait(5), 'the guard handler ran within 5 s');
    assert.not.ok(cancelledRan);
    assert.is(cancelled.deliveries, 0);
  } finally {
    guard.cancel();
  }
});

test('a failing handler is reported through the hub; later deliveries still work', function* () {
  const failing = signalHandler(SIGNAL, () => {
    throw new TypeError('handler failed');
  });
  const after = new Event();
  const guard = signalHandler(SIGNAL, () => after.set());
  try {
    process.kill(process.pid, SIGNAL);
    assert.ok(yield* after.wait(5), 'delivered within 5 s');
    const errors = takeErrors();
    assert.is(errors.length, 1);
    assert.match(String(errors[0]!.error), /TypeError: handler failed/);
    assert.is(failing.deliveries, 1);
  } finally {
    failing.cancel();
    guard.cancel();
  }
});

test('async handlers and signal numbers work', function* () {
  const done = new Event();
  const handle = signalHandler(
    constants.signals.SIGUSR2,
    async (value: string) => {
      await Promise.resolve();
      if (value === 'ok') done.set();
    },
    'ok',
  );
  try {
    assert.is(handle.signal, SIGNAL);
    process.kill(process.pid, SIGNAL);
    assert.ok(yield* done.wait(5), 'the async handler ran within 5 s');
  } finally {
    handle.cancel();
  }
});

test('bad signals and handlers raise clear errors', function* () {
  const fn = () => {};
  const before = process.listenerCount(SIGNAL);
  assert.throws(
    () => signalHandler('SIGNOPE' as never, fn),
    (e: Error) => e instanceof RangeError && /unknown signal "SIGNOPE"/.test(e.message),
  );
  assert.throws(() => signalHandler('sigusr2' as never, fn), RangeError);
  assert.throws(
    () => signalHandler(9999, fn),
    (e: Error) => e instanceof RangeError && /unknown signal number 9999/.test(e.message),
  );
  assert.throws(
    () => signalHandler('SIGKILL', fn),
    (e: Error) => e instanceof RangeError && /SIGKILL cannot be caught/.test(e.message),
  );
  assert.throws(() => signalHandler(constants.signals.SIGSTOP, fn), /SIGSTOP cannot be caught/);
  assert.throws(
    () => signalHandler(null as never, fn),
    (e: Error) => e instanceof TypeError && /signal must be a signal name/.test(e.message),
  );
  assert.throws(
    () => signalHandler(SIGNAL, 'fn' as unknown as () => void),
    (e: Error) =>
      e instanceof TypeError &&
      /signalHandler\(signal, fn\) must be a function, got string "fn"/.test(e.message),
  );
  assert.is(process.listenerCount(SIGNAL), before, 'nothing was installed');
  yield* sleep(0);
});

test.run();
