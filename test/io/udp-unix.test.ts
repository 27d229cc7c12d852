import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConcurrentObjectUseError, sleep, spawn } from '../../core/index.ts';
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  SOCK_DGRAM,
  SocketError,
  SocketTimeout,
  socket,
} from '../../core/io/socket.ts';
import { assert, greenletSuite } from '../_support/gtest.ts';

const test = greenletSuite('io/udp+unix');

function* udpSocket(family = AF_INET): Generator<unknown, socket, unknown> {
  const sock = new socket(family, SOCK_DGRAM);
  yield* sock.bind([family === AF_INET6 ? '::1' : '127.0.0.1', 0]);
  return sock;
}

test('UDP sendto/recvfrom both ways, with the sender address', function* () {
  const server = yield* udpSocket();
  const client = new socket(AF_INET, SOCK_DGRAM);
  assert.is(yield* client.sendto('hello', server.getsockname()), 5);
  const [data, from] = yield* server.recvfrom(1024);
  assert.is(String(data), 'hello');
  // The client was bound implicitly to the wildcard address; the ports match.
  assert.equal(from, ['127.0.0.1', (client.getsockname() as [string, number])[1]]);
  yield* server.sendto(Buffer.from('reply'), from);
  const [reply, replyFrom] = yield* client.recvfrom(1024);
  assert.is(String(reply), 'reply');
  assert.equal(replyFrom, server.getsockname());
  server.close();
  client.close();
});

test('UDP over IPv6', function* () {
  const server = yield* udpSocket(AF_INET6);
  const client = yield* udpSocket(AF_INET6);
  yield* client.sendto('six', server.getsockname());
  const [data, from] = yield* server.recvfrom(10);
  assert.is(String(data), 'six');
  assert.is((from as unknown[]).length, 4);
  server.close();
  client.close();
});

test('recvfrom(n) cuts a longer datagram to n bytes, as Python does', function* () {
  const server = yield* udpSocket();
  const client = yield* udpSocket();
  yield* client.sendto('0123456789', server.getsockname());
  const [data] = yield* server.recvfrom(4);
  assert.is(String(data), '0123');
  server.close();
  client.close();
});

test('connected UDP: send/recv without addresses', function* () {
  const server = yield* udpSocket();
  const client = new socket(AF_INET, SOCK_DGRAM);
  yield* client.connect(server.getsockname());
  yield* client.send('via connect');
  const [data, from] = yield* server.recvfrom(100);
  assert.is(String(data), 'via connect');
  assert.equal(client.getpeername(), server.getsockname());
  yield* server.sendto('ack', from);
  assert.is(String(yield* client.recv(100)), 'ack');
  server.close();
  client.close();
});

test('UDP recvfrom times out, refuses a second reader, and is woken by close', function* () {
  const sock = yield* udpSocket();
  sock.settimeout(0.05);
  try {
    yield* sock.recvfrom(10);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, SocketTimeout);
  }
  sock.settimeout(null);
  const first = spawn(function* () {
    try {
      yield* sock.recvfrom(10);
    } catch (error) {
      return (error as SocketError).code;
    }
  });
  yield* sleep(0);
  try {
    yield* sock.recvfrom(10);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, ConcurrentObjectUseError);
  }
  sock.close();
  assert.is(yield* first.get(), 'EBADF');
});

test('recvfrom on an unbound UDP socket raises instead of waiting forever', function* () {
  const sock = new socket(AF_INET, SOCK_DGRAM);
  try {
    yield* sock.recvfrom(10);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, SocketError);
    assert.is((error as SocketError).code, 'EINVAL');
  }
  sock.close();
});

test('Unix stream sockets: bind to a path, accept, talk, getsockname is the path', function* () {
  const dir = mkdtempSync(join(tmpdir(), 'gevent-ts-unix-'));
  const path = join(dir, 'server.sock');
  try {
    const l = new socket(AF_UNIX);
    yield* l.bind(path);
    yield* l.listen();
    assert.is(l.getsockname(), path);
    const client = new socket(AF_UNIX);
    const connecting = client.connect(path);
    const [conn] = yield* l.accept();
    yield* connecting;
    yield* client.sendall('unix!');
    assert.is(String(yield* conn.recv(10)), 'unix!');
    yield* conn.sendall('yes');
    assert.is(String(yield* client.recv(10)), 'yes');
    for (const s of [client, conn, l]) s.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('connecting to a missing Unix path raises ENOENT', function* () {
  const client = new socket(AF_UNIX);
  try {
    yield* client.connect(join(tmpdir(), `gevent-ts-missing-${process.pid}.sock`));
    assert.unreachable();
  } catch (error) {
    assert.is((error as SocketError).code, 'ENOENT');
  }
  client.close();
  assert.throws(
    () => new socket(AF_UNIX, SOCK_DGRAM),
    (e: unknown) => (e as SocketError).code === 'EAFNOSUPPORT',
  );
});

test.run();
