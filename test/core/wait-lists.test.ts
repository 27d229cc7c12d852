/**
 * Wait lists reclaim the slots of waits that timed out or were cancelled (Linkable's `_links`,
 * WaiterList's array), keep the live waiters in FIFO order and the links in registration order,
 * and survive removals made while a notification walks the list. Layer: tests of core
 * internals, through the public primitives.
 */

import {
  AsyncResult,
  Empty,
  Event,
  type Greenlet,
  GreenletExit,
  Lock,
  type Op,
  Queue,
  Semaphore,
  sleep,
  spawn,
  Timeout,
  wait,
} from '../../core/index.ts';
import { assert, greenletSuite } from '../_support/gtest.ts';

const test = greenletSuite('wait-lists');

/** Waits made one after another (each takes a timer turn, about 1 ms). */
const SEQUENTIAL = 100;
/** Waits parked together that all time out on the same turn. */
const CONCURRENT = 300;
/** The most slots a list may keep for a handful of live waiters. */
const BOUND = 64;
/** A timeout short enough to expire at the next timer turn. */
const TINY = 0.001;

/** Slots in a Linkable's link array (live links and holes). */
function linkSlots(source: object): number {
  return (source as { _links: unknown[] | null })._links?.length ?? 0;
}

/** Length of a WaiterList's backing array. */
function waiterSlots(list: object): number {
  return (list as { items: unknown[] }).items.length;
}

/** Spawns a greenlet that iterates the Op `makeOp()` returns; the Op's result is its value. */
function spawnOp<T>(makeOp: () => Op<T>): Greenlet<T> {
  return spawn(function* () {
    return yield* makeOp();
  });
}

/** Runs `makeOp()` to completion `count` times, one after another; returns the results. */
function* sequentially<T>(count: number, makeOp: () => Op<T>): Generator<unknown, T[], unknown> {
  const results: T[] = [];
  for (let i = 0; i < count; i++) results.push(yield* makeOp());
  return results;
}

/** Parks `count` greenlets on `makeOp()` together and waits for all; returns their values. */
function* concurrently<T>(count: number, makeOp: () => Op<T>): Generator<unknown, T[], unknown> {
  const greenlets: Greenlet<T>[] = [];
  for (let i = 0; i < count; i++) greenlets.push(spawnOp(makeOp));
  const results: T[] = [];
  for (const g of greenlets) results.push(yield* g.get({ timeout: 10 }));
  return results;
}

/** `op` run to completion: 'raised' when it raised an instance of `type`, else its value. */
function* raisedOr<T>(
  op: Op<T>,
  type: new () => unknown,
): Generator<unknown, T | 'raised', unknown> {
  try {
    return yield* op;
  } catch (error) {
    if (error instanceof type) return 'raised';
    throw error;
  }
}

/** Spawns a greenlet that records `name` in `order` once `makeOp()` completes. */
function spawnRecorder(order: string[], name: string, makeOp: () => Op<unknown>): Greenlet<void> {
  return spawn(function* () {
    yield* makeOp();
    order.push(name);
  });
}

test('Event.wait(timeout): timed-out waits leave no slots and live waiters wake in order', function* () {
  const event = new Event();
  const order: string[] = [];
  const first = spawnRecorder(order, 'first', () => event.wait());
  yield* sleep(0);
  const polled = yield* sequentially(SEQUENTIAL, () => event.wait(0));
  const second = spawnRecorder(order, 'second', () => event.wait());
  const parked = yield* concurrently(CONCURRENT, () => event.wait(TINY));
  const third = spawnRecorder(order, 'third', () => event.wait());
  yield* sleep(0);
  assert.ok(polled.every((v) => v === false) && parked.every((v) => v === false));
  assert.is(event.linkCount(), 3);
  assert.ok(linkSlots(event) < BOUND, `slots ${linkSlots(event)}`);
  event.set();
  for (const g of [first, second, third]) yield* g.join(5);
  assert.equal(order, ['first', 'second', 'third']);
  assert.is(linkSlots(event), 0);
});

test('wait([event], {timeout}): timed-out waits unlink without leaving slots', function* () {
  const event = new Event();
  const fired: string[] = [];
  event.rawlink(() => fired.push('watcher'));
  const polled = yield* sequentially(SEQUENTIAL * 10, () => wait([event], { timeout: 0 }));
  const parked = yield* concurrently(CONCURRENT, () => wait([event], { timeout: TINY }));
  assert.ok(polled.every((r) => r.length === 0) && parked.every((r) => r.length === 0));
  assert.is(event.linkCount(), 1);
  assert.ok(linkSlots(event) < BOUND, `slots ${linkSlots(event)}`);
  const waiter = spawnOp(() => wait([event]));
  yield* sleep(0);
  event.set();
  assert.equal(yield* waiter.get({ timeout: 5 }), [event]);
  assert.equal(fired, ['watcher']);
});

