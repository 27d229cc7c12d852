/**
 * Reliability: many children at once are all reaped and leave no descriptors; timeouts and
 * kills stop and reap children; process groups take grandchildren down; TERM-then-KILL;
 * killOnExit children die with their parent.
 */

import { join } from 'node:path';
import { sleep, spawn, Timeout } from '../../core/index.ts';
import { PIPE, Popen, run, TimeoutExpired } from '../../core/subprocess/index.ts';
import { assert, greenletSuite, since } from '../_support/gtest.ts';
import {
  childPids,
  killQuietly,
  openFdCount,
  processState,
  waitNotRunning,
} from './_support/procs.ts';

const test = greenletSuite('subprocess: reliability');

test('200 children from 50 greenlets: all reaped, no descriptor left open', function* () {
  yield* run(['true'], { captureOutput: true }); // first use opens libuv's signal pipe
  const fdsBefore = openFdCount();
  const pids: number[] = [];
  const worker = function* (n: number) {
    const children = [0, 1, 2, 3].map(
      (i) =>
        new Popen(['sh', '-c', `echo ${n * 4 + i}`], { stdin: PIPE, stdout: PIPE, stderr: PIPE }),
    );
    let sum = 0;
    for (const child of children) {
      pids.push(child.pid);
      const [out] = yield* child.communicate();
      assert.is(child.returncode, 0);
      sum += Number(String(out));
    }
    return sum;
  };
  const greenlets = Array.from({ length: 50 }, (_, n) => spawn(worker, n));
  let total = 0;
  for (const g of greenlets) total += yield* g.get();
  assert.is(total, (199 * 200) / 2, 'every child answered');
  assert.is(new Set(pids).size, 200);
  const mine = new Set(childPids());
  assert.equal(
    pids.filter((pid) => mine.has(pid)),
    [],
    'no child left running or as a zombie',
  );
  assert.is(openFdCount(), fdsBefore, 'as many descriptors open as before');
});

test('failed spawns (ENOENT, bad cwd) leave no descriptor open', function* () {
  yield* run(['true'], { captureOutput: true });
  const fdsBefore = openFdCount();
  for (let i = 0; i < 20; i++) {
    assert.throws(
      () => new Popen(['no-such-program-xyz'], { stdin: PIPE, stdout: PIPE, stderr: PIPE }),
    );
    assert.throws(() => new Popen(['true'], { cwd: '/no/such/dir', stdout: PIPE }));
  }
  // Node closes the failed children's pipes on its next tick: a full run() spans several.
  yield* run(['true'], { captureOutput: true });
  assert.is(openFdCount(), fdsBefore);
});

test('run(timeout) kills and reaps the child before raising', function* () {
  const before = new Set(childPids());
  try {
    yield* run(['sleep', '30'], { timeout: 0.2, captureOutput: true });
    assert.unreachable('run must time out');
  } catch (error) {
    assert.instance(error, TimeoutExpired);
  }
  const left = childPids().filter((pid) => !before.has(pid));
  assert.equal(left, [], 'the sleep is neither running nor a zombie');
});

test('killing the greenlet waiting in run() kills and reaps its child', function* () {
  const before = new Set(childPids());
  const g = spawn(function* () {
    return yield* run(['sleep', '30'], { captureOutput: true });
  });
  yield* sleep(0); // g starts the child and parks in communicate()
  const started = childPids().filter((pid) => !before.has(pid));
  assert.is(started.length, 1, 'the child is running');
  yield* g.kill();
  assert.ok(g.dead);
  assert.is(processState(started[0]!), 'gone', 'killed and reaped by the time kill() returns');
});

test('a gevent Timeout thrown into run() also stops the child', function* () {
  const before = new Set(childPids());
  const t0 = performance.now();
  const timeout = Timeout.startNew(0.2);
  try {
    yield* run(['sleep', '30']);
    assert.unreachable('the Timeout must interrupt run()');
  } catch (error) {
    assert.is(error, timeout);
  } finally {
    timeout.cancel();
  }
  assert.ok(since(t0) < 5);
  assert.equal(
    childPids().filter((pid) => !before.has(pid)),
    [],
  );
});

