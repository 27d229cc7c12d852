import { GeventError, sleep, spawn } from '../../core/index.ts';
import { assertSwitches, FailedToSwitch } from '../../core/util/index.ts';
import { assert, greenletSuite } from '../_support/gtest.ts';

const test = greenletSuite('util.assertSwitches');

/** Keeps the CPU busy (no switch point) for at least `ms` milliseconds. */
function busyFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

function* expectFailure(
  op: Generator<unknown, unknown, unknown>,
): Generator<unknown, FailedToSwitch, unknown> {
  try {
    yield* op;
  } catch (error) {
    assert.instance(error, FailedToSwitch);
    return error as FailedToSwitch;
  }
  throw new Error('expected FailedToSwitch');
}

test('a busy body with no switch point raises FailedToSwitch', function* () {
  const error = yield* expectFailure(
    assertSwitches(0.02, function* () {
      busyFor(60);
    }),
  );
  assert.instance(error, GeventError);
  assert.is(error.code, 'ERR_FAILED_TO_SWITCH');
  assert.ok(error.blockingTime >= 0.06, `blocked ${error.blockingTime}s`);
  assert.is(error.maxBlockingTime, 0.02);
  assert.is(error.switches, 0);
  assert.match(
    error.message,
    /^To any greenlet in \d+\.\d{4} seconds \(max allowed 0\.0200 seconds\)/,
  );
});

test('without a maximum, the body must switch at least once', function* () {
  const error = yield* expectFailure(assertSwitches(function* () {}));
  assert.is(error.maxBlockingTime, null);
  assert.ok(!error.message.includes('max allowed'));
  // A fast body that does not switch passes when a maximum allows it.
  assert.is(
    yield* assertSwitches(1, function* () {
      return 'fast';
    }),
    'fast',
  );
});

test('a sleeping body passes and its value is returned', function* () {
  const value = yield* assertSwitches(function* () {
    yield* sleep(0.01);
    return 42;
  });
  assert.is(value, 42);
  const timed = yield* assertSwitches(0.5, function* () {
    yield* sleep(0.02);
    yield* sleep(0);
    return 'slept';
  });
  assert.is(timed, 'slept');
});

test('the longest stretch between switch points is what counts', function* () {
  const chunked = function* () {
    for (let i = 0; i < 4; i++) {
      busyFor(15);
      yield* sleep(0);
    }
  };
  // 60 ms of work in total, but never more than ~15 ms without a switch.
  yield* assertSwitches(0.5, chunked);
  const error = yield* expectFailure(assertSwitches(0.005, chunked));
  assert.ok(error.blockingTime >= 0.015 && error.blockingTime < 0.5, `${error.blockingTime}`);
  assert.is(error.switches, 4);
});

test('hubOnly checks the time since the last switch when the body ends', function* () {
  // Switched early, then busy at the end: fails.
  const error = yield* expectFailure(
    assertSwitches(0.02, true, function* () {
      yield* sleep(0);
      busyFor(60);
    }),
  );
  assert.match(error.message, /^To the hub in /);
  assert.ok(error.hubOnly);
  // Busy first, then a switch right before the end: passes (gevent's HubSwitchTracer).
  yield* assertSwitches(0.1, true, function* () {
    busyFor(150);
    yield* sleep(0);
  });
  // Never switched at all: fails.
  yield* expectFailure(assertSwitches(1, true, function* () {}));
});

test('an exception from the body propagates unchecked', function* () {
  try {
    yield* assertSwitches(function* () {
      throw new TypeError('from the body');
    });
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.instance(error, TypeError);
  }
});

test('a kill reaches the body at its switch point', function* () {
  const log: string[] = [];
  const g = spawn(function* () {
    yield* assertSwitches(function* () {
      try {
        yield* sleep(10);
      } finally {
        log.push('body cleaned up');
      }
    });
    log.push('not reached');
  });
  yield* sleep(0);
  yield* g.kill();
  assert.ok(g.dead);
  assert.equal(log, ['body cleaned up']);
});

test('bad arguments raise TypeError', function* () {
  assert.throws(() => assertSwitches(0.1 as never), TypeError);
  assert.throws(() => assertSwitches(-1, function* () {}), TypeError);
});

test.run();