test('greenlet.join(timeout): timed-out joins on a live greenlet leave no slots', function* () {
  const gate = new Event();
  const target = spawn(function* () {
    yield* gate.wait();
    return 'done';
  });
  const order: string[] = [];
  const joiner = spawnRecorder(order, 'joiner', () => target.join());
  yield* sleep(0);
  yield* sequentially(SEQUENTIAL, () => target.join(0));
  yield* concurrently(CONCURRENT, () => target.join(TINY));
  const getter = spawnRecorder(order, 'getter', () => target.get());
  yield* sleep(0);
  assert.is(target.dead, false);
  assert.is(target.linkCount(), 2);
  assert.ok(linkSlots(target) < BOUND, `slots ${linkSlots(target)}`);
  gate.set();
  for (const g of [joiner, getter]) yield* g.join(5);
  assert.equal(order, ['joiner', 'getter']);
  assert.is(target.value, 'done');
});

test('AsyncResult.get({timeout}): timed-out gets leave no slots; waiters get the value', function* () {
  const result = new AsyncResult<number>();
  const early = spawnOp(() => result.get());
  yield* sleep(0);
  const polled = yield* sequentially(SEQUENTIAL, () =>
    raisedOr(result.get({ timeout: 0 }), Timeout),
  );
  const parked = yield* concurrently(CONCURRENT, () =>
    raisedOr(result.get({ timeout: TINY }), Timeout),
  );
  const late = spawnOp(() => result.get());
  yield* sleep(0);
  assert.ok([...polled, ...parked].every((r) => r === 'raised'));
  assert.is(result.linkCount(), 2);
  assert.ok(linkSlots(result) < BOUND, `slots ${linkSlots(result)}`);
  result.set(7);
  assert.is(yield* early.get({ timeout: 5 }), 7);
  assert.is(yield* late.get({ timeout: 5 }), 7);
});

test('Queue.get({timeout}) beside a forever-blocked getter: bounded, getters served FIFO', function* () {
  const queue = new Queue<string>();
  const first = spawnOp(() => queue.get());
  yield* sleep(0);
  const polled = yield* sequentially(SEQUENTIAL, () =>
    raisedOr(queue.get({ timeout: 0.0001 }), Empty),
  );
  const second = spawnOp(() => queue.get());
  const parked = yield* concurrently(CONCURRENT, () =>
    raisedOr(queue.get({ timeout: TINY }), Empty),
  );
  const third = spawnOp(() => queue.get());
  yield* sleep(0);
  assert.ok([...polled, ...parked].every((r) => r === 'raised'));
  assert.is(queue.getters.size, 3);
  assert.ok(waiterSlots(queue.getters) < BOUND, `slots ${waiterSlots(queue.getters)}`);
  for (const item of ['a', 'b', 'c']) queue.putNowait(item);
  assert.is(yield* first.get({ timeout: 5 }), 'a');
  assert.is(yield* second.get({ timeout: 5 }), 'b');
  assert.is(yield* third.get({ timeout: 5 }), 'c');
  assert.is(queue.getters.size, 0);
});

test('Semaphore.acquire({timeout}) beside a forever-blocked acquirer: bounded, FIFO', function* () {
  const sem = new Semaphore(0);
  const order: string[] = [];
  const first = spawnRecorder(order, 'first', () => sem.acquire());
  yield* sleep(0);
  const polled = yield* sequentially(SEQUENTIAL, () => sem.acquire({ timeout: 0.0001 }));
  const second = spawnRecorder(order, 'second', () => sem.acquire());
  const parked = yield* concurrently(CONCURRENT, () => sem.acquire({ timeout: TINY }));
  yield* sleep(0);
  assert.ok([...polled, ...parked].every((v) => v === false));
  assert.is(sem.acquirers.size, 2);
  assert.ok(waiterSlots(sem.acquirers) < BOUND, `slots ${waiterSlots(sem.acquirers)}`);
  sem.release();
  yield* first.join(5);
  assert.equal(order, ['first'], 'one permit wakes only the longest waiter');
  sem.release();
  yield* second.join(5);
  assert.equal(order, ['first', 'second']);
  assert.is(sem.counter, 0);
});

test('Lock.acquire({timeout}) while held: bounded, waiters take it in order', function* () {
  const lock = new Lock();
  yield* lock.acquire();
  const order: string[] = [];
  const holdBriefly = (name: string) =>
    spawn(function* () {
      yield* lock.acquire();
      order.push(name);
      lock.release();
    });
  const first = holdBriefly('first');
  yield* sleep(0);
  const parked = yield* concurrently(CONCURRENT, () => lock.acquire({ timeout: TINY }));
  const second = holdBriefly('second');
  const polled = yield* sequentially(SEQUENTIAL, () => lock.acquire({ timeout: 0.0001 }));
  assert.ok([...polled, ...parked].every((v) => v === false));
  assert.is(lock.acquirers.size, 2);
  assert.ok(waiterSlots(lock.acquirers) < BOUND, `slots ${waiterSlots(lock.acquirers)}`);
  lock.release();
  for (const g of [first, second]) yield* g.join(5);
  assert.equal(order, ['first', 'second']);
  assert.is(lock.locked(), false);
});

