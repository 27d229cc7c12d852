/**
 * The cooperative pipes: PipeReader (read, read1, readline, line iteration, text mode) and
 * PipeWriter (write, flush, close) with real backpressure; pipelines between Popens; large
 * data both ways without deadlock.
 */

import { ConcurrentObjectUseError, sleep, spawn, withTimeout } from '../../core/index.ts';
import { HIGH_WATER, PIPE, Popen, UnicodeDecodeError } from '../../core/subprocess/index.ts';
import { assert, greenletSuite } from '../_support/gtest.ts';
import { processState } from './_support/procs.ts';

const test = greenletSuite('subprocess: pipes');

test('readline and line iteration stream the output while the child still runs', function* () {
  const p = new Popen(['sh', '-c', 'echo one; read go; echo two; echo three'], {
    stdin: PIPE,
    stdout: PIPE,
  });
  assert.equal(yield* p.stdout!.readline(), Buffer.from('one\n'));
  assert.is(p.poll(), null, 'the child waits for our input: the line came while it ran');
  yield* p.stdin!.write(Buffer.from('go\n'));
  const lines: string[] = [];
  for (;;) {
    const r = yield* p.stdout!.next();
    if (r.done) break;
    lines.push(String(r.value));
  }
  assert.equal(lines, ['two\n', 'three\n']);
  assert.equal(yield* p.stdout!.readline(), Buffer.alloc(0), 'EOF reads empty');
  yield* p.stdin!.close();
  assert.is(yield* p.wait(), 0);
});

test('read(n) waits for n bytes (fewer only at EOF); read() reads to EOF; read1 what is there', function* () {
  const p = new Popen(['sh', '-c', 'printf abc; sleep 0.1; printf defgh'], { stdout: PIPE });
  assert.equal(String(yield* p.stdout!.read(5)), 'abcde');
  assert.ok((yield* p.stdout!.read1(100)).length >= 1);
  assert.equal(String(yield* p.stdout!.read()), '', 'everything was consumed');
  yield* p.wait();
  const q = new Popen(['printf', 'a\\nb\\nlast'], { stdout: PIPE });
  assert.equal((yield* q.stdout!.readlines()).map(String), ['a\n', 'b\n', 'last']);
  const r = new Popen(['printf', 'xy'], { stdout: PIPE });
  assert.equal(String(yield* r.stdout!.read(10)), 'xy', 'short read at EOF');
  assert.equal(String(yield* r.stdout!.read(0)), '');
  yield* q.wait();
  yield* r.wait();
});

test('readline(limit) returns at most limit bytes', function* () {
  const p = new Popen(['printf', 'abcdef\\ngh\\n'], { stdout: PIPE });
  assert.equal(String(yield* p.stdout!.readline(4)), 'abcd');
  assert.equal(String(yield* p.stdout!.readline(4)), 'ef\n');
  assert.equal(String(yield* p.stdout!.readline()), 'gh\n');
  yield* p.wait();
});

test('text mode: strings, universal newlines across chunks, multi-byte characters', function* () {
  const p = new Popen<string>(
    [
      'sh',
      '-c',
      "printf 'a\\r'; sleep 0.05; printf '\\nb\\rc\\n\\303'; sleep 0.05; printf '\\251\\n'",
    ],
    { stdout: PIPE, text: true },
  );
  const lines = yield* p.stdout!.readlines();
  assert.equal(lines, ['a\n', 'b\n', 'c\n', 'é\n']);
  yield* p.wait();
});

test('text mode: undecodable output raises UnicodeDecodeError; errors: replace does not', function* () {
  const p = new Popen<string>(['printf', 'ok\\377\\n'], { stdout: PIPE, text: true });
  try {
    yield* p.stdout!.read();
    assert.unreachable('bad UTF-8 must raise');
  } catch (error) {
    assert.instance(error, UnicodeDecodeError);
    assert.is((error as UnicodeDecodeError).code, 'ERR_ENCODING_INVALID_ENCODED_DATA');
  }
  yield* p.wait();
  const q = new Popen<string>(['printf', 'ok\\377\\n'], { stdout: PIPE, errors: 'replace' });
  assert.is(yield* q.stdout!.read(), 'ok\uFFFD\n');
  const l = new Popen<string>(['printf', '\\351t\\351'], { stdout: PIPE, encoding: 'latin1' });
  assert.is(yield* l.stdout!.read(), 'été');
  yield* q.wait();
  yield* l.wait();
});

