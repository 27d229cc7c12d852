import { spawn as spawnProcess } from 'node:child_process';
import { once } from 'node:events';
import { ConcurrentObjectUseError, Event, sleep, spawn, Timeout, until } from '../../core/index.ts';
import {
  AF_INET,
  AF_INET6,
  createConnection,
  getaddrinfo,
  getdefaulttimeout,
  gethostbyname,
  SHUT_RD,
  SHUT_WR,
  SOCK_STREAM,
  SocketError,
  SocketTimeout,
  setdefaulttimeout,
  socket,
  socketpair,
  timeout,
} from '../../core/io/socket.ts';
import { assert, greenletSuite, since, takeErrors } from '../_support/gtest.ts';
import { listener, tcpPair } from './_support/helpers.ts';

const FULL_QUEUE_LISTENER =
  "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\n" +
  'print(s.getsockname()[1],flush=True)\nsys.stdin.read()';

const test = greenletSuite('io/socket');

/** Reads `sock` to its end; the number of bytes received. */
function* bytesUntilEof(sock: socket): Generator<unknown, number, unknown> {
  let received = 0;
  for (;;) {
    const data = yield* sock.recv(1 << 20);
    if (data.length === 0) return received;
    received += data.length;
  }
}

test('TCP over IPv4: connect, accept, send and receive both ways, EOF as an empty Buffer', function* () {
  const l = yield* listener();
  const address = l.getsockname() as [string, number];
  assert.is(address[0], '127.0.0.1');
  assert.ok(address[1] > 0);
  const client = new socket(AF_INET);
  const connecting = client.connect(address);
  const [conn, peer] = yield* l.accept();
  yield* connecting;
  assert.equal(peer, client.getsockname());
  assert.equal(conn.getsockname(), address);
  assert.equal(client.getpeername(), address);
  yield* client.sendall('ping');
  assert.is(String(yield* conn.recv(100)), 'ping');
  yield* conn.sendall(Buffer.from('pong'));
  assert.is(String(yield* client.recv(100)), 'pong');
  client.close();
  const eof = yield* conn.recv(100);
  assert.ok(Buffer.isBuffer(eof));
  assert.is(eof.length, 0);
  conn.close();
  l.close();
});

test('TCP over IPv6 reports 4-tuple addresses', function* () {
  const [client, server] = yield* tcpPair(AF_INET6);
  const name = client.getpeername() as unknown[];
  assert.is(name.length, 4);
  assert.is(name[0], '::1');
  yield* client.sendall('six');
  assert.is(String(yield* server.recv(3)), 'six');
  client.close();
  server.close();
});

test('close() with unread data resets the connection at once: a blocked sender gets ECONNRESET', function* () {
  const [a, b] = yield* tcpPair();
  yield* a.sendall('x');
  assert.is(String(yield* b.recv(1)), 'x'); // b reads once, then never again
  const sending = spawn(() => a.sendall(Buffer.alloc(32 * 1024 * 1024)));
  const channel = b._stream as unknown as { bytes: number };
  const start = performance.now();
  while (channel.bytes === 0 && since(start) < 5) yield* sleep(0.005); // data is waiting in b
  assert.ok(channel.bytes > 0);
  const closedAt = performance.now();
  b.close();
  yield* sending.join(5);
  assert.is((sending.exception as SocketError | undefined)?.code, 'ECONNRESET');
  assert.ok(
    since(closedAt) < 2,
    `the sender learnt it in ${since(closedAt)} s (lingering took 10 s)`,
  );
  assert.equal(
    takeErrors().map(({ error }) => (error as SocketError).code),
    ['ECONNRESET'],
    'the failed sender was reported',
  );
  a.close();
});

test('send with a timeout to a peer that does not read: what it reports sent is exactly what arrives', function* () {
  const [a, b] = yield* tcpPair();
  a.settimeout(0.2);
  const chunk = Buffer.alloc(1 << 20, 1);
  let reported = 0;
  let timeouts = 0;
  for (let i = 0; i < 400 && timeouts < 3; i++) {
    try {
      const n = yield* a.send(chunk);
      assert.ok(n > 0 && n <= chunk.length);
      reported += n;
    } catch (error) {
      assert.instance(error, SocketTimeout);
      timeouts++; // and retried: nothing of a timed-out send may go out
    }
  }
  assert.is(timeouts, 3, "the peer's buffers filled up");
  a.settimeout(null);
  a.shutdown(SHUT_WR);
  const received = yield* bytesUntilEof(b);
  assert.is(received, reported);
  a.close();
  b.close();
});

test('recv(0) returns an empty Buffer at once, data or not (as Python)', function* () {
  const [a, b] = yield* tcpPair();
  assert.is((yield* b.recv(0)).length, 0, 'nothing to read: no wait');
  yield* a.sendall('x');
  assert.is((yield* b.recv(0)).length, 0);
  assert.is(String(yield* b.recv(1)), 'x', 'the data is still there');
  a.close();
  b.close();
});

