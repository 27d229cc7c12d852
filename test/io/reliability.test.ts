import { Event, joinall, spawn } from '../../core/index.ts';
import { StreamServer } from '../../core/io/server.ts';
import { createConnection, SocketTimeout, type socket } from '../../core/io/socket.ts';
import { assert, greenletSuite, since } from '../_support/gtest.ts';
import { openFdCount, rss } from './_support/helpers.ts';

const test = greenletSuite('io/reliability');

test('10,000 connections opened and closed: no leaked fds, greenlets or connections', function* () {
  let handled = 0;
  let finished = 0;
  const server = new StreamServer(
    ['127.0.0.1', 0],
    function* (sock) {
      handled++;
      try {
        const data = yield* sock.recv(16);
        if (data.length > 0) yield* sock.sendall(data);
        yield* sock.recv(16);
      } finally {
        finished++;
      }
    },
    { backlog: 1024 },
  );
  const fdsBefore = openFdCount();
  yield* server.start();
  const port = server.serverPort;
  const total = 10_000;
  const workers = 8;
  let opened = 0;
  const start = performance.now();
  const clients = Array.from({ length: workers }, () =>
    spawn(function* () {
      while (opened < total) {
        opened++;
        const sock: socket = yield* createConnection(['127.0.0.1', port], { timeout: 10 });
        try {
          yield* sock.sendall('hi');
          const echoed = yield* sock.recv(16);
          if (String(echoed) !== 'hi') throw new Error(`bad echo ${String(echoed)}`);
        } finally {
          sock.close();
        }
      }
    }),
  );
  yield* joinall(clients, { raiseError: true, timeout: 60 });
  assert.ok(
    clients.every((g) => g.successful()),
    'every client finished',
  );
  yield* server.stop(5);
  const elapsed = since(start);
  assert.is(handled, total);
  assert.is(finished, total, 'every handler ran its finally');
  assert.is(server.pool!.size, 0, 'no handler greenlet left');
  assert.is(server.connectionCount, 0);
  const fdsAfter = openFdCount();
  assert.ok(fdsAfter <= fdsBefore, `fds before ${fdsBefore}, after ${fdsAfter}`);
  assert.ok(elapsed < 60, `took ${elapsed}s`);
});

test('a client that never reads while the server writes 100 MB: server memory stays bounded', function* () {
  const total = 100 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const blocked = new Event();
  const stats = { sent: 0, maxQueued: 0, rssAtBlock: 0 };
  const server = new StreamServer(['127.0.0.1', 0], function* (sock) {
    sock.settimeout(0.5);
    const queued = () => (sock._stream!.stream as { writableLength: number }).writableLength;
    try {
      while (stats.sent < total) {
        yield* sock.sendall(chunk);
        stats.sent += chunk.length;
        stats.maxQueued = Math.max(stats.maxQueued, queued());
      }
    } catch (error) {
      if (!(error instanceof SocketTimeout)) throw error;
      stats.maxQueued = Math.max(stats.maxQueued, queued());
      stats.rssAtBlock = rss();
      blocked.set();
    }
  });
  yield* server.start();
  const rssBefore = rss();
  const idle = yield* createConnection(['127.0.0.1', server.serverPort]);
  yield* blocked.wait(30);
  assert.ok(blocked.isSet(), 'the writer blocked once the kernel buffers were full');
  assert.ok(stats.sent < total / 4, `only ${stats.sent} bytes could be sent before blocking`);
  assert.ok(
    stats.maxQueued <= chunk.length,
    `at most one chunk queued in Node (${stats.maxQueued})`,
  );
  const growth = stats.rssAtBlock - rssBefore;
  assert.ok(growth < 50 * 1024 * 1024, `RSS grew by ${growth} bytes`);
  idle.close();
  yield* server.stop();
});

test('the same 100 MB arrives in full once the client reads, with memory bounded all along', function* () {
  const total = 100 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 0x62);
  const server = new StreamServer(['127.0.0.1', 0], function* (sock) {
    for (let sent = 0; sent < total; sent += chunk.length) yield* sock.sendall(chunk);
  });
  yield* server.start();
  const rssBefore = rss();
  let maxRss = rssBefore;
  const client = yield* createConnection(['127.0.0.1', server.serverPort]);
  let received = 0;
  for (let i = 0; ; i++) {
    const data = yield* client.recv(256 * 1024);
    if (data.length === 0) break;
    received += data.length;
    if ((i & 63) === 0) maxRss = Math.max(maxRss, rss());
  }
  assert.is(received, total);
  const growth = maxRss - rssBefore;
  assert.ok(growth < 50 * 1024 * 1024, `RSS grew by ${growth} bytes`);
  client.close();
  yield* server.stop();
});

test.run();
