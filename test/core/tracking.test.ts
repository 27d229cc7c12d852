/**
 * Greenlet tracking: the hub's counts and live list, spawningGreenlet, waitingOn(), spawn sites
 * and the stack of a re-raised error, and LoopExit naming every blocked greenlet (issue 6).
 */

import { suite } from 'uvu';
import {
  config,
  Event,
  type Greenlet,
  getcurrent,
  getHub,
  joinall,
  Queue,
  sleep,
  spawn,
  spawnLater,
  until,
} from '../../core/index.ts';
import { assert, greenletSuite, takeErrors } from '../_support/gtest.ts';
import { CORE_URL, raisedBy, runModuleInChild } from '../_support/timing.ts';

const hub = getHub();
const test = greenletSuite('tracking');

/** The line number of the caller, in this file. */
function callerLine(): number {
  const frame = new Error().stack!.split('\n')[2]!;
  return Number(/tracking\.test\.ts:(\d+):/.exec(frame)![1]);
}

function* fails(): Generator<unknown, never, unknown> {
  yield* sleep(0);
  throw new Error('original failure');
}

/** Runs `body` with spawn-site tracking on, restoring the setting after. */
function* tracked<T>(body: () => Generator<unknown, T, unknown>): Generator<unknown, T, unknown> {
  const before = config.trackSpawnSites;
  config.trackSpawnSites = true;
  try {
    return yield* body();
  } finally {
    config.trackSpawnSites = before;
  }
}

test('spawnCount counts starts, greenletCount the live ones; greenlets() in start order', function* () {
  const spawned = hub.spawnCount;
  const live = hub.greenletCount;
  const gate = new Event();
  const made = [1, 2, 3].map((n) =>
    spawn(function* () {
      yield* gate.wait();
      return n;
    }),
  );
  assert.is(hub.spawnCount, spawned + 3);
  assert.is(hub.greenletCount, live + 3);
  assert.equal([...hub.greenlets()].slice(-3), made);
  assert.ok([...hub.greenlets()].includes(getcurrent() as Greenlet), 'the running root is live');
  yield* made[1]!.kill();
  assert.equal([...hub.greenlets()].slice(-2), [made[0], made[2]], 'a dead one leaves the list');
  gate.set();
  yield* joinall(made);
  assert.is(hub.greenletCount, live);
  assert.is(hub.spawnCount, spawned + 3, 'deaths do not change spawnCount');
});

test('greenlets(): not started ones are absent; startLater and kill-before-start tracked', function* () {
  const live = hub.greenletCount;
  const later = spawnLater(0.01, () => 'late');
  assert.is(hub.greenletCount, live + 1, 'scheduled to start later counts as started');
  const never = spawn(() => 'never');
  yield* never.kill();
  assert.ok(never.dead && !never.started);
  assert.ok(![...hub.greenlets()].includes(never));
  assert.is(yield* later.get(), 'late');
  assert.is(hub.greenletCount, live);
  const iterator = hub.greenlets();
  assert.is(typeof iterator.next, 'function');
  assert.is(iterator[Symbol.iterator](), iterator);
});

test('spawningGreenlet: the greenlet running at creation, null from a hub callback', function* () {
  const root = getcurrent() as Greenlet;
  const release = new Event();
  const child = spawn(function* () {
    return spawn(() => release.wait());
  });
  assert.is(child.spawningGreenlet, root);
  const grandchild = yield* child.get();
  assert.is(grandchild.spawningGreenlet, child);
  release.set();
  yield* grandchild.join();
  const made = new Event();
  let fromCallback: Greenlet | undefined;
  made.rawlink(() => {
    fromCallback = spawn(() => 1);
  });
  made.set();
  yield* sleep(0);
  assert.is(fromCallback!.spawningGreenlet, null);
  yield* fromCallback!.join();
});

test('spawningGreenlet is dropped when both have died, so dead chains are not kept', function* () {
  const release = new Event();
  const parent = spawn(function* () {
    return spawn(function* () {
      yield* release.wait();
    });
  });
  const child = yield* parent.get();
  assert.ok(parent.dead);
  assert.is(child.spawningGreenlet, parent, 'kept while the child lives');
  release.set();
  yield* child.join();
  assert.is(child.spawningGreenlet, null);
});

test('waitingOn() describes the wait of a parked greenlet; null otherwise', function* () {
  const q = new Queue<number>();
  const getter = spawn(() => q.get());
  assert.is(getter.waitingOn(), null, 'not started yet');
  yield* sleep(0);
  assert.match(getter.waitingOn()!, /^<Queue qsize=0 getters=1/);
  assert.is((getcurrent() as Greenlet).waitingOn(), null, 'the running greenlet');
  q.putNowait(1);
  yield* getter.join();
  assert.is(getter.waitingOn(), null, 'dead');
});

test('spawningStack: undefined by default; with tracking, the spawn line of this file', function* () {
  assert.is(spawn(() => 1).spawningStack, undefined);
  yield* tracked(function* () {
    const line = callerLine() + 1;
    const g = spawn(() => 1);
    const stack = g.spawningStack!;
    assert.match(stack, /^ {4}at /);
    assert.ok(stack.includes(`tracking.test.ts:${line}:`), stack);
    assert.not.match(stack, /core\/(spawn|greenlet)\.ts/, 'our own frames are left out');
    assert.ok(stack.split('\n').length <= 4, 'bounded');
    assert.is(g.spawningStack, stack, 'formatted once');
    yield* g.join();
  });
});

