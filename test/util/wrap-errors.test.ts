import { GeventError, Greenlet, sleep, spawn, Timeout, withTimeout } from '../../core/index.ts';
import { wrapErrors } from '../../core/util/index.ts';
import { assert, greenletSuite, takeErrors } from '../_support/gtest.ts';

const test = greenletSuite('util.wrapErrors');

class ExpectedError extends GeventError {}

test('a plain function returns a listed error and raises the others', function* () {
  const parse = wrapErrors(
    [SyntaxError, RangeError],
    (text: string) => JSON.parse(text) as unknown,
  );
  assert.equal(parse('[1]'), [1]);
  const returned = parse('{');
  assert.instance(returned, SyntaxError);
  const strict = wrapErrors(RangeError, (text: string) => JSON.parse(text) as unknown);
  assert.throws(
    () => strict('{'),
    (e: unknown) => e instanceof SyntaxError,
  );
  // A subclass of a listed class is caught too.
  const any = wrapErrors(Error, () => {
    throw new ExpectedError('x');
  });
  assert.instance(any(), ExpectedError);
});

test('a generator body returns an error raised after a switch point', function* () {
  const body = wrapErrors(ExpectedError, function* worker(n: number) {
    yield* sleep(0);
    if (n > 1) throw new ExpectedError(`too big: ${n}`);
    return n;
  });
  const ok = spawn(body, 1);
  const failed = spawn(body, 2);
  yield* ok.join();
  yield* failed.join();
  assert.is(ok.value, 1);
  assert.ok(failed.successful(), 'the error was returned, not raised');
  assert.instance(failed.value, ExpectedError);
  assert.equal(takeErrors(), [], 'nothing reported to the hub');
});

test('an unlisted error from a generator body still fails the greenlet', function* () {
  const g = spawn(
    wrapErrors(ExpectedError, function* () {
      yield* sleep(0);
      throw new TypeError('not listed');
    }),
  );
  yield* g.join();
  assert.instance(g.exception, TypeError);
  assert.is(takeErrors().length, 1);
});

test('a Timeout thrown in at a switch point can be returned', function* () {
  const g = spawn(
    wrapErrors(Timeout, function* () {
      yield* withTimeout(0.01, sleep(5));
      return 'finished';
    }),
  );
  yield* g.join(2);
  assert.instance(g.value, Timeout);
});

test('an async body resolves with a listed error', function* () {
  const fetchLike = wrapErrors(ExpectedError, async (fail: boolean) => {
    await Promise.resolve();
    if (fail) throw new ExpectedError('async');
    return 'ok';
  });
  assert.is(yield fetchLike(false), 'ok');
  assert.instance(yield fetchLike(true), ExpectedError);
});

test('the wrapper keeps the name, so a greenlet prints as the function', function* () {
  function* namedWorker() {
    yield* sleep(0);
  }
  const wrapped = wrapErrors(Error, namedWorker);
  assert.is(wrapped.name, 'namedWorker');
  assert.is(String(wrapped), String(namedWorker));
  const g = new Greenlet(wrapped);
  assert.match(String(g), 'namedWorker()');
});

test('bad arguments raise TypeError', function* () {
  assert.throws(() => wrapErrors(Error, 42 as never), TypeError);
  assert.throws(() => wrapErrors(['nope'] as never, () => 1), TypeError);
});

test.run();