test('killing a greenlet in communicate() leaves the child running; nothing is lost', function* () {
  const script = `trap 'kill $!; echo after; exit 0' USR1; echo before; sleep 30 & wait`;
  const p = new Popen(['sh', '-c', script], { stdout: PIPE });
  const waiter = spawn(function* () {
    return yield* p.communicate();
  });
  // Bounded wait until the killed call has collected the first line.
  for (let i = 0; i < 500 && p.stdout!.statistics().buffered < 7; i++) yield* sleep(0.01);
  assert.is(p.stdout!.statistics().buffered, 7);
  yield* waiter.kill();
  assert.is(p.poll(), null, 'Python leaves the child alone');
  p.sendSignal('SIGUSR1');
  const [out] = yield* p.communicate();
  assert.is(String(out), 'before\nafter\n', 'output read before the kill is kept');
  assert.is(p.returncode, 0);
});

test('a group kill on timeout stops the grandchild of a sh -c wrapper', function* () {
  const script = 'sleep 30 & echo $!; wait';
  let grandchild = 0;
  try {
    yield* run(['sh', '-c', script], { timeout: 1, captureOutput: true, startNewSession: true });
    assert.unreachable('run must time out');
  } catch (error) {
    grandchild = Number(String((error as TimeoutExpired).output).trim());
  }
  assert.ok(grandchild > 0, 'the wrapper printed its child pid');
  assert.not.equal(yield* waitNotRunning(grandchild), 'alive', 'the group kill reached the sleep');
});

test('without a group, the same timeout leaves the grandchild running (control)', function* () {
  const p = new Popen(['sh', '-c', 'sleep 30 & echo $!; wait'], { stdout: PIPE });
  const grandchild = Number(String(yield* p.stdout!.readline()).trim());
  try {
    p.kill();
    yield* p.wait();
    assert.is(processState(grandchild), 'alive', 'only the shell was killed');
  } finally {
    killQuietly(grandchild);
    p.close();
  }
});

test('sendSignal(sig, { group: true }) reaches the whole group; refused without one', function* () {
  const p = new Popen(['sh', '-c', 'sleep 30 & echo $!; wait'], { stdout: PIPE, processGroup: 0 });
  const grandchild = Number(String(yield* p.stdout!.readline()).trim());
  p.sendSignal('SIGTERM', { group: true });
  assert.is(yield* p.wait(), -15);
  assert.not.equal(yield* waitNotRunning(grandchild), 'alive');
  p.close();
  const lone = new Popen(['true']);
  assert.throws(() => lone.sendSignal('SIGTERM', { group: true }), /does not lead a process group/);
  yield* lone.wait();
});

test('stop(): SIGTERM, then SIGKILL after the grace period for a child that ignores it', function* () {
  const p = new Popen(['sh', '-c', 'trap "" TERM; echo ready; exec sleep 30'], { stdout: PIPE });
  assert.is(String(yield* p.stdout!.readline()), 'ready\n');
  const t0 = performance.now();
  assert.is(yield* p.stop({ grace: 0.3 }), -9);
  assert.ok(since(t0) >= 0.25, 'it waited the grace period first');
  const polite = new Popen(['sleep', '30']);
  assert.is(yield* polite.stop({ grace: 10 }), -15);
  p.close();
});

test('killOnExit: children die when the parent exits or is killed by a signal', function* () {
  const fixture = join(import.meta.dirname, '_support', 'orphan-parent.ts');
  for (const mode of ['exit', 'signal']) {
    const parent = new Popen<string>([process.execPath, '--import', 'tsx', fixture, mode], {
      stdout: PIPE,
      text: true,
    });
    const pids: Record<string, number> = {};
    try {
      while (Object.keys(pids).length < 3) {
        const line = yield* parent.stdout!.readline();
        if (line === '') break;
        const [name, pid] = line.trim().split(' ');
        pids[name!] = Number(pid);
      }
      assert.equal(Object.keys(pids).sort(), ['direct', 'grandchild', 'leader'], mode);
      if (mode === 'signal') parent.terminate();
      assert.is(
        yield* parent.wait(),
        mode === 'exit' ? 0 : -15,
        'the parent died as it would have',
      );
      for (const [name, pid] of Object.entries(pids)) {
        assert.not.equal(yield* waitNotRunning(pid), 'alive', `${mode}: ${name} was stopped`);
      }
    } finally {
      for (const pid of Object.values(pids)) killQuietly(pid);
      parent.close();
    }
  }
});

test.run();