test('reader backpressure: an unread pipe is paused near HIGH_WATER and the child blocks', function* () {
  const total = 4 * 1024 * 1024;
  const p = new Popen(['head', '-c', String(total), '/dev/zero'], { stdout: PIPE });
  assert.is((yield* p.stdout!.read(1)).length, 1);
  // The child writes on; the reader must pause near HIGH_WATER (bounded wait for that state).
  for (let i = 0; i < 500 && !p.stdout!.statistics().paused; i++) yield* sleep(0.01);
  const stats = p.stdout!.statistics();
  assert.ok(stats.paused, 'the reader paused the stream');
  assert.ok(stats.buffered <= HIGH_WATER + 256 * 1024, `buffered ${stats.buffered} bytes`);
  assert.is(p.poll(), null, 'the child cannot finish: 4 MiB do not fit in the pipe');
  assert.is(processState(p.pid), 'alive');
  let received = 1;
  for (;;) {
    const chunk = yield* p.stdout!.read1();
    if (chunk.length === 0) break;
    received += chunk.length;
  }
  assert.is(received, total);
  assert.is(yield* p.wait(), 0);
});

test('writer backpressure: write() waits while the child does not read', function* () {
  const p = new Popen(['sh', '-c', 'read line; sleep 30'], { stdin: PIPE });
  const big = Buffer.alloc(4 * 1024 * 1024, 120);
  const outcome = yield* withTimeout(0.5, p.stdin!.write(big), { timeoutValue: 'still waiting' });
  assert.is(outcome, 'still waiting');
  assert.ok(p.stdin!.statistics().needDrain);
  p.kill();
  yield* p.wait();
  try {
    yield* p.stdin!.write(Buffer.from('more'));
    assert.unreachable('writing to a dead child must raise');
  } catch (error) {
    assert.is((error as NodeJS.ErrnoException).code, 'EPIPE');
  }
});

test('write, flush and close: text mode counts characters; binary mode refuses strings', function* () {
  const p = new Popen<string>(['cat'], { stdin: PIPE, stdout: PIPE, text: true });
  assert.is(yield* p.stdin!.write('héllo\n'), 6);
  yield* p.stdin!.flush();
  yield* p.stdin!.close();
  assert.throws(() => p.stdin!.write('late'), /closed stdin/);
  assert.is(yield* p.stdout!.read(), 'héllo\n');
  yield* p.wait();
  const b = new Popen(['cat'], { stdin: PIPE });
  assert.throws(() => b.stdin!.write('text' as unknown as Buffer), /binary mode needs a Buffer/);
  yield* b.stdin!.close();
  yield* b.wait();
});

test('two greenlets reading one pipe: the second gets ConcurrentObjectUseError', function* () {
  const p = new Popen(['sh', '-c', 'sleep 0.3; echo late'], { stdout: PIPE });
  const first = spawn(function* () {
    return String(yield* p.stdout!.readline());
  });
  yield* sleep(0);
  try {
    yield* p.stdout!.readline();
    assert.unreachable('a second reader must be refused');
  } catch (error) {
    assert.instance(error, ConcurrentObjectUseError);
  }
  assert.is(yield* first.get(), 'late\n');
  yield* p.wait();
});

test('a closed reader refuses reads', function* () {
  const p = new Popen(['sh', '-c', 'echo x'], { stdout: PIPE });
  p.stdout!.close();
  assert.ok(p.stdout!.closed);
  try {
    yield* p.stdout!.read();
    assert.unreachable('read after close must raise');
  } catch (error) {
    assert.instance(error, RangeError);
  }
  yield* p.wait();
});

test('a pipeline: producer | filter | consumer, each reading the previous pipe directly', function* () {
  const producer = new Popen(['seq', '1', '20000'], { stdout: PIPE });
  const filter = new Popen(['grep', '7'], { stdin: producer.stdout, stdout: PIPE });
  const consumer = new Popen(['wc', '-l'], { stdin: filter.stdout, stdout: PIPE });
  assert.ok(producer.stdout!.closed, "the parent's copy is closed once handed on");
  const [count] = yield* consumer.communicate();
  assert.is(String(count).trim(), '6878');
  assert.equal([yield* producer.wait(), yield* filter.wait(), consumer.returncode], [0, 0, 0]);
  assert.throws(() => new Popen(['cat'], { stdin: producer.stdout }), /was given to <Popen/);
});

test('a pipe already read from is pumped on: the new child gets exactly the unread rest', function* () {
  const producer = new Popen(['seq', '1', '50000'], { stdout: PIPE });
  assert.equal(String(yield* producer.stdout!.readline()), '1\n');
  const consumer = new Popen(['wc', '-l'], { stdin: producer.stdout, stdout: PIPE });
  const [count] = yield* consumer.communicate();
  assert.is(String(count).trim(), '49999');
  assert.is(yield* producer.wait(), 0);
});

test('32 MiB through cat both ways with communicate: no deadlock, every byte back', function* () {
  const data = Buffer.alloc(32 * 1024 * 1024);
  for (let i = 0; i < data.length; i += 4096) data[i] = i & 0xff;
  const p = new Popen(['cat'], { stdin: PIPE, stdout: PIPE });
  const [out] = yield* p.communicate(data, 60);
  assert.ok(data.equals(out!), 'the output equals the input');
  assert.is(p.returncode, 0);
});

test.run();
