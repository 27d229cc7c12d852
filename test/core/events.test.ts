/**
 * Runtime events (issue 6): subscribe/subscribers/notify, GreenletSpawned only while someone
 * listens, node:diagnostics_channel delivery, and the switch trace hook.
 */

import diagnosticsChannel from 'node:diagnostics_channel';
import {
  CHANNELS,
  Event,
  EventLoopBlocked,
  type Greenlet,
  GreenletSpawned,
  MemoryUsageThresholdExceeded,
  MemoryUsageUnderThreshold,
  notify,
  type RuntimeEvent,
  setSwitchTrace,
  sleep,
  spawn,
  spawnLater,
  subscribe,
  subscribers,
} from '../../core/index.ts';
import { assert, greenletSuite, takeErrors } from '../_support/gtest.ts';
import { assertThrowsNaming } from '../_support/timing.ts';

const test = greenletSuite('events');

test('subscribe() adds to subscribers; the returned function removes it', function* () {
  const seen: RuntimeEvent[] = [];
  const before = subscribers.length;
  const unsubscribe = subscribe((event) => seen.push(event));
  assert.is(subscribers.length, before + 1);
  const event = new EventLoopBlocked(null, 0.2, ['line']);
  notify(event);
  unsubscribe();
  unsubscribe();
  assert.is(subscribers.length, before, 'removed once, a second call does nothing');
  notify(event);
  assert.equal(seen, [event]);
  assertThrowsNaming(() => subscribe(5 as never), TypeError, /subscribe\(fn\)/);
});

test('subscribers may be pushed to directly (gevent style); an error propagates', function* () {
  const order: string[] = [];
  const first = () => order.push('first');
  const failing = () => {
    throw new Error('subscriber failed');
  };
  const last = () => order.push('last');
  subscribers.push(first, failing, last);
  try {
    assert.throws(() => notify(new EventLoopBlocked(null, 1, [])), /subscriber failed/);
  } finally {
    subscribers.splice(subscribers.indexOf(first), 3);
  }
  assert.equal(order, ['first'], 'the remaining subscribers are skipped, as in gevent');
});

test('GreenletSpawned is emitted at start() while subscribed, and not otherwise', function* () {
  const spawned: Greenlet[] = [];
  const unsubscribe = subscribe((event) => {
    if (event instanceof GreenletSpawned) spawned.push(event.greenlet);
  });
  const a = spawn(() => 'a');
  const b = spawnLater(0, () => 'b');
  assert.equal(spawned, [a, b]);
  unsubscribe();
  const c = spawn(() => 'c');
  assert.equal(spawned, [a, b], 'no event after unsubscribing');
  yield* a.join();
  yield* b.join();
  yield* c.join();
});

test('a GreenletSpawned subscriber that throws is reported; spawn() still returns the greenlet', function* () {
  const unsubscribe = subscribe((event) => {
    if (event instanceof GreenletSpawned) throw new RangeError('subscriber failed');
  });
  let g: Greenlet | null = null;
  try {
    g = spawn(() => 'ran');
  } finally {
    unsubscribe();
  }
  assert.is(yield* g.get(), 'ran');
  const errors = takeErrors();
  assert.is(errors.length, 1);
  assert.is(errors[0]!.context, g);
  assert.instance(errors[0]!.error, RangeError);
});

test('events are published on their diagnostics channels', function* () {
  const received: Array<[string, unknown]> = [];
  const onSpawn = (message: unknown) => received.push([CHANNELS.greenletSpawned, message]);
  const onBlocked = (message: unknown) => received.push([CHANNELS.eventLoopBlocked, message]);
  const onMemory = (message: unknown) => received.push([CHANNELS.memoryThreshold, message]);
  diagnosticsChannel.subscribe(CHANNELS.greenletSpawned, onSpawn);
  diagnosticsChannel.subscribe(CHANNELS.eventLoopBlocked, onBlocked);
  diagnosticsChannel.subscribe(CHANNELS.memoryThreshold, onMemory);
  let g: Greenlet | undefined;
  const blocked = new EventLoopBlocked(null, 0.5, []);
  const exceeded = new MemoryUsageThresholdExceeded(2, 1, process.memoryUsage());
  const under = new MemoryUsageUnderThreshold(1, 1, 2, process.memoryUsage());
  try {
    g = spawn(() => 'watched');
    notify(blocked);
    notify(exceeded);
    notify(under);
  } finally {
    diagnosticsChannel.unsubscribe(CHANNELS.greenletSpawned, onSpawn);
    diagnosticsChannel.unsubscribe(CHANNELS.eventLoopBlocked, onBlocked);
    diagnosticsChannel.unsubscribe(CHANNELS.memoryThreshold, onMemory);
  }
  assert.is(received.length, 4);
  assert.is(received[0]![0], 'gevent-ts:greenlet-spawned');
  assert.is((received[0]![1] as GreenletSpawned).greenlet, g);
  assert.equal(received.slice(1), [
    ['gevent-ts:event-loop-blocked', blocked],
    ['gevent-ts:memory-threshold', exceeded],
    ['gevent-ts:memory-threshold', under],
  ]);
  yield* g!.join();
});

test('setSwitchTrace: called before each step with switch/throw; null removes it', function* () {
  const trace: string[] = [];
  const previous = setSwitchTrace((event, g) => trace.push(`${event} ${g.name}`));
  assert.is(previous, null);
  const gate = new Event();
  const g = spawn(function* () {
    yield* gate.wait();
    yield* sleep(10);
  });
  g.name = 'traced';
  yield* sleep(0); // g's first step
  gate.set();
  yield* sleep(0); // g wakes from the gate and parks in sleep
  yield* g.kill(); // thrown in
  const mine = setSwitchTrace(null);
  assert.is(typeof mine, 'function');
  assert.equal(
    trace.filter((line) => line.endsWith(' traced')),
    ['switch traced', 'switch traced', 'throw traced'],
  );
  assert.ok(
    trace.some((line) => line.startsWith('switch Greenlet-')),
    'the root is traced too',
  );
  const count = trace.length;
  yield* sleep(0);
  assert.is(trace.length, count, 'removed');
});

test('a switch trace that throws is removed and its error reported once', function* () {
  let calls = 0;
  const failing = () => {
    calls++;
    throw new Error('trace failed');
  };
  setSwitchTrace(failing);
  yield* sleep(0);
  yield* sleep(0);
  assert.is(calls, 1);
  assert.is(setSwitchTrace(null), null, 'already removed');
  const errors = takeErrors();
  assert.is(errors.length, 1);
  assert.is(errors[0]!.context, failing);
  assert.match(String(errors[0]!.error), /trace failed/);
  assertThrowsNaming(() => setSwitchTrace('x' as never), TypeError, /setSwitchTrace\(trace\)/);
});

test.run();
