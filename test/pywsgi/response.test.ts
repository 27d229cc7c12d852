/**
 * pywsgi responses: bodies of known length get Content-Length, iterables are chunked on HTTP/1.1
 * and close-delimited on HTTP/1.0, streaming writes, keep-alive, pipelining, HEAD, and the
 * application kinds (generator, plain, async). gevent's test__pywsgi rules (V33).
 */

import { Event, getHub, Queue, sleep, spawn } from '../../core/index.ts';
import type { App } from '../../core/pywsgi/index.ts';
import { assert, greenletSuite, since } from '../_support/gtest.ts';
import { get, RawClient, serve } from './_support.ts';

const test = greenletSuite('pywsgi responses');

const hello: App = (_request, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['hello'];
};

test('an array body gets a computed Content-Length and no chunking', function* () {
  const { server, port } = yield* serve((_r, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return ['hel', '', Buffer.from('lo'), ' world'];
  });
  const res = yield* get(port);
  assert.is(res?.status, 200);
  assert.is(res?.headers['content-length'], '11');
  assert.is(res?.headers['transfer-encoding'], undefined);
  assert.is(res?.body, 'hello world');
  yield* server.stop();
});

test('a generator of chunks is sent chunked on HTTP/1.1; empty chunks are skipped; close() is called', function* () {
  let closed = 0;
  const { server, port } = yield* serve((_r, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    const chunks = (function* () {
      yield 'a';
      yield '';
      yield 'b';
    })();
    return Object.assign(chunks, { close: () => closed++ });
  });
  const res = yield* get(port);
  assert.is(res?.headers['transfer-encoding'], 'chunked');
  assert.is(res?.body, 'ab');
  assert.is(closed, 1);
  yield* server.stop();
});

test('HTTP/1.0 gets Connection: close and a close-delimited body; the status line says HTTP/1.1', function* () {
  const { server, port } = yield* serve((_r, startResponse) => {
    startResponse('200 OK', []);
    return new Set(['x', 'y']);
  });
  const client = new RawClient(port);
  yield* client.send('GET / HTTP/1.0\r\n\r\n');
  const rest = yield* client.untilClosed();
  assert.ok(rest.startsWith('HTTP/1.1 200 OK'), rest);
  assert.match(rest, /Connection: close/i);
  assert.not.match(rest, /chunked/i);
  assert.ok(rest.endsWith('\r\n\r\nxy'), rest);
  yield* server.stop();
});

