import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BlockingSwitchOutError,
  Event,
  GreenletExit,
  Pool,
  sleep,
  spawn,
} from '../../core/index.ts';
import { DatagramServer, parseListener, StreamServer } from '../../core/io/server.ts';
import {
  AF_INET,
  createConnection,
  SOCK_DGRAM,
  socket as Socket,
  type SocketError,
  SocketTimeout,
  type socket,
} from '../../core/io/socket.ts';
import { assert, greenletSuite, since, takeErrors } from '../_support/gtest.ts';

const test = greenletSuite('io/server');

function* echo(sock: socket): Generator<unknown, void, unknown> {
  for (;;) {
    const data = yield* sock.recv(4096);
    if (data.length === 0) return;
    yield* sock.sendall(data);
  }
}

function* connectTo(server: StreamServer): Generator<unknown, socket, unknown> {
  return yield* createConnection([server.serverHost, server.serverPort], { timeout: 5 });
}

function* roundTrip(sock: socket, text: string): Generator<unknown, string, unknown> {
  yield* sock.sendall(text);
  let got = '';
  while (got.length < text.length) {
    const data = yield* sock.recv(4096);
    if (data.length === 0) break;
    got += String(data);
  }
  return got;
}

test('StreamServer echoes; reports its address; refuses connections after stop', function* () {
  const server = new StreamServer(['127.0.0.1', 0], echo);
  assert.not.ok(server.started);
  yield* server.start();
  assert.ok(server.started);
  assert.is(server.serverHost, '127.0.0.1');
  assert.ok(server.serverPort > 0);
  assert.equal(server.address, ['127.0.0.1', server.serverPort]);
  const client = yield* connectTo(server);
  assert.is(yield* roundTrip(client, 'hello server'), 'hello server');
  client.close();
  const port = server.serverPort;
  yield* server.stop();
  assert.ok(server.closed);
  assert.not.ok(server.started);
  try {
    yield* createConnection(['127.0.0.1', port]);
    assert.unreachable();
  } catch (error) {
    assert.is((error as SocketError).code, 'ECONNREFUSED');
  }
});

test('listener forms: "host:port", a listening socket (backlog with a socket is a TypeError)', function* () {
  assert.equal(parseListener('127.0.0.1:8080'), ['127.0.0.1', 8080]);
  assert.equal(parseListener(':9000'), ['', 9000]);
  assert.equal(parseListener('[::1]:80'), ['::1', 80]);
  assert.is(parseListener('/tmp/x.sock'), '/tmp/x.sock');
  assert.throws(() => parseListener('nonsense'), TypeError);
  const a = new StreamServer('127.0.0.1:0', echo);
  yield* a.start();
  const c1 = yield* connectTo(a);
  assert.is(yield* roundTrip(c1, 'a'), 'a');
  c1.close();
  yield* a.stop();
  const sock = new Socket(AF_INET);
  yield* sock.bind(['127.0.0.1', 0]);
  yield* sock.listen();
  assert.throws(() => new StreamServer(sock, echo, { backlog: 5 }), TypeError);
  const b = new StreamServer(sock, echo);
  yield* b.start();
  assert.equal(b.address, sock.getsockname());
  const c2 = yield* connectTo(b);
  assert.is(yield* roundTrip(c2, 'b'), 'b');
  c2.close();
  yield* b.stop();
});

test('a handler that raises: the error is reported, only its connection is closed', function* () {
  const server = new StreamServer(['127.0.0.1', 0], function* (sock) {
    const data = yield* sock.recv(100);
    if (String(data) === 'boom') throw new TypeError('handler failed');
    yield* sock.sendall(data);
    yield* echo(sock);
  });
  yield* server.start();
  const good = yield* connectTo(server);
  const bad = yield* connectTo(server);
  yield* bad.sendall('boom');
  assert.is((yield* bad.recv(10)).length, 0, 'the failed connection is closed');
  assert.is(yield* roundTrip(good, 'fine'), 'fine');
  const errors = takeErrors();
  assert.is(errors.length, 1);
  assert.instance(errors[0]!.error, TypeError);
  good.close();
  bad.close();
  yield* server.stop();
});

for (const [label, makeSpawn] of [
  ['2', () => 2],
  ['a Pool(2) instance', () => new Pool(2)],
] as const) {
  test(`spawn: ${label} bounds concurrency to exactly 2 handlers`, function* () {
    const spawnOption = makeSpawn();
    const release = new Event();
    let running = 0;
    let peak = 0;
    const server = new StreamServer(
      ['127.0.0.1', 0],
      function* (sock) {
        running++;
        peak = Math.max(peak, running);
        try {
          yield* sock.sendall('in');
          yield* release.wait();
        } finally {
          running--;
        }
      },
      { spawn: spawnOption },
    );
    assert.instance(server.pool, Pool);
    if (spawnOption instanceof Pool) assert.is(server.pool, spawnOption);
    yield* server.start();
    const clients: socket[] = [];
    for (let i = 0; i < 5; i++) clients.push(yield* connectTo(server));
    // Two handlers greet; the others wait for a free slot.
    assert.is(String(yield* clients[0]!.recv(2)), 'in');
    assert.is(String(yield* clients[1]!.recv(2)), 'in');
    assert.is(running, 2);
    release.set();
    for (const c of clients.slice(2)) assert.is(String(yield* c.recv(2)), 'in');
    assert.is(peak, 2);
    for (const c of clients) c.close();
    yield* server.stop();
  });
}

