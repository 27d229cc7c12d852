/**
 * The received-data fast path of a stream socket (StreamChannel.onData handing a chunk straight
 * to the parked `recv`), and the cases where it must fall back to the buffer: a chunk larger
 * than the recv size, data arriving while nobody reads, and a close or shutdown that happens
 * after the chunk was handed over but before the reader's greenlet ran.
 */

import { sleep, spawn } from '../../core/index.ts';
import { SHUT_RD, SocketError, type socket } from '../../core/io/socket.ts';
import { assert, greenletSuite } from '../_support/gtest.ts';
import { tcpPair } from './_support/helpers.ts';

const test = greenletSuite('io/recv-handoff');

/** A greenlet parked in `sock.recv(size)`, returning what it got or the error it raised. */
function* parkedReader(sock: socket, size: number) {
  const reader = spawn(function* () {
    try {
      return yield* sock.recv(size);
    } catch (error) {
      return error;
    }
  });
  // Let it run up to its switch point: it is then parked in recv (nothing was sent yet).
  for (let turn = 0; turn < 100 && sock._stream!.reader === null; turn++) yield* sleep(0);
  assert.ok(sock._stream!.reader !== null, 'the reader is parked in recv');
  return reader;
}

test('a chunk for a parked recv is its result; the next ones still arrive in order', function* () {
  const [a, b] = yield* tcpPair();
  for (const word of ['one', 'two', 'three']) {
    const reader = spawn(function* () {
      return String(yield* b.recv(100));
    });
    yield* a.sendall(word);
    assert.is(yield* reader.get(), word);
  }
  a.close();
  assert.is((yield* b.recv(100)).length, 0);
  b.close();
});

test('a chunk larger than the parked recv size is split: the rest stays buffered', function* () {
  const [a, b] = yield* tcpPair();
  const reader = spawn(function* () {
    return String(yield* b.recv(3));
  });
  yield* a.sendall('abcdefghij');
  assert.is(yield* reader.get(), 'abc');
  let rest = '';
  while (rest.length < 7) rest += String(yield* b.recv(100));
  assert.is(rest, 'defghij');
  a.close();
  b.close();
});

// The next two deliver the chunk from inside this greenlet's step (as a TLS socket may), so the
// reader's wake is queued and this step can close or shut down the socket before it runs.

test('closed after the chunk was handed over but before the reader ran: EBADF', function* () {
  const [a, b] = yield* tcpPair();
  const reader = yield* parkedReader(b, 100);
  b._stream!.stream.emit('data', Buffer.from('late'));
  assert.is(b._stream!.reader, null, 'the chunk went to the reader');
  b.close();
  const error = (yield* reader.get()) as SocketError;
  assert.instance(error, SocketError);
  assert.is(error.code, 'EBADF');
  a.close();
});

test('shut down for reading after the chunk was handed over: recv returns EOF', function* () {
  const [a, b] = yield* tcpPair();
  const reader = yield* parkedReader(b, 100);
  b._stream!.stream.emit('data', Buffer.from('dropped'));
  assert.is(b._stream!.reader, null, 'the chunk went to the reader');
  b.shutdown(SHUT_RD);
  const got = (yield* reader.get()) as Buffer;
  assert.ok(Buffer.isBuffer(got));
  assert.is(got.length, 0);
  a.close();
  b.close();
});

test.run();
