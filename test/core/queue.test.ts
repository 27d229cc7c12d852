/**
 * Conformance tests for Queue (gevent's queue.* rules in GEVENT-SEMANTICS.md and the Queue
 * promises of API.md): bounds, Full/Empty, FIFO waiters, hub-side nowait calls, cancelled waiters,
 * peek; then LifoQueue, PriorityQueue, SimpleQueue, JoinableQueue and Channel. Layer: tests of
 * core primitives.
 */

import {
  Channel,
  Empty,
  Event,
  Full,
  type Greenlet,
  GreenletExit,
  JoinableQueue,
  LifoQueue,
  LoopExit,
  type Op,
  PriorityQueue,
  Queue,
  SimpleQueue,
  StopIteration,
  sleep,
  spawn,
  Timeout,
  until,
  withTimeout,
} from '../../core/index.ts';
import { assert, greenletSuite, since } from '../_support/gtest.ts';

const test = greenletSuite('queue');

/** A predicate for `assert.throws`: the error is an instance of `type`. */
function isA(type: abstract new (...args: never[]) => unknown) {
  return (error: unknown): boolean => error instanceof type;
}

/** Calls `makeOp` and iterates its Op, returning the error raised (fails if none was). */
function* raisedBy(makeOp: () => Op<unknown>): Generator<unknown, unknown, unknown> {
  try {
    yield* makeOp();
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to raise');
}

/** Takes every item out of `q` without blocking. */
function takeAll<T>(q: Queue<T>): T[] {
  const out: T[] = [];
  while (!q.empty()) out.push(q.getNowait());
  return out;
}

/** Spawns a greenlet that iterates the Op `makeOp()` returns; the Op's result is its value. */
function spawnOp<T>(makeOp: () => Op<T>): Greenlet<T> {
  return spawn(function* () {
    return yield* makeOp();
  });
}

test('Queue(0) warns (DeprecationWarning) and is unbounded, like Queue(null) and Queue(-n)', function* () {
  const warned = new Promise<Error>((resolve) => {
    const onWarning = (warning: Error) => {
      if (warning.name !== 'DeprecationWarning') return;
      process.off('warning', onWarning);
      resolve(warning);
    };
    process.on('warning', onWarning);
  });
  const q = new Queue<number>(0);
  const warning = yield* until(warned);
  assert.match(warning.message, /Queue\(0\) now equivalent to Queue\(null\)/);
  assert.match(warning.message, /Channel/);
  for (let i = 0; i < 100; i++) q.putNowait(i);
  assert.equal([q.maxsize, q.qsize(), q.full()], [null, 100, false]);
  for (const other of [new Queue(), new Queue(null), new Queue(-3)]) {
    for (let i = 0; i < 50; i++) other.putNowait(i);
    assert.equal([other.maxsize, other.full()], [null, false], 'Queue(), (null), (-n): unbounded');
  }
  assert.throws(() => new Queue(1.5), isA(TypeError));
  assert.throws(() => new Queue('2' as never), isA(TypeError));
});

test('Queue(maxsize, items) starts with the items; qsize, length, empty, full', function* () {
  const q = new Queue<number>(3, [1, 2]);
  assert.equal([q.qsize(), q.length, q.empty(), q.full()], [2, 2, false, false]);
  q.putNowait(3);
  assert.is(q.full(), true);
  assert.equal(takeAll(q), [1, 2, 3]);
  assert.is(q.empty(), true);
});

test('putNowait / put({ block: false }) raise Full; getNowait / get({ block: false }) raise Empty', function* () {
  const q = new Queue<number>(1, [1]);
  assert.throws(() => q.putNowait(2), isA(Full));
  assert.instance(yield* raisedBy(() => q.put(2, { block: false })), Full);
  assert.is(q.getNowait(), 1);
  assert.throws(() => q.getNowait(), isA(Empty));
  assert.instance(yield* raisedBy(() => q.get({ block: false })), Empty);
});

test('get(timeout) raises Empty and put(timeout) raises Full, not Timeout', function* () {
  const q = new Queue<string>(1);
  const start = performance.now();
  const empty = yield* raisedBy(() => q.get({ timeout: 0.05 }));
  assert.ok(empty instanceof Empty && !(empty instanceof Timeout), String(empty));
  q.putNowait('x');
  const full = yield* raisedBy(() => q.put('y', { timeout: 0.05 }));
  assert.ok(full instanceof Full && !(full instanceof Timeout), String(full));
  const elapsed = since(start);
  assert.ok(elapsed >= 0.09 && elapsed < 2, `both waited: ${elapsed}s in all`);
  assert.equal([q.qsize(), q.getNowait()], [1, 'x'], "the timed-out put's item never entered");
});

test('put blocks while the queue is full and completes when a getter makes room', function* () {
  const q = new Queue<number>(2, [1, 2]);
  const log: string[] = [];
  const putter = spawn(function* () {
    log.push('put start');
    yield* q.put(3);
    log.push('put done');
  });
  yield* sleep(0);
  assert.equal(log, ['put start'], 'the putter is blocked');
  assert.is(q.getNowait(), 1);
  assert.is(q.qsize(), 2, "the blocked putter's item moved in at once");
  yield* putter.join(2);
  assert.equal(log, ['put start', 'put done']);
  assert.equal([q.getNowait(), q.getNowait()], [2, 3]);
});

test('blocked putters complete in FIFO order', function* () {
  const q = new Queue<number>(1, [0]);
  const done: number[] = [];
  const putters = [1, 2, 3, 4, 5].map((n) =>
    spawn(function* () {
      yield* q.put(n);
      done.push(n);
    }),
  );
  yield* sleep(0);
  const got: number[] = [];
  for (let i = 0; i < 6; i++) got.push(yield* q.get({ timeout: 2 }));
  for (const g of putters) yield* g.join(2);
  assert.equal(got, [0, 1, 2, 3, 4, 5]);
  assert.equal(done, [1, 2, 3, 4, 5]);
});

test('blocked getters receive items in the order they blocked', function* () {
  const q = new Queue<string>();
  const getters = [0, 1, 2, 3].map(() => spawnOp(() => q.get()));
  yield* sleep(0);
  for (const item of ['a', 'b', 'c', 'd']) q.putNowait(item);
  const got: string[] = [];
  for (const g of getters) got.push(yield* g.get({ timeout: 2 }));
  assert.equal(got, ['a', 'b', 'c', 'd']);
});

test('putNowait from a setTimeout callback hands the item to a waiting greenlet', function* () {
  const q = new Queue<string>();
  const getter = spawnOp(() => q.get());
  yield* sleep(0);
  setTimeout(() => q.putNowait('from a timer'), 5);
  assert.is(yield* getter.get({ timeout: 2 }), 'from a timer');
  assert.is(q.qsize(), 0, 'handed over, not left in the queue');
});

test('putNowait from a rawlink callback hands the item to a waiting greenlet', function* () {
  const q = new Queue<number>(1);
  const getter = spawnOp(() => q.get());
  const trigger = new Event();
  trigger.rawlink(() => q.putNowait(42));
  yield* sleep(0);
  trigger.set();
  assert.is(yield* getter.get({ timeout: 2 }), 42);
});

test('getNowait from a hub callback takes an item and lets a blocked putter in', function* () {
  const q = new Queue<number>(1, [1]);
  const putter = spawnOp(() => q.put(2));
  yield* sleep(0);
  const taken = new Promise<number>((resolve) => setTimeout(() => resolve(q.getNowait()), 5));
  assert.is(yield* until(taken), 1);
  yield* putter.join(2);
  assert.ok(putter.dead && putter.successful());
  assert.equal([q.qsize(), q.getNowait()], [1, 2]);
});

test('a getter that timed out does not consume an item; a later getter receives it', function* () {
  const q = new Queue<string>();
  assert.instance(yield* raisedBy(() => q.get({ timeout: 0.01 })), Empty);
  const later = spawnOp(() => q.get());
  yield* sleep(0);
  q.putNowait('kept');
  assert.is(yield* later.get({ timeout: 2 }), 'kept');
});

test('getters interrupted by an outer Timeout (two bogus waiters) consume nothing', function* () {
  const q = new Queue<number>();
  const bogus = [0, 1].map(() =>
    spawn(() => withTimeout(0.01, q.get(), { timeoutValue: 'timed out' })),
  );
  for (const g of bogus) assert.is(yield* g.get(), 'timed out');
  q.putNowait(5);
  assert.is(yield* q.get({ timeout: 2 }), 5);
});

test('a killed getter does not consume an item; the next getter receives it', function* () {
  const q = new Queue<string>();
  const first = spawnOp(() => q.get());
  const second = spawnOp(() => q.get());
  yield* sleep(0);
  yield* first.kill();
  q.putNowait('item');
  assert.is(yield* second.get({ timeout: 2 }), 'item');
  assert.instance(first.value, GreenletExit, 'the killed getter got nothing');
});

test('an item handed to a getter that is then killed is not lost', function* () {
  const q = new Queue<string>();
  const got: string[] = [];
  const getter = spawn(function* () {
    got.push(yield* q.get());
    yield* sleep(10);
  });
  yield* sleep(0);
  q.putNowait('x');
  getter.kill(undefined, { block: false });
  yield* getter.join(2);
  assert.is(got.length + q.qsize(), 1, 'the item is with the getter or still queued');
});

test('a killed putter leaves the queue; its item never enters', function* () {
  const q = new Queue<number>(1, [1]);
  const putter = spawnOp(() => q.put(2));
  yield* sleep(0);
  yield* putter.kill();
  assert.is(q.getNowait(), 1);
  assert.is(q.qsize(), 0);
  assert.throws(() => q.getNowait(), isA(Empty));
});

test('peek/peekNowait return the head without removing it; a blocked peek waits for a put', function* () {
  const q = new Queue<number>(null, [1, 2]);
  assert.is(q.peekNowait(), 1);
  assert.is(yield* q.peek(), 1);
  assert.is(q.qsize(), 2);
  assert.is(q.getNowait(), 1);
  assert.is(q.peekNowait(), 2);
  q.getNowait();
  assert.throws(() => q.peekNowait(), isA(Empty));
  assert.instance(yield* raisedBy(() => q.peek({ block: false })), Empty);
  assert.instance(yield* raisedBy(() => q.peek({ timeout: 0.02 })), Empty);
  const peeker = spawnOp(() => q.peek());
  yield* sleep(0);
  q.putNowait(3);
  assert.is(yield* peeker.get({ timeout: 2 }), 3, 'a blocked peek sees the next put');
  assert.equal(takeAll(q), [3], 'and leaves the item in the queue');
});

test('a blocking peek in the main greenlet with no putters raises LoopExit', function* () {
  const q = new Queue<number>();
  const error = yield* raisedBy(() => q.peek());
  assert.instance(error, LoopExit);
  assert.match(String((error as Error).message), /block forever/);
});

test('LifoQueue returns the last item first: puts 3, 1, 2 give 2, 1, 3', function* () {
  const q = new LifoQueue<number>();
  for (const n of [3, 1, 2]) yield* q.put(n);
  assert.is(q.peekNowait(), 2);
  assert.equal([yield* q.get(), yield* q.get(), yield* q.get()], [2, 1, 3]);
});

test('PriorityQueue returns the smallest first; a custom compare reorders', function* () {
  const natural = new PriorityQueue<number>();
  for (const n of [5, 3, 9, 1, 7, 2]) natural.putNowait(n);
  assert.is(natural.peekNowait(), 1);
  assert.equal(takeAll(natural), [1, 2, 3, 5, 7, 9]);
  type Job = { name: string; priority: number };
  const byPriorityDesc = (a: Job, b: Job) => b.priority - a.priority;
  const jobs = new PriorityQueue<Job>(null, byPriorityDesc, [
    { name: 'low', priority: 1 },
    { name: 'high', priority: 9 },
  ]);
  jobs.putNowait({ name: 'mid', priority: 5 });
  const names = takeAll(jobs).map((job) => job.name);
  assert.equal(names, ['high', 'mid', 'low']);
  assert.throws(() => new PriorityQueue(null, 'desc' as never), isA(TypeError));
});

test('next() iterates items until the StopIteration class or an instance is taken (V14)', function* () {
  const q = new Queue<number | typeof StopIteration | StopIteration>(null, [1, 2]);
  const producer = spawn(function* () {
    yield* sleep(0);
    q.putNowait(3);
    q.putNowait(StopIteration);
    q.putNowait(4);
  });
  const seen: number[] = [];
  for (;;) {
    const r = yield* q.next();
    if (r.done) break;
    seen.push(r.value);
  }
  assert.equal(seen, [1, 2, 3], 'it waited for 3, then stopped at the marker');
  yield* producer.join();
  assert.equal(yield* q.next(), { done: false, value: 4 }, 'items after the marker stay');
  q.putNowait(new StopIteration());
  assert.equal(yield* q.next(), { done: true, value: undefined });
});

test('PriorityQueue orders [priority, item] pairs as gevent orders tuples', function* () {
  const q = new PriorityQueue<[number, string]>();
  for (const pair of [
    [10, 'ten'],
    [9, 'nine'],
    [2, 'two'],
    [100, 'hundred'],
    [9, 'a-nine'],
  ] as const)
    q.putNowait([...pair]);
  assert.equal(takeAll(q), [
    [2, 'two'],
    [9, 'a-nine'],
    [9, 'nine'],
    [10, 'ten'],
    [100, 'hundred'],
  ]);
  const prefixes = new PriorityQueue<number[]>(null, undefined, [[1, 2], [1], [0, 9]]);
  assert.equal(takeAll(prefixes), [[0, 9], [1], [1, 2]], 'a shorter prefix comes first');
});

test('JoinableQueue(maxsize, items) loads every item as an unfinished task, as Queue does', function* () {
  const q = new JoinableQueue<number>(1, [1, 2]);
  assert.is(q.qsize(), 2);
  assert.is(q.unfinishedTasks, 2);
  assert.not.ok(yield* q.join(0));
  for (let i = 0; i < 2; i++) {
    q.getNowait();
    q.taskDone();
  }
  assert.ok(yield* q.join(0));
  assert.is(new JoinableQueue<number>().unfinishedTasks, 0);
  assert.ok(yield* new JoinableQueue<number>().join(0));
});

test('a bounded PriorityQueue blocks putters and keeps priority order', function* () {
  const q = new PriorityQueue<number>(2, undefined, [4, 2]);
  assert.ok(q.full());
  const putter = spawnOp(() => q.put(1));
  yield* sleep(0);
  assert.is(yield* q.get(), 2);
  yield* putter.join(2);
  assert.equal([q.getNowait(), q.getNowait()], [1, 4]);
});

test('SimpleQueue is an unbounded FIFO whose get waits for a put', function* () {
  const q = new SimpleQueue<string>(['a']);
  assert.is(q.maxsize, null);
  for (let i = 0; i < 100; i++) q.putNowait(`x${i}`);
  assert.is(q.qsize(), 101);
  assert.is(yield* q.get(), 'a');
  const empty = new SimpleQueue<string>();
  spawn(() => empty.putNowait('later'));
  assert.is(yield* empty.get({ timeout: 2 }), 'later');
});

test('JoinableQueue: put adds an unfinished task, taskDone removes one, once too often is a RangeError', function* () {
  const q = new JoinableQueue<string>(null, ['a']);
  assert.is(q.unfinishedTasks, 1);
  yield* q.put('b');
  assert.is(q.unfinishedTasks, 2);
  assert.equal(takeAll(q), ['a', 'b']);
  assert.is(q.unfinishedTasks, 2, 'getting does not finish a task');
  q.taskDone();
  q.taskDone();
  assert.is(q.unfinishedTasks, 0);
  assert.throws(
    () => q.taskDone(),
    (e: unknown) => e instanceof RangeError && /too many times/.test(e.message),
  );
});

test('JoinableQueue.join on an empty queue returns true without switching', function* () {
  const q = new JoinableQueue<number>();
  const log: string[] = [];
  const other = spawn(() => log.push('other ran'));
  assert.is(yield* q.join(), true);
  assert.equal(log, []);
  yield* other.join();
});

test('JoinableQueue.join(timeout) is false while tasks are unfinished, true once workers finish', function* () {
  const q = new JoinableQueue<number>(null, [1, 2, 3]);
  assert.is(yield* q.join(0.02), false);
  const worker = spawn(function* () {
    for (;;) {
      yield* q.get();
      yield* sleep(0);
      q.taskDone();
    }
  });
  assert.is(yield* q.join(2), true);
  assert.is(q.unfinishedTasks, 0);
  yield* worker.kill();
});

test('JoinableQueue counts the items of blocked putters and of puts handed to getters', function* () {
  const q = new JoinableQueue<string>(1, ['a']);
  const putter = spawnOp(() => q.put('b'));
  yield* sleep(0);
  assert.is(q.getNowait(), 'a');
  yield* putter.join(2);
  assert.is(q.unfinishedTasks, 2, "the blocked putter's item is a task too");
  assert.is(q.getNowait(), 'b');
  const getter = spawnOp(() => q.get());
  yield* sleep(0);
  q.putNowait('c');
  assert.is(yield* getter.get({ timeout: 2 }), 'c');
  assert.is(q.unfinishedTasks, 3);
  for (let i = 0; i < 3; i++) q.taskDone();
  assert.is(yield* q.join(0), true);
});

test('Channel is a rendezvous: put-start, got, put-returned', function* () {
  const ch = new Channel<string>();
  const log: string[] = [];
  const putter = spawn(function* () {
    log.push('put-start');
    yield* ch.put('item');
    log.push('put-returned');
  });
  yield* sleep(0);
  assert.equal(log, ['put-start'], 'put blocks without a getter');
  log.push(`got ${yield* ch.get()}`);
  yield* putter.join(2);
  assert.equal(log, ['put-start', 'got item', 'put-returned']);
});

test('Channel has no peek (it holds nothing); a waiting putter keeps its item', function* () {
  const ch = new Channel<number>();
  const putter = spawnOp(() => ch.put(1));
  yield* sleep(0);
  assert.throws(() => ch.peekNowait(), isA(TypeError));
  assert.throws(() => ch.peek(), isA(TypeError));
  assert.is(yield* ch.get({ timeout: 2 }), 1, 'the item is still there for a getter');
  yield* putter.join(2);
});

test('Channel: qsize 0, empty and full true; putNowait without a getter raises Full', function* () {
  const ch = new Channel<number>();
  assert.equal([ch.qsize(), ch.empty(), ch.full()], [0, true, true]);
  assert.throws(() => ch.putNowait(1), isA(Full));
  assert.instance(yield* raisedBy(() => ch.put(1, { timeout: 0.01 })), Full);
  assert.instance(yield* raisedBy(() => ch.get({ timeout: 0.01 })), Empty);
  const getter = spawnOp(() => ch.get());
  yield* sleep(0);
  assert.equal([ch.qsize(), ch.empty(), ch.full()], [0, true, true]);
  ch.putNowait(7);
  assert.is(yield* getter.get({ timeout: 2 }), 7);
});

test('Channel: getNowait takes from a waiting putter; only maxsize 1 is accepted', function* () {
  const ch = new Channel<string>();
  const putter = spawnOp(() => ch.put('waiting'));
  yield* sleep(0);
  assert.is(ch.getNowait(), 'waiting');
  yield* putter.join(2);
  assert.ok(putter.successful());
  assert.throws(() => ch.getNowait(), isA(Empty));
  assert.throws(() => new Channel(2), isA(RangeError));
});

test.run();