test('stop(timeout) is a graceful drain: handlers that finish in time complete, the rest are killed', function* () {
  const quickDone = new Event();
  const outcomes: string[] = [];
  const server = new StreamServer(['127.0.0.1', 0], function* (sock) {
    const kind = String(yield* sock.recv(10));
    try {
      yield* sock.sendall('ok');
      yield* sleep(kind === 'quick' ? 0.05 : 30);
      outcomes.push(`${kind} finished`);
      if (kind === 'quick') quickDone.set();
    } catch (error) {
      outcomes.push(`${kind} ${error instanceof GreenletExit ? 'killed' : 'failed'}`);
      throw error;
    }
  });
  yield* server.start();
  const quick = yield* connectTo(server);
  const slow = yield* connectTo(server);
  yield* quick.sendall('quick');
  yield* slow.sendall('slow');
  yield* quick.recv(2);
  yield* slow.recv(2);
  const port = server.serverPort;
  const start = performance.now();
  const stopping = spawn(() => server.stop(0.3));
  yield* sleep(0.01);
  // Accepting stopped at once, while the handlers still run.
  try {
    yield* createConnection(['127.0.0.1', port]);
    assert.unreachable();
  } catch (error) {
    assert.is((error as SocketError).code, 'ECONNREFUSED');
  }
  yield* stopping.get();
  const elapsed = since(start);
  assert.ok(quickDone.isSet());
  assert.equal(outcomes.sort(), ['quick finished', 'slow killed']);
  assert.ok(elapsed >= 0.25 && elapsed < 3, `stop took ${elapsed}`);
  assert.is((yield* slow.recv(10)).length, 0, 'the killed handler closed its connection');
  quick.close();
  slow.close();
});

test('markIdle: a closing server shuts idle connections at once so their handlers end', function* () {
  const ended: string[] = [];
  const server = new StreamServer(['127.0.0.1', 0], function* (sock) {
    for (;;) {
      this.markIdle(sock, true);
      const data = yield* sock.recv(100);
      this.markIdle(sock, false);
      if (data.length === 0) break;
      yield* sock.sendall(data);
    }
    ended.push('idle handler saw EOF');
  });
  yield* server.start();
  const client = yield* connectTo(server);
  assert.is(yield* roundTrip(client, 'req'), 'req');
  assert.is(server.connectionCount, 1);
  const start = performance.now();
  yield* server.stop(5);
  assert.ok(since(start) < 1, 'no need to wait for the deadline');
  assert.equal(ended, ['idle handler saw EOF']);
  assert.is(server.connectionCount, 0);
  client.close();
});

test('serveForever returns once another greenlet stops the server; stopOnSignals wires SIGTERM', function* () {
  const server = new StreamServer(['127.0.0.1', 0], echo);
  const serving = spawn(() => server.serveForever());
  yield* sleep(0.01);
  assert.ok(server.started);
  const before = process.listenerCount('SIGTERM');
  server.stopOnSignals(['SIGTERM']);
  assert.is(process.listenerCount('SIGTERM'), before + 1);
  process.emit('SIGTERM', 'SIGTERM');
  yield* serving.get();
  assert.ok(server.closed);
  assert.ok(yield* server.waitStopped(1));
  assert.is(process.listenerCount('SIGTERM'), before, 'the signal handler removed itself');
});

