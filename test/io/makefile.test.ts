import { spawn } from '../../core/index.ts';
import { SocketTimeout, socket, socketpair } from '../../core/io/socket.ts';
import { assert, greenletSuite } from '../_support/gtest.ts';

const test = greenletSuite('io/makefile');

test('readline, read(n) and read() to EOF in binary mode', function* () {
  const [a, b] = yield* socketpair();
  const f = b.makefile('rb');
  yield* a.sendall('first line\nsecond');
  yield* a.sendall(' line\nrest of it');
  a.close();
  assert.is(String(yield* f.readline()), 'first line\n');
  assert.is(String(yield* f.read(6)), 'second');
  assert.is(String(yield* f.readline()), ' line\n');
  const rest = yield* f.read();
  assert.ok(Buffer.isBuffer(rest));
  assert.is(String(rest), 'rest of it');
  assert.is((yield* f.readline()).length, 0);
  f.close();
  b.close();
});

test('text mode returns strings and decodes UTF-8 split across chunks', function* () {
  const [a, b] = yield* socketpair();
  const f = b.makefile('r');
  const bytes = Buffer.from('héllo wörld\n');
  yield* a.sendall(bytes.subarray(0, 2));
  const reader = spawn(() => f.readline());
  yield* a.sendall(bytes.subarray(2));
  const line = yield* reader.get();
  assert.type(line, 'string');
  assert.is(line, 'héllo wörld\n');
  a.close();
  f.close();
  b.close();
});

test('write buffers until flush; readlines and next() iterate lines', function* () {
  const [a, b] = yield* socketpair();
  const w = a.makefile('wb');
  yield* w.write(Buffer.from('one\n'));
  yield* w.write(Buffer.from('two\nthree\n'));
  b.setblocking(false);
  try {
    yield* b.recv(1);
    assert.unreachable('nothing is sent before flush');
  } catch (error) {
    assert.is((error as { code?: string }).code, 'EAGAIN');
  }
  b.setblocking(true);
  yield* w.flush();
  w.close();
  a.close();
  const r = b.makefile('rb');
  const first = yield* r.next();
  assert.equal([first.done, String(first.value)], [false, 'one\n']);
  const rest = yield* r.readlines();
  assert.equal(rest.map(String), ['two\n', 'three\n']);
  assert.ok((yield* r.next()).done);
  r.close();
  b.close();
});

test('a 1.9 MB sendall round-trips intact through makefile', function* () {
  const [a, b] = yield* socketpair();
  const big = Buffer.alloc(1_900_000);
  for (let i = 0; i < big.length; i++) big[i] = i % 251;
  const f = b.makefile('rb');
  const reader = spawn(() => f.read(big.length));
  yield* a.sendall(big);
  assert.ok((yield* reader.get()).equals(big));
  a.close();
  f.close();
  b.close();
});

test('makefile keeps working after socket.close() until the file is closed', function* () {
  const [a, b] = yield* socketpair();
  const f = b.makefile('rwb');
  b.close();
  assert.ok(b.closed);
  yield* a.sendall('still here\n');
  assert.is(String(yield* f.readline()), 'still here\n');
  yield* f.write(Buffer.from('reply\n'));
  yield* f.flush();
  assert.is(String(yield* a.recv(100)), 'reply\n');
  f.close();
  // Now the connection really closes: the peer sees EOF.
  assert.is((yield* a.recv(10)).length, 0);
  a.close();
});

test('readline with a socket timeout raises socket.timeout', function* () {
  const [a, b] = yield* socketpair();
  b.settimeout(0.05);
  const f = b.makefile('rb');
  yield* a.sendall('no newline yet');
  try {
    yield* f.readline();
    assert.unreachable();
  } catch (error) {
    assert.instance(error, SocketTimeout);
  }
  a.close();
  f.close();
  b.close();
});

test('closed files and wrong modes raise', function* () {
  const sock = new socket();
  assert.throws(() => sock.makefile('x' as 'r'), RangeError);
  sock.close();
  const [a, b] = yield* socketpair();
  const r = b.makefile('rb');
  assert.throws(() => r.write(Buffer.from('x')).next(), /not open for writing/);
  r.close();
  assert.throws(() => r.readline().next(), /closed file/);
  a.close();
  b.close();
});

test.run();
