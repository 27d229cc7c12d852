import {
  AsyncResult,
  BoundedSemaphore,
  Channel,
  DummySemaphore,
  Event,
  Group,
  JoinableQueue,
  LifoQueue,
  Lock,
  Pool,
  PriorityQueue,
  Queue,
  RLock,
  Semaphore,
  sleep,
  spawn,
} from '../../core/index.ts';
import { assert, greenletSuite } from '../_support/gtest.ts';

const test = greenletSuite('statistics');

test('Event counts parked waiters and reports the flag', function* () {
  const ready = new Event();
  assert.equal(ready.statistics(), { set: false, waiters: 0 });
  const waiters = [spawn(() => ready.wait()), spawn(() => ready.wait())];
  yield* sleep(0);
  assert.equal(ready.statistics(), { set: false, waiters: 2 });
  ready.set();
  for (const g of waiters) yield* g.join();
  assert.equal(ready.statistics(), { set: true, waiters: 0 });
});

test('AsyncResult reports unset / value / exception and its waiters', function* () {
  const result = new AsyncResult<number>();
  const waiter = spawn(() => result.get());
  yield* sleep(0);
  assert.equal(result.statistics(), { state: 'unset', waiters: 1 });
  result.set(7);
  yield* waiter.join();
  assert.equal(result.statistics(), { state: 'value', waiters: 0 });
  result.setException(new Error('boom'));
  assert.is(result.statistics().state, 'exception');
});

test('Queue counts items, getters and putters after puts and gets', function* () {
  const q = new Queue<number>(2);
  assert.equal(q.statistics(), {
    kind: 'Queue',
    size: 0,
    maxsize: 2,
    getters: 0,
    putters: 0,
    peekers: 0,
  });
  q.putNowait(1);
  q.putNowait(2);
  const putter = spawn(() => q.put(3));
  yield* sleep(0);
  assert.equal(q.statistics(), {
    kind: 'Queue',
    size: 2,
    maxsize: 2,
    getters: 0,
    putters: 1,
    peekers: 0,
  });
  assert.is(q.getNowait(), 1);
  yield* putter.join();
  assert.is(q.statistics().size, 2);
  assert.is(q.statistics().putters, 0);

  const empty = new Queue<string>();
  const getter = spawn(() => empty.get());
  const peeker = spawn(() => empty.peek());
  yield* sleep(0);
  const stats = empty.statistics();
  assert.is(stats.maxsize, null);
  assert.is(stats.getters, 1);
  assert.is(stats.peekers, 1);
  empty.putNowait('x');
  yield* getter.join();
  yield* peeker.join();
  assert.is(empty.statistics().getters, 0);
});

test('each queue kind names itself; JoinableQueue adds unfinished', function* () {
  assert.is(new LifoQueue<number>().statistics().kind, 'LifoQueue');
  const pq = new PriorityQueue<number>(null, undefined, [3, 1]);
  assert.equal([pq.statistics().kind, pq.statistics().size], ['PriorityQueue', 2]);
  const ch = new Channel<number>();
  const sender = spawn(() => ch.put(1));
  yield* sleep(0);
  assert.equal(
    [ch.statistics().kind, ch.statistics().size, ch.statistics().putters],
    ['Channel', 0, 1],
  );
  assert.is(yield* ch.get(), 1);
  yield* sender.join();

  const jq = new JoinableQueue<string>();
  jq.putNowait('a');
  jq.putNowait('b');
  assert.is(jq.statistics().unfinished, 2);
  jq.getNowait();
  jq.taskDone();
  assert.equal(jq.statistics().unfinished, 1);
  assert.is(jq.statistics().size, 1);
  assert.is(new Queue().statistics().unfinished, undefined);
});

test('Semaphore, BoundedSemaphore and Lock report counter, locked and waiters', function* () {
  const sem = new Semaphore(2);
  yield* sem.acquire();
  assert.equal(sem.statistics(), {
    kind: 'Semaphore',
    counter: 1,
    locked: false,
    waiters: 0,
    watchers: 0,
  });
  yield* sem.acquire();
  const blocked = spawn(() => sem.acquire());
  const watcher = spawn(() => sem.wait());
  yield* sleep(0);
  assert.equal(sem.statistics(), {
    kind: 'Semaphore',
    counter: 0,
    locked: true,
    waiters: 1,
    watchers: 1,
  });
  sem.release(); // goes to the blocked acquirer
  yield* blocked.join();
  sem.release();
  yield* watcher.join();
  assert.is(sem.statistics().counter, 1);

  const lock = new Lock();
  assert.equal(lock.statistics().bound, 1);
  yield* lock.acquire();
  assert.equal([lock.statistics().kind, lock.statistics().locked], ['Lock', true]);
  lock.release();
  assert.is(new BoundedSemaphore(3).statistics().bound, 3);
  assert.equal(new DummySemaphore().statistics().locked, false);
});

test('RLock reports its owner by name and its recursion count', function* () {
  const lock = new RLock();
  assert.equal(lock.statistics(), {
    kind: 'RLock',
    locked: false,
    owner: null,
    count: 0,
    waiters: 0,
  });
  const checked = new Event();
  const owner = spawn(function* () {
    yield* lock.acquire();
    yield* lock.acquire();
    yield* checked.wait(); // hold it until the statistics below were read
    lock.release();
    lock.release();
  });
  owner.name = 'holder';
  yield* sleep(0);
  const contender = spawn(() => lock.acquire());
  yield* sleep(0);
  assert.equal(lock.statistics(), {
    kind: 'RLock',
    locked: true,
    owner: 'holder',
    count: 2,
    waiters: 1,
  });
  checked.set();
  yield* owner.join();
  yield* contender.join();
  assert.is(lock.statistics().count, 1); // the contender holds it now
});

test('Group and Pool report size, free slots and greenlets waiting for a slot', function* () {
  const group = new Group();
  const stop = new Event();
  group.spawn(() => stop.wait());
  assert.equal(group.statistics(), { kind: 'Group', size: 1 });

  const pool = new Pool(2);
  yield* pool.spawn(() => stop.wait());
  assert.equal(pool.statistics(), { kind: 'Pool', size: 1, maxsize: 2, free: 1, waiters: 0 });
  yield* pool.spawn(() => stop.wait());
  const third = spawn(() => pool.spawn(() => stop.wait()));
  yield* sleep(0);
  assert.equal(pool.statistics(), { kind: 'Pool', size: 2, maxsize: 2, free: 0, waiters: 1 });
  stop.set();
  yield* third.join();
  yield* pool.join();
  yield* group.join();
  assert.equal(pool.statistics(), { kind: 'Pool', size: 0, maxsize: 2, free: 2, waiters: 0 });
  assert.is(new Pool().statistics().free, Number.POSITIVE_INFINITY);
});

test.run();