test('recv(n) returns at most n bytes and keeps the rest; recvInto fills a buffer', function* () {
  const [a, b] = yield* tcpPair();
  yield* a.sendall('abcdefghij');
  let got = '';
  while (got.length < 4) got += String(yield* b.recv(4 - got.length));
  assert.is(got, 'abcd');
  const target = Buffer.alloc(6);
  let filled = 0;
  while (filled < 6) filled += yield* b.recvInto(target.subarray(filled));
  assert.is(String(target), 'efghij');
  a.close();
  assert.is(yield* b.recvInto(Buffer.alloc(4)), 0);
  b.close();
});

test('send and sendall of nothing work; sendall of 1.9 MB arrives intact', function* () {
  const [a, b] = yield* tcpPair();
  assert.is(yield* a.send(Buffer.alloc(0)), 0);
  yield* a.sendall('');
  const big = Buffer.alloc(1_900_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  const reader = spawn(function* () {
    const parts: Buffer[] = [];
    for (;;) {
      const chunk = yield* b.recv(65536);
      if (chunk.length === 0) return Buffer.concat(parts);
      parts.push(chunk);
    }
  });
  yield* a.sendall(big);
  a.shutdown(SHUT_WR);
  const received = yield* reader.get();
  assert.ok(received.equals(big));
  a.close();
  b.close();
});

test('full duplex: 100 KB each way at the same time', function* () {
  const [a, b] = yield* tcpPair();
  const size = 100 * 1024;
  const drain = (sock: socket) =>
    spawn(function* () {
      let total = 0;
      while (total < size) total += (yield* sock.recv(65536)).length;
      return total;
    });
  const readers = [drain(a), drain(b)];
  const writers = [
    spawn(() => a.sendall(Buffer.alloc(size, 1))),
    spawn(() => b.sendall(Buffer.alloc(size, 2))),
  ];
  for (const w of writers) yield* w.get();
  assert.equal([yield* readers[0]!.get(), yield* readers[1]!.get()], [size, size]);
  a.close();
  b.close();
});

test('settimeout: recv raises socket.timeout after about t; gettimeout reports it', function* () {
  const [a, b] = yield* tcpPair();
  b.settimeout(0.1);
  assert.is(b.gettimeout(), 0.1);
  const start = performance.now();
  try {
    yield* b.recv(10);
    assert.unreachable('recv should time out');
  } catch (error) {
    assert.instance(error, timeout);
    assert.instance(error, SocketTimeout);
    assert.is((error as Error).message, 'timed out');
    assert.is((error as Error).name, 'TimeoutError');
  }
  const elapsed = since(start);
  assert.ok(elapsed >= 0.09 && elapsed < 2, `elapsed ${elapsed}`);
  // The socket still works after a timeout.
  yield* a.sendall('late');
  assert.is(String(yield* b.recv(10)), 'late');
  a.close();
  b.close();
});

test('setblocking(false): recv with nothing to read raises EAGAIN at once', function* () {
  const [a, b] = yield* tcpPair();
  b.setblocking(false);
  assert.is(b.gettimeout(), 0);
  assert.is(b.getblocking(), false);
  try {
    yield* b.recv(10);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, SocketError);
    assert.is((error as SocketError).code, 'EAGAIN');
    assert.is((error as SocketError).errno, 11);
  }
  b.setblocking(true);
  assert.is(b.gettimeout(), null);
  a.close();
  b.close();
});

test('setblocking(false): send to a peer that does not read raises EAGAIN, no unbounded buffer', function* () {
  const [a, b] = yield* tcpPair();
  a.setblocking(false);
  const chunk = Buffer.alloc(64 * 1024, 7);
  let accepted = 0;
  let refused: unknown = null;
  for (let i = 0; i < 4096 && refused === null; i++) {
    try {
      accepted += yield* a.send(chunk);
    } catch (error) {
      refused = error;
    }
  }
  assert.instance(refused, SocketError);
  assert.is((refused as SocketError).code, 'EAGAIN');
  // What was accepted is what the kernel's buffers took plus at most one chunk over Node's
  // high-water mark: far below the 256 MiB the loop would have queued.
  assert.ok(accepted < 64 * 1024 * 1024, `accepted ${accepted} bytes`);
  a.setblocking(true);
  a.shutdown(SHUT_WR);
  const received = yield* bytesUntilEof(b);
  assert.is(received, accepted, 'every accepted byte arrives, none twice');
  a.close();
  b.close();
});

