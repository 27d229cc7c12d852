/**
 * Popen: exit status, poll/wait, signals, communicate, waiting on Popen objects, and other
 * greenlets running meanwhile (GEVENT-SEMANTICS "subprocess"; Python's subprocess docs).
 */

import { Event, iwait, sleep, spawn, wait } from '../../core/index.ts';
import { DEVNULL, PIPE, Popen, STDOUT, TimeoutExpired } from '../../core/subprocess/index.ts';
import { assert, greenletSuite, since } from '../_support/gtest.ts';
import { processState } from './_support/procs.ts';

const test = greenletSuite('subprocess: Popen');

test('returncode and poll(): null while running, the exit status after wait()', function* () {
  const p = new Popen(['sh', '-c', 'exit 10']);
  assert.is(p.poll(), null);
  assert.is(p.returncode, null);
  assert.ok(p.pid > 0);
  assert.is(yield* p.wait(), 10);
  assert.is(p.poll(), 10);
  assert.is(p.returncode, 10);
  assert.is(yield* p.wait(), 10, 'waiting again returns at once');
});

test('wait([popen]) works and poll() afterwards gives the exit code', function* () {
  const a = new Popen(['sh', '-c', 'exit 10']);
  const b = new Popen(['sh', '-c', 'sleep 0.2; exit 3']);
  const done = yield* wait([a, b], { timeout: 10 });
  assert.is(done.length, 2);
  assert.is(a.poll(), 10);
  assert.is(b.poll(), 3);
});

test('iwait yields Popen objects in the order they exit', function* () {
  const slow = new Popen(['sh', '-c', 'sleep 0.4']);
  const fast = new Popen(['true']);
  const order: Popen[] = [];
  using it = iwait([slow, fast], { timeout: 10 });
  for (;;) {
    const r = yield* it.next();
    if (r.done) break;
    order.push(r.value);
  }
  assert.equal(order, [fast, slow]);
});

test('a child killed by a signal reports minus the signal number', function* () {
  const killed = new Popen(['sleep', '30']);
  killed.kill();
  assert.is(yield* killed.wait(), -9);
  const terminated = new Popen(['sleep', '30']);
  terminated.terminate();
  assert.is(yield* terminated.wait(), -15);
  const hup = new Popen(['sleep', '30']);
  hup.sendSignal('SIGHUP');
  assert.is(yield* hup.wait(), -1);
  hup.kill(); // after the exit: does nothing, raises nothing
  assert.is(hup.returncode, -1);
});

test('wait(timeout) raises TimeoutExpired and leaves the child running', function* () {
  const p = new Popen(['sleep', '30']);
  const t0 = performance.now();
  try {
    yield* p.wait(0.2);
    assert.unreachable('wait should time out');
  } catch (error) {
    assert.instance(error, TimeoutExpired);
    assert.is((error as TimeoutExpired).timeout, 0.2);
    assert.equal((error as TimeoutExpired).cmd, ['sleep', '30']);
  }
  assert.ok(since(t0) >= 0.15, 'waited about the timeout');
  assert.is(p.poll(), null);
  assert.is(processState(p.pid), 'alive');
  p.kill();
  assert.is(yield* p.wait(), -9);
});

test('other greenlets keep running during wait() and communicate()', function* () {
  const stop = new Event();
  let ticks = 0;
  const ticker = spawn(function* () {
    while (!stop.isSet()) {
      yield* sleep(0.01);
      ticks++;
    }
  });
  yield* new Popen(['sleep', '0.3']).wait();
  const afterWait = ticks;
  yield* new Popen(['sh', '-c', 'sleep 0.3; echo x'], { stdout: PIPE }).communicate();
  stop.set();
  yield* ticker.join();
  assert.ok(afterWait >= 3, `ticker ran ${afterWait} times during wait()`);
  assert.ok(ticks - afterWait >= 3, `ticker ran ${ticks - afterWait} times during communicate()`);
});

