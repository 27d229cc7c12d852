/**
 * Conformance tests for local() (gevent's `local` rules in GEVENT-SEMANTICS.md, translated to the
 * API of API.md): per-greenlet values, an init function rerun per greenlet, values dropped when a
 * greenlet dies. Layer: tests of core primitives.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Event, local, sleep, spawn, until } from '../../core/index.ts';
import { assert, greenletSuite } from '../_support/gtest.ts';

const test = greenletSuite('local');

setFlagsFromString('--expose-gc');
/** V8's collector, reached without a command-line flag. */
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * Collects garbage after the current macrotask: a WeakRef made in this job stays alive until the
 * job ends, so the collection must run in a later one.
 */
function* collectedLater(): Generator<unknown, void, unknown> {
  yield* until(new Promise((resolve) => setImmediate(resolve)));
  collectGarbage();
}

test('values are per greenlet: another greenlet does not see them, main keeps its own', function* () {
  const ctx = local<{ name?: string }>();
  ctx.name = 'main';
  const first = spawn(function* () {
    const before = ctx.name;
    ctx.name = 'first';
    yield* sleep(0.01);
    return [before, ctx.name];
  });
  const second = spawn(function* () {
    yield* sleep(0);
    return ctx.name;
  });
  assert.equal(yield* first.get(), [undefined, 'first']);
  assert.is(yield* second.get(), undefined, "the second greenlet does not see the first's value");
  assert.is(ctx.name, 'main');
});

test('the init function runs again in each greenlet that touches the object', function* () {
  let calls = 0;
  const ctx = local(() => {
    calls++;
    return { count: 0, tags: [] as string[] };
  });
  ctx.count = 5;
  ctx.tags.push('main');
  assert.is(calls, 1);
  const other = spawn(() => {
    const seen = { count: ctx.count, tags: [...ctx.tags] };
    ctx.count++;
    ctx.tags.push('other');
    return seen;
  });
  assert.equal(yield* other.get(), { count: 0, tags: [] }, 'fresh starting values');
  assert.is(calls, 2);
  assert.equal([ctx.count, ctx.tags], [5, ['main']], "main's values are untouched");
  const untouching = spawn(() => 'did not touch ctx');
  yield* untouching.join();
  assert.is(calls, 2, 'a greenlet that never touches the object does not run init');
});

test("a dead greenlet's values are dropped: a new greenlet reads fresh, the old ones are collected", function* () {
  const ctx = local<{ payload?: { data: number[] } }>(() => ({}));
  let weak: WeakRef<object> | undefined;
  const owner = spawn(function* () {
    ctx.payload = { data: [1, 2, 3] };
    weak = new WeakRef(ctx.payload);
    yield* sleep(0);
  });
  yield* owner.join();
  const fresh = spawn(() => ctx.payload);
  assert.is(yield* fresh.get(), undefined, 'a new greenlet reads a fresh value');
  yield* collectedLater();
  assert.is(weak?.deref(), undefined, "the dead greenlet's value was released");
});

test('an unreferenced local is collected while its greenlet still runs', function* () {
  let weak: WeakRef<object> | undefined;
  const stop = new Event();
  const runner = spawn(function* () {
    const useScratch = () => {
      const scratch = local<{ value?: object }>();
      scratch.value = { big: new Array(100).fill(0) };
      weak = new WeakRef(scratch.value);
    };
    useScratch();
    yield* stop.wait();
  });
  yield* sleep(0);
  assert.ok(weak?.deref() !== undefined, 'the value was stored');
  yield* collectedLater();
  assert.is(runner.dead, false, 'the greenlet is still running');
  assert.is(weak?.deref(), undefined);
  stop.set();
  yield* runner.join();
});

test('a bad init argument is a TypeError naming the rule', function* () {
  for (const bad of [1, 'x', {}, null]) {
    assert.throws(
      () => local(bad as never),
      (e: unknown) =>
        e instanceof TypeError && /Initialization arguments are not supported/.test(e.message),
    );
  }
  assert.ok(local(undefined), 'undefined means no init');
});

test('in, delete and Object.keys see only the current greenlet; spread copies its values', function* () {
  const ctx = local<Record<string, number>>();
  ctx.a = 1;
  ctx.b = 2;
  delete ctx.b;
  assert.ok('a' in ctx);
  assert.not.ok('b' in ctx);
  assert.equal(Object.keys(ctx), ['a']);
  assert.equal({ ...ctx }, { a: 1 }, "a copy takes the current greenlet's values");
  const other = spawn(() => {
    ctx.z = 26;
    return { keys: Object.keys(ctx), hasA: 'a' in ctx, copy: { ...ctx } };
  });
  assert.equal(yield* other.get(), { keys: ['z'], hasA: false, copy: { z: 26 } });
  assert.equal(Object.keys(ctx), ['a']);
});

test('a missing property reads as undefined (JavaScript has no AttributeError)', function* () {
  const ctx = local<{ missing?: string }>();
  assert.is(ctx.missing, undefined);
  assert.not.ok('missing' in ctx);
});

test('hub callbacks see their own values, not those of a greenlet', function* () {
  const ctx = local<{ who?: string }>();
  ctx.who = 'greenlet';
  const inCallback = new Promise<string | undefined>((resolve) =>
    setTimeout(() => {
      const before = ctx.who;
      ctx.who = 'hub';
      resolve(before);
    }, 1),
  );
  assert.is(yield* until(inCallback), undefined);
  assert.is(ctx.who, 'greenlet');
});

test.run();
