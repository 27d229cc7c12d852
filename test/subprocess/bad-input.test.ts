/**
 * Bad input gives a clear error, at once, naming the argument: empty or non-string args, a bad
 * cwd, a missing or non-executable program (raised by the Popen constructor, with Node's error
 * shape and `code`), and misused options.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOutput, PIPE, Popen, run, STDOUT } from '../../core/subprocess/index.ts';
import { assert, greenletSuite } from '../_support/gtest.ts';

const test = greenletSuite('subprocess: bad input');

function thrown(fn: () => unknown): NodeJS.ErrnoException {
  try {
    fn();
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
  throw new Error('expected an error');
}

test("a missing program raises ENOENT from the constructor, in Node's error shape", function* () {
  const e = thrown(() => new Popen(['no-such-program-xyz', '-v']));
  assert.is(e.code, 'ENOENT');
  assert.is(e.errno, -2);
  assert.is(e.syscall, 'spawn no-such-program-xyz');
  assert.is(e.path, 'no-such-program-xyz');
  assert.equal((e as unknown as { spawnargs: string[] }).spawnargs, ['no-such-program-xyz', '-v']);
  assert.match(e.message, /no such file or directory on PATH/);
  assert.is(thrown(() => new Popen(['./no/such/file'])).code, 'ENOENT');
  // The same through the stderr-merging wrapper, which would otherwise exit with 127.
  const merged = thrown(() => new Popen(['no-such-program-xyz'], { stdout: PIPE, stderr: STDOUT }));
  assert.is(merged.code, 'ENOENT');
});

test('a missing program in run()/checkOutput raises ENOENT when iterated', function* () {
  try {
    yield* checkOutput(['no-such-program-xyz']);
    assert.unreachable('must raise');
  } catch (error) {
    assert.is((error as NodeJS.ErrnoException).code, 'ENOENT');
  }
});

test('a bad cwd names the directory', function* () {
  const e = thrown(() => new Popen(['true'], { cwd: '/no/such/dir' }));
  assert.is(e.code, 'ENOENT');
  assert.is(e.path, '/no/such/dir');
  assert.match(e.message, /cwd "\/no\/such\/dir" does not exist/);
  const notDir = thrown(() => new Popen(['true'], { cwd: '/etc/passwd' }));
  assert.is(notDir.code, 'ENOTDIR');
});

test('a non-executable file or a directory raises EACCES', function* () {
  const dir = mkdtempSync(join(tmpdir(), 'gevent-ts-'));
  const file = join(dir, 'script.sh');
  writeFileSync(file, '#!/bin/sh\necho hi\n', { mode: 0o644 });
  try {
    const e = thrown(() => new Popen([file]));
    assert.is(e.code, 'EACCES');
    assert.match(e.message, /is not executable/);
    assert.is(thrown(() => new Popen([dir])).code, 'EACCES');
    assert.match(thrown(() => new Popen([dir])).message, /is a directory/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('args: empty, not a list of strings, empty program', function* () {
  assert.throws(
    () => new Popen([]),
    (e: unknown) => e instanceof RangeError && /args must not be empty/.test(String(e)),
  );
  assert.throws(
    () => new Popen(['echo', 1 as unknown as string]),
    (e: unknown) =>
      e instanceof TypeError && /args\[1\] must be a string, got number 1/.test(String(e)),
  );
  assert.throws(
    () => new Popen(42 as unknown as string[]),
    /args must be an array of strings or a string/,
  );
  assert.throws(() => new Popen(['']), /args\[0\] \(the program\) must not be empty/);
});

test('options: wrong types and values name the option', function* () {
  const cases: Array<[object, RegExp]> = [
    [{ cwd: 5 }, /options\.cwd must be a string/],
    [{ env: { A: 1 } }, /options\.env\.A must be a string/],
    [{ stdin: -7 }, /options\.stdin must be PIPE, DEVNULL, a file descriptor/],
    [{ stdout: 'pipe' }, /options\.stdout must be PIPE, DEVNULL/],
    [{ stderr: {} }, /options\.stderr must be PIPE/],
    [{ encoding: 'klingon' }, /options\.encoding must be one of/],
    [{ errors: 'ignore' }, /options\.errors must be 'strict' or 'replace'/],
    [{ processGroup: 5 }, /options\.processGroup must be 0/],
    [{ killOnExit: 'SIGNOPE' }, /options\.killOnExit must be a signal name/],
    [{ capture_output: true }, /unknown option "capture_output"/],
  ];
  for (const [options, pattern] of cases) {
    assert.throws(() => new Popen(['true'], options as never), pattern, JSON.stringify(options));
  }
  assert.throws(() => new Popen(['true'], { text: 1 } as never), /options\.text must be a boolean/);
});

test('run(): stdin with input, captureOutput with stdout, bad timeout, snake_case hint', function* () {
  assert.throws(
    () => run(['cat'], { stdin: PIPE, input: 'x', text: true }),
    (e: unknown) =>
      e instanceof RangeError && /stdin and input arguments may not both be used/.test(String(e)),
  );
  assert.throws(
    () => run(['cat'], { captureOutput: true, stdout: PIPE }),
    /stdout and stderr arguments may not be used with captureOutput/,
  );
  assert.throws(() => run(['true'], { timeout: -1 }), /timeout must be a finite number of seconds/);
  assert.throws(
    () => run(['true'], { capture_output: true } as never),
    /did you mean captureOutput\?/,
  );
  assert.throws(() => run(['cat'], { input: 'text without text mode' }), /pass text: true/);
  assert.throws(
    () => checkOutput(['true'], { stdout: PIPE } as never),
    /stdout option is not allowed/,
  );
});

test('Popen methods validate their arguments', function* () {
  const p = new Popen(['cat'], { stdin: PIPE, stdout: PIPE });
  assert.throws(() => p.wait(-1), /wait\(timeout\) must be a finite number of seconds/);
  assert.throws(
    () => p.sendSignal('SIGWHAT' as NodeJS.Signals),
    /sendSignal\(sig\) must be a signal name/,
  );
  assert.throws(() => p.stdout!.read(1.5), /read\(size\) must be an integer/);
  assert.throws(() => p.communicate('str' as unknown as Buffer), /binary mode needs a Buffer/);
  assert.throws(() => p.stop({ grace: -1 }), /stop\(options\.grace\)/);
  yield* p.stdin!.close();
  assert.is(yield* p.wait(), 0);
});

test.run();