test('setdefaulttimeout applies to new sockets', function* () {
  assert.is(getdefaulttimeout(), null);
  setdefaulttimeout(2.5);
  try {
    assert.is(new socket().gettimeout(), 2.5);
  } finally {
    setdefaulttimeout(null);
  }
  assert.is(new socket().gettimeout(), null);
  assert.throws(() => setdefaulttimeout(-1), RangeError);
});

test('a second greenlet reading the same socket gets ConcurrentObjectUseError', function* () {
  const [a, b] = yield* tcpPair();
  const first = spawn(() => b.recv(10));
  yield* sleep(0);
  try {
    yield* b.recv(10);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, ConcurrentObjectUseError);
    assert.match((error as Error).message, /already used by another greenlet/);
  }
  yield* a.sendall('x');
  assert.is(String(yield* first.get()), 'x');
  a.close();
  b.close();
});

test('close() wakes a greenlet blocked in recv with EBADF; later calls raise EBADF', function* () {
  const [a, b] = yield* tcpPair();
  const blocked = spawn(function* () {
    try {
      yield* b.recv(10);
      return 'returned';
    } catch (error) {
      return error;
    }
  });
  yield* sleep(0);
  b.close();
  const error = (yield* blocked.get()) as SocketError;
  assert.instance(error, SocketError);
  assert.is(error.code, 'EBADF');
  assert.match(error.message, /closed in another greenlet/);
  assert.throws(
    () => b.recv(1),
    (e: unknown) => (e as SocketError).code === 'EBADF',
  );
  assert.throws(
    () => b.shutdown(SHUT_RD),
    (e: unknown) => (e as SocketError).code === 'EBADF',
  );
  assert.ok(b.closed);
  b.close(); // twice is harmless
  a.close();
});

test('a Timeout or kill interrupts a blocked recv and the socket stays usable', function* () {
  const [a, b] = yield* tcpPair();
  const t = Timeout.startNew(0.05);
  try {
    yield* b.recv(10);
    assert.unreachable();
  } catch (error) {
    assert.is(error, t);
  } finally {
    t.cancel();
  }
  const g = spawn(() => b.recv(10));
  yield* sleep(0);
  yield* g.kill();
  yield* a.sendall('still');
  assert.is(String(yield* b.recv(10)), 'still');
  a.close();
  b.close();
});

test('shutdown(SHUT_WR) sends EOF but keeps reading; SHUT_RD makes recv return EOF', function* () {
  const [a, b] = yield* tcpPair();
  a.shutdown(SHUT_WR);
  assert.is((yield* b.recv(10)).length, 0);
  yield* b.sendall('after');
  assert.is(String(yield* a.recv(10)), 'after');
  try {
    yield* a.sendall('no');
    assert.unreachable();
  } catch (error) {
    assert.is((error as SocketError).code, 'EPIPE');
  }
  b.shutdown(SHUT_RD);
  assert.is((yield* b.recv(10)).length, 0);
  assert.throws(() => a.shutdown(7), RangeError);
  a.close();
  b.close();
});

test('createConnection: refused raises ECONNREFUSED (errno 111) and closes the socket', function* () {
  const l = yield* listener();
  const address = l.getsockname() as [string, number];
  l.close();
  try {
    yield* createConnection(address);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, SocketError);
    assert.is((error as SocketError).code, 'ECONNREFUSED');
    assert.is((error as SocketError).errno, 111);
  }
});

test('createConnection: timeout is kept on the socket; sourceAddress binds the local end', function* () {
  const l = yield* listener();
  const address = l.getsockname() as [string, number];
  const sock = yield* createConnection(address, { timeout: 3, sourceAddress: ['127.0.0.1', 0] });
  assert.is(sock.gettimeout(), 3);
  const [conn, peer] = yield* l.accept();
  assert.equal(peer, sock.getsockname());
  sock.close();
  conn.close();
  l.close();
});

test('connect to a listener whose queue is full times out with socket.timeout', function* () {
  // A Python listener with backlog 0 that never accepts: once its queue holds a connection,
  // the kernel drops further SYNs, so the next connect can only time out.
  const child = spawnProcess('/usr/bin/python3', ['-c', FULL_QUEUE_LISTENER], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const port = Number(yield* until(once(child.stdout!, 'data').then(([d]) => String(d))));
    const opened: socket[] = [];
    let timedOut = false;
    for (let i = 0; i < 6 && !timedOut; i++) {
      const start = performance.now();
      try {
        opened.push(yield* createConnection(['127.0.0.1', port], { timeout: 0.25 }));
      } catch (error) {
        assert.instance(error, SocketTimeout);
        assert.ok(since(start) < 2);
        timedOut = true;
      }
    }
    assert.ok(timedOut, 'a connect timed out');
    for (const s of opened) s.close();
  } finally {
    child.stdin!.end();
    child.kill();
  }
});