test('communicate() sends input, reads both pipes, waits; null for what was not piped', function* () {
  const p = new Popen(['sh', '-c', 'cat; echo err >&2; exit 4'], {
    stdin: PIPE,
    stdout: PIPE,
    stderr: PIPE,
  });
  const [out, err] = yield* p.communicate(Buffer.from('hello'));
  assert.equal(out, Buffer.from('hello'));
  assert.equal(err, Buffer.from('err\n'));
  assert.is(p.returncode, 4);
  const quiet = new Popen(['sh', '-c', 'echo out; echo err >&2'], {
    stdout: PIPE,
    stderr: DEVNULL,
  });
  const [out2, err2] = yield* quiet.communicate();
  assert.equal(out2, Buffer.from('out\n'));
  assert.is(err2, null);
  const none = new Popen(['true']);
  assert.equal(yield* none.communicate(), [null, null]);
  assert.is(none.returncode, 0);
});

test('communicate({ input, timeout }) takes Python-style keywords; text mode gives strings', function* () {
  const p = new Popen<string>(['cat'], { stdin: PIPE, stdout: PIPE, text: true });
  const [out] = yield* p.communicate({ input: 'a\r\nb\rc\n', timeout: 10 });
  assert.is(out, 'a\nb\nc\n', 'universal newlines');
});

test('communicate timeout: TimeoutExpired with the partial output; calling again gets all', function* () {
  // The child prints BDFL, then waits until SIGUSR1 makes it print the rest and exit.
  const script = `trap 'kill $!; printf " rules"; exit 0' USR1; printf BDFL; sleep 30 & wait`;
  const p = new Popen(['sh', '-c', script], { stdout: PIPE });
  let partial: unknown = null;
  for (let attempt = 0; attempt < 100 && String(partial) !== 'BDFL'; attempt++) {
    try {
      yield* p.communicate(undefined, 0.05);
      assert.unreachable('communicate should time out');
    } catch (error) {
      assert.instance(error, TimeoutExpired);
      partial = (error as TimeoutExpired).output;
      assert.equal((error as TimeoutExpired).stdout, partial);
      assert.is((error as TimeoutExpired).stderr, null);
    }
  }
  assert.equal(partial, Buffer.from('BDFL'));
  assert.is(p.poll(), null, 'the child keeps running');
  p.sendSignal('SIGUSR1');
  const [out] = yield* p.communicate(undefined, 10);
  assert.equal(String(out), 'BDFL rules', 'nothing read before the timeouts is lost');
  assert.is(p.returncode, 0);
});

test('communicate cannot send input a second time', function* () {
  const p = new Popen(['cat'], { stdin: PIPE, stdout: PIPE });
  const first = p.communicate(Buffer.from('x'));
  assert.throws(() => p.communicate(Buffer.from('y')), /cannot send input after starting/);
  const [out] = yield* first;
  assert.equal(out, Buffer.from('x'));
});

test('stderr: STDOUT merges both into one pipe, in the order the child wrote them', function* () {
  const p = new Popen(['sh', '-c', 'echo a; echo b >&2; echo c; echo d >&2'], {
    stdout: PIPE,
    stderr: STDOUT,
  });
  const [out, err] = yield* p.communicate();
  assert.is(String(out), 'a\nb\nc\nd\n');
  assert.is(err, null);
  assert.is(p.stderr, null);
});

test('stderr: STDOUT with stdout to DEVNULL or inherited does not need a pipe', function* () {
  const p = new Popen(['sh', '-c', 'echo hidden; echo hidden >&2'], {
    stdout: DEVNULL,
    stderr: STDOUT,
  });
  assert.equal(yield* p.communicate(), [null, null]);
  assert.is(p.returncode, 0);
});

test('a Popen is a Waitable: rawlink runs once it exits; unlink stops it', function* () {
  const p = new Popen(['true']);
  const seen: unknown[] = [];
  const kept = (source: Popen) => seen.push(source.returncode);
  const dropped = () => seen.push('dropped');
  p.rawlink(kept);
  p.rawlink(dropped);
  p.unlink(dropped);
  assert.not.ok(p.ready());
  yield* p.wait();
  yield* sleep(0);
  assert.ok(p.ready());
  assert.equal(seen, [0]);
});

test('toString names pid, status and args; Symbol.dispose closes the pipes', function* () {
  const p = new Popen(['cat'], { stdin: PIPE, stdout: PIPE });
  assert.match(String(p), new RegExp(`<Popen pid=${p.pid} returncode=null args=\\["cat"\\]>`));
  p[Symbol.dispose]();
  assert.ok(p.stdout!.closed);
  assert.ok(p.stdin!.closed);
  assert.is(yield* p.wait(), 0, 'cat saw end of file and exited');
});

test.run();