test('stopOnSignals() with no arguments wires SIGINT too, and removes both handlers', function* () {
  const server = new StreamServer(['127.0.0.1', 0], echo);
  yield* server.start();
  const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
  server.stopOnSignals();
  process.emit('SIGINT', 'SIGINT');
  assert.ok(yield* server.waitStopped(5));
  assert.ok(server.closed);
  assert.equal([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')], before);
});

test('spawn: null runs the handler in the hub, where blocking raises BlockingSwitchOutError', function* () {
  const server = new StreamServer(['127.0.0.1', 0], (sock: socket) => sock.recv(10), {
    spawn: null,
  });
  yield* server.start();
  const client = yield* connectTo(server);
  assert.is((yield* client.recv(10)).length, 0, 'the connection is closed');
  const errors = takeErrors();
  assert.is(errors.length, 1);
  assert.instance(errors[0]!.error, BlockingSwitchOutError);
  client.close();
  yield* server.stop();
});

test('handlers may be plain or async functions; spawn may be a spawning function', function* () {
  const seen: string[] = [];
  const plain = new StreamServer(
    ['127.0.0.1', 0],
    (sock: socket) => {
      seen.push(`plain ${(sock.getpeername() as [string, number])[0]}`);
    },
    { spawn },
  );
  yield* plain.start();
  const c1 = yield* connectTo(plain);
  assert.is((yield* c1.recv(10)).length, 0, 'closed once the handler returned');
  c1.close();
  yield* plain.stop();
  const asyncServer = new StreamServer(['127.0.0.1', 0], async () => {
    await new Promise((resolve) => setImmediate(resolve));
    seen.push('async');
  });
  yield* asyncServer.start();
  const c2 = yield* connectTo(asyncServer);
  assert.is((yield* c2.recv(10)).length, 0);
  c2.close();
  yield* asyncServer.stop();
  assert.equal(seen, ['plain 127.0.0.1', 'async']);
});

test('a spawn function that throws: reported, that connection closed, the server goes on', function* () {
  let failing = true;
  const server = new StreamServer(['127.0.0.1', 0], echo, {
    spawn: (fn: (...args: unknown[]) => unknown, ...args: unknown[]) => {
      if (failing) throw new RangeError('no room');
      return spawn(fn, ...args);
    },
  });
  yield* server.start();
  const refused = yield* connectTo(server);
  assert.is((yield* refused.recv(10)).length, 0, 'the connection is closed');
  const errors = takeErrors();
  assert.is(errors.length, 1);
  assert.instance(errors[0]!.error, RangeError);
  failing = false;
  const good = yield* connectTo(server);
  assert.is(yield* roundTrip(good, 'still here'), 'still here');
  refused.close();
  good.close();
  yield* server.stop();
});

test('setHandle replaces the handler for later connections', function* () {
  const server = new StreamServer(['127.0.0.1', 0], function* (sock) {
    yield* sock.sendall('one');
  });
  yield* server.start();
  const first = yield* connectTo(server);
  assert.is(String(yield* first.recv(3)), 'one');
  server.setHandle(function* (sock) {
    yield* sock.sendall('two');
  });
  const second = yield* connectTo(server);
  assert.is(String(yield* second.recv(3)), 'two');
  first.close();
  second.close();
  yield* server.stop();
});

test('StreamServer over a Unix socket path', function* () {
  const dir = mkdtempSync(join(tmpdir(), 'gevent-ts-server-'));
  try {
    const path = join(dir, 'echo.sock');
    const server = new StreamServer(path, echo);
    yield* server.start();
    assert.is(server.address, path);
    const client = new Socket(1);
    yield* client.connect(path);
    assert.is(yield* roundTrip(client, 'unix'), 'unix');
    client.close();
    yield* server.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('DatagramServer: handle(data, address) replies with this.sendto', function* () {
  const server = new DatagramServer(['127.0.0.1', 0], function* (data, address) {
    yield* this.sendto(`Received ${data.length} bytes`, address);
  });
  yield* server.start();
  const client = new Socket(AF_INET, SOCK_DGRAM);
  yield* client.sendto('hello', [server.serverHost, server.serverPort]);
  const [reply] = yield* client.recvfrom(100);
  assert.is(String(reply), 'Received 5 bytes');
  client.close();
  yield* server.stop();
  assert.ok(server.closed);
});

test('stopAccepting holds new connections until startAccepting', function* () {
  const server = new StreamServer(['127.0.0.1', 0], function* (sock) {
    yield* sock.sendall('hi');
  });
  yield* server.start();
  server.stopAccepting();
  const client = yield* connectTo(server);
  client.settimeout(0.1);
  try {
    yield* client.recv(2);
    assert.unreachable('no handler runs while accepting is stopped');
  } catch (error) {
    assert.instance(error, SocketTimeout);
  }
  client.settimeout(5);
  server.startAccepting();
  assert.is(String(yield* client.recv(2)), 'hi');
  client.close();
  yield* server.stop();
});

test('while not accepting, up to the backlog (at least 128) wait; further connections are closed', function* () {
  const server = new StreamServer(
    ['127.0.0.1', 0],
    function* (sock) {
      yield* sock.sendall('hi');
    },
    { backlog: 16 },
  );
  yield* server.start();
  server.stopAccepting();
  const clients: socket[] = [];
  for (let i = 0; i < 140; i++) clients.push(yield* connectTo(server));
  const acceptor = server.socket!._acceptor!;
  const start = performance.now();
  while (acceptor.pending + acceptor.refused < 140 && since(start) < 5) yield* sleep(0.01);
  assert.is(acceptor.pending, 128);
  assert.is(acceptor.refused, 12);
  server.startAccepting();
  let served = 0;
  for (const client of clients) {
    client.settimeout(5);
    let reply = '';
    try {
      reply = String(yield* client.recv(2));
    } catch (error) {
      assert.is((error as SocketError).code, 'ECONNRESET');
    }
    if (reply === 'hi') served++;
    client.close();
  }
  assert.is(served, 128);
  yield* server.stop();
});

test('start() after close() raises; a bad spawn option is a TypeError', function* () {
  const server = new StreamServer(['127.0.0.1', 0], echo);
  server.close();
  assert.throws(() => server.start().next(), /closed/);
  assert.throws(() => new StreamServer(['127.0.0.1', 0], echo, { spawn: 'x' as never }), TypeError);
});

test.run();