test('killing a greenlet during connect leaves no half-open connection behind', function* () {
  const l = yield* listener();
  const sock = new socket();
  const g = spawn(() => sock.connect(l.getsockname()));
  yield* sleep(0);
  yield* g.kill();
  assert.ok(sock._stream!.stream.destroyed);
  sock.close();
  l.close();
});

test('bad addresses: port out of range (OverflowError -> RangeError), wrong types', function* () {
  const sock = new socket();
  assert.throws(() => sock.connect(['127.0.0.1', 65539]), RangeError);
  assert.throws(() => sock.connect(['127.0.0.1', -1]), RangeError);
  assert.throws(() => sock.connect(['127.0.0.1', '80' as unknown as number]), TypeError);
  assert.throws(() => sock.connect('127.0.0.1:80' as never), TypeError);
  assert.throws(() => sock.recv(-1), RangeError);
  assert.throws(() => new socket(99), RangeError);
  sock.close();
});

test('recv on a socket that is not connected raises ENOTCONN', function* () {
  const sock = new socket();
  assert.throws(
    () => sock.recv(1),
    (e: unknown) => (e as SocketError).code === 'ENOTCONN',
  );
  assert.throws(
    () => sock.getpeername(),
    (e: unknown) => (e as SocketError).code === 'ENOTCONN',
  );
  assert.equal(sock.getsockname(), ['0.0.0.0', 0]);
  sock.close();
});

test('listening twice on a port raises EADDRINUSE from listen', function* () {
  const l = yield* listener();
  const other = new socket();
  yield* other.bind(l.getsockname());
  try {
    yield* other.listen();
    assert.unreachable();
  } catch (error) {
    assert.is((error as SocketError).code, 'EADDRINUSE');
    assert.is((error as SocketError).errno, 98);
  }
  other.close();
  l.close();
});

test('accept with a timeout raises socket.timeout; a blocked accept is woken by close', function* () {
  const l = yield* listener();
  l.settimeout(0.05);
  try {
    yield* l.accept();
    assert.unreachable();
  } catch (error) {
    assert.instance(error, SocketTimeout);
  }
  l.settimeout(null);
  const g = spawn(function* () {
    try {
      yield* l.accept();
    } catch (error) {
      return (error as SocketError).code;
    }
  });
  yield* sleep(0);
  l.close();
  assert.is(yield* g.get(), 'EBADF');
});

test('socketpair(): two connected Unix sockets', function* () {
  const [a, b] = yield* socketpair();
  yield* a.sendall('over unix');
  assert.is(String(yield* b.recv(100)), 'over unix');
  yield* b.sendall('back');
  assert.is(String(yield* a.recv(100)), 'back');
  a.close();
  assert.is((yield* b.recv(1)).length, 0);
  b.close();
});

test('a peer that floods us while nobody reads is paused: our buffer stays bounded', function* () {
  const [a, b] = yield* tcpPair();
  a.settimeout(0.3);
  let sent = 0;
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (let i = 0; i < 1000; i++) {
      yield* a.sendall(chunk);
      sent += chunk.length;
    }
    assert.unreachable('the writer should block once nobody reads');
  } catch (error) {
    assert.instance(error, SocketTimeout);
  }
  const buffered = b._stream!.buffered;
  assert.ok(buffered <= 192 * 1024, `buffered ${buffered} bytes`);
  assert.ok(sent < 64 * 1024 * 1000, 'the writer was stopped by backpressure');
  a.close();
  b.close();
});

test('a main greenlet waiting on a socket nobody will ever write is not a deadlock (the socket can wake it)', function* () {
  const [a, b] = yield* tcpPair();
  const done = new Event();
  spawn(function* () {
    yield* sleep(0.02);
    yield* a.sendall('wake');
    done.set();
  });
  assert.is(String(yield* b.recv(4)), 'wake');
  yield* done.wait();
  a.close();
  b.close();
});

test('connectEx returns 0 or the errno instead of raising', function* () {
  const l = yield* listener();
  const address = l.getsockname() as [string, number];
  const ok = new socket();
  assert.is(yield* ok.connectEx(address), 0);
  const [conn] = yield* l.accept();
  l.close();
  const refused = new socket();
  assert.is(yield* refused.connectEx(address), 111);
  for (const s of [ok, conn, refused]) s.close();
});

test('the resolver functions come from the configured resolver', function* () {
  assert.is(yield* gethostbyname('localhost'), '127.0.0.1');
  const infos = yield* getaddrinfo('127.0.0.1', 8080, AF_INET, SOCK_STREAM);
  assert.ok(infos.length >= 1);
  const [family, type, , , sockaddr] = infos[0]!;
  assert.equal([family, type, sockaddr], [AF_INET, SOCK_STREAM, ['127.0.0.1', 8080]]);
});

test.run();