test('HTTP/1.0 with Connection: keep-alive and a known length stays open', function* () {
  const { server, port } = yield* serve(hello);
  const client = new RawClient(port);
  const first = yield* client.exchange('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  assert.is(first?.body, 'hello');
  assert.is(first?.headers.connection, 'keep-alive');
  const second = yield* client.exchange('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  assert.is(second?.body, 'hello');
  client.close();
  yield* server.stop();
});

test('keep-alive: several requests on one connection; Connection: close is honoured', function* () {
  let calls = 0;
  const { server, port } = yield* serve((_r, startResponse) => {
    calls++;
    startResponse('200 OK', []);
    return [`n=${calls}`];
  });
  const client = new RawClient(port);
  for (let i = 1; i <= 3; i++) {
    const res = yield* client.exchange('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
    assert.is(res?.body, `n=${i}`);
  }
  const last = yield* client.exchange('GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
  assert.is(last?.headers.connection, 'close');
  yield* client.untilClosed();
  yield* server.stop();
});

test('pipelined requests are all answered, in order, even when the first is the slowest', function* () {
  const { server, port } = yield* serve(function* (request, startResponse) {
    if (request.path === '/slow') yield* sleep(0.05);
    startResponse('200 OK', []);
    return [request.path];
  });
  const client = new RawClient(port);
  const one = (path: string) => `GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`;
  yield* client.send(one('/slow') + one('/a') + one('/b'));
  const bodies = [];
  for (let i = 0; i < 3; i++) bodies.push((yield* client.response())?.body);
  assert.equal(bodies, ['/slow', '/a', '/b']);
  client.close();
  yield* server.stop();
});

test('streaming writes go out as they are written, chunked', function* () {
  const step = new Queue<string>();
  const { server, port } = yield* serve(function* (_r, startResponse) {
    const write = startResponse('200 OK', [['Content-Type', 'text/plain']]);
    yield* write('first;');
    yield* step.get();
    yield* write('second');
    return undefined;
  });
  const client = new RawClient(port);
  yield* client.send('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
  assert.ok(yield* client.receive('first;'));
  assert.not.ok(client.pending.includes('second'));
  step.putNowait('go');
  const res = yield* client.response();
  assert.is(res?.body, 'first;second');
  assert.is(res?.headers['transfer-encoding'], 'chunked');
  client.close();
  yield* server.stop();
});

test('requests block cooperatively: two slow requests overlap', function* () {
  const { server, port } = yield* serve(function* (_r, startResponse) {
    yield* sleep(0.3);
    startResponse('200 OK', []);
    return ['done'];
  });
  const t0 = performance.now();
  const a = spawn(get, port, '/');
  const b = spawn(get, port, '/');
  const [ra, rb] = [yield* a.get(), yield* b.get()];
  assert.is(ra?.body, 'done');
  assert.is(rb?.body, 'done');
  assert.ok(since(t0) < 0.55, `took ${since(t0)} s`);
  yield* server.stop();
});

test('an explicit Content-Length is honoured (no chunking); an empty body gets Content-Length: 0', function* () {
  const { server, port } = yield* serve((request, startResponse) => {
    if (request.path === '/empty') {
      startResponse('200 OK', []);
      return [];
    }
    startResponse('200 OK', [['Content-Length', '4']]);
    return new Set(['ab', 'cd']);
  });
  const res = yield* get(port);
  assert.is(res?.headers['content-length'], '4');
  assert.is(res?.headers['transfer-encoding'], undefined);
  assert.is(res?.body, 'abcd');
  const empty = yield* get(port, '/empty');
  assert.is(empty?.headers['content-length'], '0');
  assert.is(empty?.body, '');
  yield* server.stop();
});

test('plain, async and generator applications; async iterable bodies', function* () {
  const apps: Record<string, App> = {
    '/plain': (_r, sr) => {
      sr('200 OK', []);
      return 'plain';
    },
    '/async': async (_r, sr) => {
      await new Promise((resolve) => setImmediate(resolve));
      sr('201 Created', []);
      return ['async'];
    },
    '/gen': function* (_r, sr) {
      yield* sleep(0);
      sr(202, []);
      return [Buffer.from('gen')];
    },
    '/asynciter': (_r, sr) => {
      sr('200 OK', []);
      return (async function* () {
        yield 'as';
        yield 'ync';
      })();
    },
  };
  const statuses = [];
  const bodies = [];
  for (const app of Object.values(apps)) {
    const { server, port } = yield* serve(app);
    const res = yield* get(port);
    statuses.push(res?.status);
    bodies.push(res?.body);
    yield* server.stop();
  }
  assert.equal(statuses, [200, 201, 202, 200]);
  assert.equal(bodies, ['plain', 'async', 'gen', 'async']);
});

test('a plain function returning a generator object returns a generator of body chunks', function* () {
  const { server, port } = yield* serve((_r, sr) => {
    sr('200 OK', []);
    return (function* () {
      yield 'chunk1,';
      yield 'chunk2';
    })();
  });
  const res = yield* get(port);
  assert.is(res?.body, 'chunk1,chunk2');
  assert.is(res?.headers['transfer-encoding'], 'chunked');
  yield* server.stop();
});

test('HEAD gets the headers (with the length) and no body', function* () {
  const { server, port } = yield* serve(hello);
  const client = new RawClient(port);
  yield* client.send('HEAD / HTTP/1.1\r\nHost: t\r\n\r\n');
  const res = yield* client.response(true);
  assert.is(res?.headers['content-length'], '5');
  const next = yield* client.exchange('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
  assert.is(next?.body, 'hello');
  client.close();
  yield* server.stop();
});

test('headers may be an object; repeated values as arrays', function* () {
  const { server, port } = yield* serve((_r, sr) => {
    sr('200 OK', { 'Content-Type': 'text/plain', 'Set-Cookie': ['a=1', 'b=2'] });
    return ['ok'];
  });
  const client = new RawClient(port);
  const res = yield* client.exchange('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
  assert.match(res!.head, /Set-Cookie: a=1\r\nSet-Cookie: b=2/);
  client.close();
  yield* server.stop();
});

test('a slow reader gets backpressure: write() waits instead of buffering everything', function* () {
  const wrote = new Event();
  let waited = 0;
  const { server, port } = yield* serve(function* (_r, sr) {
    const write = sr('200 OK', []);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    for (let i = 0; i < 64; i++) {
      const before = getHub().switches;
      yield* write(chunk);
      if (getHub().switches > before) waited++;
    }
    wrote.set();
    return undefined;
  });
  const client = new RawClient(port);
  client.socket.pause();
  yield* client.send('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
  assert.is(yield* wrote.wait(0.3), false, 'all 4 MiB were written to a client that reads nothing');
  client.socket.resume();
  const res = yield* client.response();
  assert.is(res?.body.length, 64 * 64 * 1024);
  assert.ok(waited > 0);
  client.close();
  yield* server.stop();
});

test('TCP_NODELAY: a response sent in small pieces over keep-alive has no Nagle stall', function* () {
  const { server, port } = yield* serve(function* (_r, sr) {
    const write = sr('200 OK', []);
    yield* write('a');
    yield* sleep(0.002); // a real gap: the two pieces leave in separate segments
    yield* write('b');
    return undefined;
  });
  const client = new RawClient(port);
  yield* client.exchange('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) {
    const res = yield* client.exchange('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
    assert.is(res?.body, 'ab');
  }
  const perRequest = (since(t0) / 20) * 1000;
  assert.ok(
    perRequest < 20,
    `${perRequest.toFixed(1)} ms per request (Nagle + delayed ACK is ~40 ms)`,
  );
  client.close();
  yield* server.stop();
});

test.run();
