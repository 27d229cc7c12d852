/**
 * run, call, checkCall, checkOutput, getoutput, getstatusoutput and their results and errors
 * (CompletedProcess, CalledProcessError, TimeoutExpired), with Python's rules.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CalledProcessError,
  CompletedProcess,
  call,
  checkCall,
  checkOutput,
  getoutput,
  getstatusoutput,
  PIPE,
  run,
  STDOUT,
  SubprocessError,
  TimeoutExpired,
} from '../../core/subprocess/index.ts';
import { assert, greenletSuite, since } from '../_support/gtest.ts';
import { killQuietly } from './_support/procs.ts';

const test = greenletSuite('subprocess: run and friends');

test('run() without check returns the status; checkReturncode() raises', function* () {
  const cp = yield* run(['sh', '-c', 'exit 47']);
  assert.instance(cp, CompletedProcess);
  assert.is(cp.returncode, 47);
  assert.equal(cp.args, ['sh', '-c', 'exit 47']);
  assert.is(cp.stdout, null, 'output that was not captured is null');
  assert.is(cp.stderr, null);
  assert.throws(
    () => cp.checkReturncode(),
    (e: unknown) => e instanceof CalledProcessError,
  );
});

test('run({ captureOutput, input, text }) captures both streams as strings', function* () {
  const cp = yield* run(['sh', '-c', 'cat; echo err >&2'], {
    input: 'piped\n',
    captureOutput: true,
    text: true,
  });
  assert.is(cp.returncode, 0);
  assert.is(cp.stdout, 'piped\n');
  assert.is(cp.stderr, 'err\n');
  assert.is(
    String(cp),
    'CompletedProcess(args=["sh","-c","cat; echo err >&2"], returncode=0, stdout="piped\\n", stderr="err\\n")',
  );
  const binary = yield* run(['echo', 'hi'], { captureOutput: true });
  assert.equal(binary.stdout, Buffer.from('hi\n'));
  assert.equal(binary.stderr, Buffer.alloc(0));
});

test('run({ check: true }) raises CalledProcessError with the output and stderr', function* () {
  try {
    yield* run(['sh', '-c', 'echo out; echo err >&2; exit 44'], {
      check: true,
      captureOutput: true,
    });
    assert.unreachable('check must raise');
  } catch (error) {
    assert.instance(error, CalledProcessError);
    assert.instance(error, SubprocessError);
    const e = error as CalledProcessError;
    assert.is(e.returncode, 44);
    assert.equal(e.output, Buffer.from('out\n'));
    assert.equal(e.stdout, Buffer.from('out\n'));
    assert.equal(e.stderr, Buffer.from('err\n'));
    assert.is(e.code, 'ERR_CALLED_PROCESS');
    assert.is(
      e.message,
      'Command ["sh","-c","echo out; echo err >&2; exit 44"] returned non-zero exit status 44.',
    );
  }
});

test('checkOutput returns stdout; a non-zero exit raises with the output; a signal says so', function* () {
  assert.equal(yield* checkOutput(['echo', 'hello']), Buffer.from('hello\n'));
  assert.is(yield* checkOutput(['echo', 'hello'], { text: true }), 'hello\n');
  try {
    yield* checkOutput(['sh', '-c', 'echo partial; exit 3']);
    assert.unreachable('a non-zero exit must raise');
  } catch (error) {
    assert.instance(error, CalledProcessError);
    assert.is((error as CalledProcessError).returncode, 3);
    assert.equal((error as CalledProcessError).output, Buffer.from('partial\n'));
  }
  try {
    yield* checkOutput(['sh', '-c', 'kill -9 $$']);
    assert.unreachable('a killed child must raise');
  } catch (error) {
    assert.is((error as CalledProcessError).returncode, -9);
    assert.match((error as Error).message, /died with SIGKILL\.$/);
  }
});

test('checkOutput({ input: null }) gives the child an empty stdin instead of ours', function* () {
  assert.equal(yield* checkOutput(['cat'], { input: null }), Buffer.alloc(0));
  assert.is(yield* checkOutput(['cat'], { input: 'fed', text: true }), 'fed');
});

test('checkOutput with stderr: STDOUT interleaves both', function* () {
  const out = yield* checkOutput(['sh', '-c', 'echo 1; echo 2 >&2; echo 3'], { stderr: STDOUT });
  assert.is(String(out), '1\n2\n3\n');
});

test('call and checkCall', function* () {
  assert.is(yield* call(['sh', '-c', 'exit 5']), 5);
  assert.is(yield* checkCall(['true']), 0);
  try {
    yield* checkCall(['false']);
    assert.unreachable('checkCall must raise');
  } catch (error) {
    assert.instance(error, CalledProcessError);
    assert.is((error as CalledProcessError).returncode, 1);
    assert.is((error as CalledProcessError).output, null);
  }
});

test('getstatusoutput and getoutput: shell, stderr merged, one newline stripped', function* () {
  assert.equal(yield* getstatusoutput('echo hi; echo there >&2; exit 3'), [3, 'hi\nthere']);
  assert.equal(yield* getstatusoutput('kill -9 $$'), [-9, '']);
  assert.equal(yield* getstatusoutput('printf "two\\n\\n"'), [0, 'two\n']);
  assert.is(yield* getoutput('echo one'), 'one');
  assert.is(yield* getoutput('/nonexistent-program-xyz 2>/dev/null; echo $?'), '127');
});

test('run(timeout) raises TimeoutExpired after killing and reaping the child', function* () {
  const t0 = performance.now();
  try {
    yield* run(['sleep', '30'], { timeout: 0.3 });
    assert.unreachable('run must time out');
  } catch (error) {
    assert.instance(error, TimeoutExpired);
    assert.is((error as TimeoutExpired).timeout, 0.3);
    assert.is((error as TimeoutExpired).code, 'ERR_SUBPROCESS_TIMEOUT');
    assert.is((error as Error).message, 'Command ["sleep","30"] timed out after 0.3 seconds');
  }
  assert.ok(since(t0) < 5, `returned in ${since(t0)} s`);
});

test('run(timeout) raises TimeoutExpired with the output so far in e.output and e.stdout', function* () {
  for (const text of [false, true]) {
    try {
      yield* run(['sh', '-c', 'printf BDFL; exec sleep 5'], {
        timeout: 1,
        captureOutput: true,
        text,
      });
      assert.unreachable('run must time out');
    } catch (error) {
      assert.instance(error, TimeoutExpired);
      const expired = error as TimeoutExpired;
      assert.is(String(expired.output), 'BDFL');
      assert.is(expired.stdout, expired.output);
      assert.is(typeof expired.output === 'string', text, 'a string in text mode, else bytes');
    }
  }
});

test('a shell timeout with captured output returns within about the timeout', function* () {
  // The grandchild `sleep` keeps the pipes open; run must not wait for their end.
  const t0 = performance.now();
  try {
    yield* run('sleep 3 & echo $!; wait', { shell: true, timeout: 0.5, captureOutput: true });
    assert.unreachable('run must time out');
  } catch (error) {
    assert.instance(error, TimeoutExpired);
    const grandchild = Number(String((error as TimeoutExpired).output).trim());
    if (grandchild > 0) killQuietly(grandchild);
  }
  assert.ok(since(t0) < 2.5, `returned in ${since(t0)} s, before the grandchild's 3 s`);
});

test('run({ killGrace }) sends SIGTERM first: a child that handles it cleans up', function* () {
  const marker = join(mkdtempSync(join(tmpdir(), 'gevent-ts-')), 'cleaned');
  const script = `trap 'kill $!; echo cleaned > "$MARKER"; exit 0' TERM; sleep 30 & wait`;
  const t0 = performance.now();
  try {
    yield* run(['sh', '-c', script], {
      timeout: 2,
      killGrace: 10,
      stdout: PIPE,
      env: { ...process.env, MARKER: marker },
    });
    assert.unreachable('run must time out');
  } catch (error) {
    assert.instance(error, TimeoutExpired);
  }
  assert.ok(since(t0) < 8, 'the child exited on SIGTERM, well before the SIGKILL grace');
  assert.is(readFileSync(marker, 'utf8'), 'cleaned\n');
  rmSync(dirname(marker), { recursive: true });
});

test.run();