test('killed waiters leave no slots; the survivors still wake in order', function* () {
  const event = new Event();
  const queue = new Queue<number>();
  const order: string[] = [];
  const eventFirst = spawnRecorder(order, 'event-first', () => event.wait());
  const queueFirst = spawnOp(() => queue.get());
  const doomed: Greenlet<unknown>[] = [];
  for (let i = 0; i < CONCURRENT; i++) {
    doomed.push(
      spawnOp(() => event.wait()),
      spawnOp(() => queue.get()),
    );
  }
  const eventLast = spawnRecorder(order, 'event-last', () => event.wait());
  const queueLast = spawnOp(() => queue.get());
  yield* sleep(0);
  for (const g of doomed) g.kill(new GreenletExit(), { block: false });
  for (const g of doomed) yield* g.join(5);
  assert.ok(linkSlots(event) < BOUND, `event slots ${linkSlots(event)}`);
  assert.ok(waiterSlots(queue.getters) < BOUND, `queue slots ${waiterSlots(queue.getters)}`);
  event.set();
  queue.putNowait(1);
  queue.putNowait(2);
  for (const g of [eventFirst, eventLast]) yield* g.join(5);
  assert.equal(order, ['event-first', 'event-last']);
  assert.is(yield* queueFirst.get({ timeout: 5 }), 1);
  assert.is(yield* queueLast.get({ timeout: 5 }), 2);
});

test('links registered in order run in order after many unlinks in between', function* () {
  const event = new Event();
  const ran: number[] = [];
  const kept: Array<() => void> = [];
  for (let round = 0; round < 20; round++) {
    const keep = () => ran.push(round);
    event.rawlink(keep);
    kept.push(keep);
    const temporary = Array.from({ length: 50 }, () => () => ran.push(-1));
    for (const cb of temporary) event.rawlink(cb);
    // Unlink from both ends and the middle: holes everywhere, not only at the tail.
    for (let i = 0; i < 25; i++) event.unlink(temporary[i]!);
    for (let i = 49; i >= 25; i--) event.unlink(temporary[i]!);
  }
  event.unlink(kept[5]!);
  event.unlink(kept[6]!);
  assert.is(event.linkCount(), 18);
  assert.ok(linkSlots(event) < BOUND, `slots ${linkSlots(event)}`);
  const done = new Event();
  event.rawlink(() => done.set());
  event.set();
  yield* done.wait(5);
  const expected = [...Array.from({ length: 20 }, (_, i) => i)].filter((i) => i !== 5 && i !== 6);
  assert.equal(ran, expected);
});

test('a link run by the hub may unlink later links and cancel waiters of the same list', function* () {
  const event = new Event();
  const ran: string[] = [];
  const later = Array.from({ length: 30 }, (_, i) => () => ran.push(`later${i}`));
  const victims: Greenlet<unknown>[] = [];
  event.rawlink(() => {
    ran.push('first');
    for (const cb of later.slice(0, 29)) event.unlink(cb); // most of the list becomes holes
    for (const g of victims) g.kill(new GreenletExit(), { block: false });
  });
  for (let i = 0; i < 20; i++) victims.push(spawnOp(() => event.wait()));
  for (const cb of later) event.rawlink(cb);
  const survivor = spawnOp(() => event.wait());
  yield* sleep(0);
  // Set from a hub callback, so the links run during the walk of the list, not queued.
  const trigger = new Event();
  trigger.rawlink(() => event.set());
  trigger.set();
  assert.is(yield* survivor.get({ timeout: 5 }), true);
  for (const g of victims) yield* g.join(5);
  assert.ok(
    victims.every((g) => g.value instanceof GreenletExit),
    'killed, not woken',
  );
  assert.equal(ran, ['first', 'later29']);
  assert.is(linkSlots(event), 0);
  event.clear();
  const again = spawnOp(() => event.wait());
  yield* sleep(0);
  event.set();
  assert.is(yield* again.get({ timeout: 5 }), true, 'the list works after the re-entrant walk');
});

test('linkCount() (O(1) from the hole count) agrees with the live links through random changes', function* () {
  const event = new Event();
  const callbacks = Array.from({ length: 64 }, () => () => {});
  const linked = new Set<() => void>();
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let step = 0; step < 5000; step++) {
    const cb = callbacks[random(callbacks.length)]!;
    if (linked.has(cb)) {
      event.unlink(cb);
      linked.delete(cb);
    } else {
      event.rawlink(cb);
      linked.add(cb);
    }
    assert.is(event.linkCount(), linked.size, `after step ${step}`);
  }
  event.unlinkAll();
  assert.is(event.linkCount(), 0);
  assert.not.ok(event.hasLinks());
});

test.run();