test('a re-raised error keeps its stack and gains the spawn site, once', function* () {
  yield* tracked(function* () {
    const line = callerLine() + 1;
    const g = spawn(fails);
    const error = (yield* raisedBy(g.get())) as Error;
    assert.is(error.message, 'original failure');
    const [original, site] = error.stack!.split(`\n    --- greenlet ${g.name} spawned at ---\n`);
    assert.match(original!, /^Error: original failure\n {4}at .*fails/);
    assert.ok(site!.includes(`tracking.test.ts:${line}:`), error.stack);
    const stack = error.stack;
    assert.is(yield* raisedBy(g.get()), error);
    assert.is(error.stack, stack, 'a second get() does not append again');
    assert.is(yield* raisedBy(joinall([g], { raiseError: true })), error);
    assert.is(yield* raisedBy(until(g)), error, 'await g');
    const relay = spawn(() => g.get());
    yield* relay.join();
    assert.is(relay.exception, error);
    assert.is(error.stack, stack, 'failing again in another greenlet does not append again');
    assert.equal(
      takeErrors().map((e) => e.context),
      [g, relay],
    );
  });
});

test('without tracking a re-raised error names the greenlet and its spawner, once', function* () {
  const g = spawn(fails);
  g.name = 'failing-child';
  const error = (yield* raisedBy(g.get())) as Error;
  assert.not.match(error.stack!, /spawned at/);
  const self = String(getcurrent());
  assert.ok(
    error.stack!.endsWith(`\n    --- greenlet failing-child spawned by ${self} ---`),
    error.stack,
  );
  const relay = spawn(function* () {
    yield* g.get();
  });
  yield* relay.join();
  assert.is(error.stack!.match(/spawned by/g)!.length, 1, 'a re-raise does not append again');
  assert.is(takeErrors().length, 2);
});

test.run();

/** LoopExit in a fresh process: greenlets left blocked by other suites would crowd the list. */
const fresh = suite('tracking-loop-exit');

async function loopExitMessageOf(body: string): Promise<string> {
  const { code, stdout, stderr } = await runModuleInChild(`
    import { Event, LoopExit, Queue, run, spawn } from ${JSON.stringify(CORE_URL)};
    try {
      await run(function* () { ${body} });
      console.log('no LoopExit');
    } catch (error) {
      console.log(error instanceof LoopExit ? JSON.stringify(error.message) : String(error));
    }
  `);
  assert.is(code, 0, stderr);
  return JSON.parse(stdout) as string;
}

fresh('LoopExit names every blocked greenlet and what it waits on, 20 at most', async () => {
  const message = await loopExitMessageOf(`
    const never = new Event();
    for (let i = 0; i < 24; i++) spawn(() => never.wait()).name = 'waiter-' + i;
    spawn(() => new Queue().get()).name = 'queue-getter';
    yield* never.wait();
  `);
  const lines = message.split('\n');
  assert.is(lines[0], 'This operation would block forever');
  assert.match(
    lines[2]!,
    /^\t<Greenlet at 0x[0-9a-f]+: \S+\(\)> is waiting on <Event clear waiters=25>/,
  );
  assert.is(lines[3], '\tOther greenlets blocked (25 of 26 live):');
  assert.match(
    lines[4]!,
    /^\t {2}waiter-0 <Greenlet "waiter-0" at 0x[0-9a-f]+: \S+\(\)> is waiting on <Event clear/,
  );
  assert.match(lines[23]!, /^\t {2}waiter-19 /);
  assert.is(lines[24], '\t  ... and 5 more');
  assert.is(lines.length, 25);
});

fresh('LoopExit names a greenlet blocked on a queue', async () => {
  const message = await loopExitMessageOf(`
    spawn(() => new Queue().get()).name = 'queue-getter';
    yield* new Event().wait();
  `);
  assert.match(
    message,
    /\n\t {2}queue-getter <Greenlet "queue-getter" at 0x[0-9a-f]+: \S+\(\)> is waiting on <Queue qsize=0 getters=1/,
  );
});

fresh('GEVENT_TRACK_SPAWN_SITES=1 turns tracking on; a bad value is refused', async () => {
  const source = `
    import { config, spawn, run } from ${JSON.stringify(CORE_URL)};
    await run(function* () {
      const g = spawn(() => 1);
      console.log(JSON.stringify([config.trackSpawnSites, g.spawningStack.includes('[eval')]));
    });
  `;
  const saved = process.env.GEVENT_TRACK_SPAWN_SITES;
  process.env.GEVENT_TRACK_SPAWN_SITES = '1';
  const on = runModuleInChild(source);
  process.env.GEVENT_TRACK_SPAWN_SITES = 'maybe';
  const bad = runModuleInChild(source);
  if (saved === undefined) delete process.env.GEVENT_TRACK_SPAWN_SITES;
  else process.env.GEVENT_TRACK_SPAWN_SITES = saved;
  const [onResult, badResult] = await Promise.all([on, bad]);
  assert.is(onResult.stdout.trim(), '[true,true]', onResult.stderr);
  assert.is.not(badResult.code, 0);
  assert.match(badResult.stderr, /RangeError: GEVENT_TRACK_SPAWN_SITES must be a boolean/);
});

fresh.run();
