/**
 * pywsgi against malformed and hostile clients: garbage, bad request lines, a request line over
 * 8 KiB, too many or too large headers, bad Content-Length and chunk sizes, slow drip
 * (slowloris), silent connections, an abrupt reset mid-body. Each gets the right status or a
 * closed connection, and the server keeps serving others.
 */

import type { Socket } from 'node:net';
import { AsyncResult, Event, getHub, idle, sleep, spawn, until } from '../../core/index.ts';
import { type App, ClientDisconnected } from '../../core/pywsgi/index.ts';
import { PIPELINE_DEPTH } from '../../core/pywsgi/pipeline.ts';
import { assert, greenletSuite, since } from '../_support/gtest.ts';
import { get, RawClient, serve } from './_support.ts';

const test = greenletSuite('pywsgi hostile input');

const hello: App = (_r, sr) => {
  sr('200 OK', []);
  return ['hello'];
};

/** Sends `data` on a fresh connection; returns the status answered (0 if none) once closed. */
function* statusFor(port: number, data: string): Generator<unknown, number, unknown> {
  const client = new RawClient(port);
  yield* client.send(data);
  const rest = yield* client.untilClosed();
  const match = /^HTTP\/1.1 (\d{3})/.exec(rest);
  return match === null ? 0 : Number(match[1]);
}

test('garbage and malformed request lines get 400, and a % in them does not break logging', function* () {
  const served = yield* serve(hello);
  const inputs = [
    'hello there\r\n\r\n',
    '\x00\x01\x02\x03\r\n\r\n',
    'GET / HTTP/9.x\r\nHost: t\r\n\r\n',
    'GET /a b HTTP/1.1\r\nHost: t\r\n\r\n',
    'GET /%%%zz HTTP/1.1 extra\r\nHost: t\r\n\r\n',
    'GET / HTTP/1.1\r\nHost t\r\n\r\n',
  ];
  for (const input of inputs)
    assert.is(yield* statusFor(served.port, input), 400, JSON.stringify(input));
  assert.is(served.errors.length, inputs.length);
  assert.ok(
    served.access.every((line) => / 400 - -$/.test(line)),
    served.access.join('\n'),
  );
  assert.is((yield* get(served.port))?.body, 'hello', 'still serving');
  yield* served.server.stop();
});

test('2,000 pipelined requests in one write: a few apps at a time, every answer in order', function* () {
  let running = 0;
  let peak = 0;
  const full = new Event();
  const release = new Event();
  const served = yield* serve(function* (request, sr) {
    running++;
    peak = Math.max(peak, running);
    if (running === PIPELINE_DEPTH) full.set();
    yield* release.wait();
    running--;
    sr('200 OK', []);
    return [request.path];
  });
  const flood = new RawClient(served.port);
  const count = 2000;
  let requests = '';
  for (let i = 0; i < count; i++) requests += `GET /${i} HTTP/1.1\r\nHost: t\r\n\r\n`;
  yield* flood.send(requests);
  assert.ok(yield* full.wait(5), 'the first apps start');
  yield* idle(); // the rest of the write is parsed
  assert.is(peak, PIPELINE_DEPTH);
  assert.ok(served.server.activeRequests > PIPELINE_DEPTH, 'the rest are held, not running');
  release.set();
  assert.is(
    (yield* get(served.port, '/other'))?.body,
    '/other',
    'another client is served meanwhile',
  );
  for (let i = 0; i < count; i++) {
    const response = yield* flood.response();
    assert.is(response?.body, `/${i}`);
  }
  assert.is(peak, PIPELINE_DEPTH, 'never more apps at once from one connection');
  flood.close();
  yield* served.server.stop();
});

/**
 * A server whose apps park until `release` is set, flooded by one client with `count`
 * pipelined GETs; returns once the first PIPELINE_DEPTH apps run and the rest of the write is
 * parsed (held).
 */
function* floodedServer(count: number) {
  const full = new Event();
  const release = new Event();
  const state = { started: 0, connection: null as Socket | null };
  const served = yield* serve(function* (request, sr) {
    state.connection ??= request.raw.socket;
    if (++state.started === PIPELINE_DEPTH) full.set();
    yield* release.wait();
    sr('200 OK', []);
    return [request.path];
  });
  const flood = new RawClient(served.port);
  let requests = '';
  for (let i = 0; i < count; i++) requests += `GET /${i} HTTP/1.1\r\nHost: t\r\n\r\n`;
  yield* flood.send(requests);
  assert.ok(yield* full.wait(5), 'the first apps start');
  yield* idle();
  return { served, flood, release, state };
}

test('stop() with pipelined requests held: running ones finish, held ones are dropped', function* () {
  const { served, flood, release, state } = yield* floodedServer(50);
  const stopping = spawn(() => served.server.stop(5));
  yield* sleep(0);
  release.set();
  yield* stopping.join();
  assert.ok(stopping.successful());
  assert.is(served.server.activeRequests, 0);
  assert.is(state.started, PIPELINE_DEPTH, 'no held request started after stop()');
  const answered = (yield* flood.untilClosed()).split('HTTP/1.1 200 OK').length - 1;
  assert.ok(answered >= 1 && answered <= PIPELINE_DEPTH, `${answered} answered`);
});

test('held pipelined requests of a connection that is gone never run', function* () {
  const { served, flood, release, state } = yield* floodedServer(200);
  assert.ok(served.server.activeRequests > PIPELINE_DEPTH);
  const gone = new Promise((resolve) => state.connection!.once('close', resolve));
  flood.reset();
  yield* until(gone); // the server's side of the connection is closed
  release.set();
  const start = performance.now();
  while (served.server.activeRequests > 0 && since(start) < 5) yield* sleep(0.01);
  assert.is(served.server.activeRequests, 0);
  assert.is(state.started, PIPELINE_DEPTH, 'no held request ran for a connection that is gone');
  yield* served.server.stop();
});

test('a request line over 8 KiB gets 414, a little under is served', function* () {
  const served = yield* serve(hello);
  const line = (n: number) => `GET /${'a'.repeat(n)} HTTP/1.1\r\nHost: t\r\n\r\n`;
  assert.is(yield* statusFor(served.port, line(9000)), 414);
  assert.is(yield* statusFor(served.port, line(40_000)), 414);
  assert.is((yield* get(served.port, `/${'b'.repeat(8000)}`))?.status, 200);
  yield* served.server.stop();
});

test('too many or too large header fields get 431', function* () {
  const served = yield* serve(hello);
  const many = Array.from({ length: 150 }, (_, i) => `X-H${i}: v\r\n`).join('');
  assert.is(yield* statusFor(served.port, `GET / HTTP/1.1\r\nHost: t\r\n${many}\r\n`), 431);
  const huge = `X-Big: ${'x'.repeat(40_000)}\r\n`;
  assert.is(yield* statusFor(served.port, `GET / HTTP/1.1\r\nHost: t\r\n${huge}\r\n`), 431);
  const fine = Array.from({ length: 50 }, (_, i) => `X-H${i}: v\r\n`).join('');
  assert.is((yield* get(served.port, '/', fine))?.status, 200);
  yield* served.server.stop();
});

test('a negative or non-numeric Content-Length and a bad chunk size get 400', function* () {
  const served = yield* serve(function* (request, sr) {
    yield* request.input.read();
    sr('200 OK', []);
    return ['read'];
  });
  for (const length of ['-1', 'abc', '1e3']) {
    const status = yield* statusFor(
      served.port,
      `POST / HTTP/1.1\r\nHost: t\r\nContent-Length: ${length}\r\n\r\n`,
    );
    assert.is(status, 400, `Content-Length: ${length}`);
  }
  const badChunk = 'POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n';
  assert.is(yield* statusFor(served.port, badChunk), 400);
  assert.is((yield* get(served.port))?.body, 'read');
  yield* served.server.stop();
});

test('slow drip of the head (slowloris) is cut off after headersTimeout with 408', function* () {
  const served = yield* serve(hello, { headersTimeout: 0.4, requestTimeout: 2 });
  const client = new RawClient(served.port);
  const t0 = performance.now();
  const head = 'GET / HTTP/1.1\r\nHost: t\r\nX-Slow: 0123456789\r\n';
  for (let i = 0; i < head.length && !client.closed; i++) {
    yield* client.send(head[i]!);
    yield* sleep(0.03);
  }
  const rest = yield* client.untilClosed();
  const elapsed = since(t0);
  assert.match(rest, /^HTTP\/1.1 408/);
  assert.ok(elapsed >= 0.35 && elapsed < 1.6, `closed after ${elapsed} s`);
  assert.is((yield* get(served.port))?.body, 'hello');
  yield* served.server.stop();
});

test('a connection that sends nothing is closed after headersTimeout', function* () {
  const served = yield* serve(hello, { headersTimeout: 0.3, requestTimeout: 2 });
  const client = new RawClient(served.port);
  yield* client.connect();
  const t0 = performance.now();
  yield* client.untilClosed();
  const elapsed = since(t0);
  assert.ok(elapsed >= 0.2 && elapsed < 1.5, `closed after ${elapsed} s`);
  yield* served.server.stop();
});

test('an idle keep-alive connection is closed after keepAliveTimeout (plus node 1 s grace)', function* () {
  const served = yield* serve(hello, { keepAliveTimeout: 0.2 });
  const client = new RawClient(served.port);
  const res = yield* client.exchange('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
  assert.is(res?.headers['keep-alive'], 'timeout=0');
  const t0 = performance.now();
  yield* client.untilClosed();
  const elapsed = since(t0);
  assert.ok(elapsed >= 0.15 && elapsed < 3, `closed after ${elapsed} s`);
  yield* served.server.stop();
});

test('a slow body is cut off after requestTimeout; the reader gets ClientDisconnected', function* () {
  const seen = new AsyncResult<unknown>();
  const served = yield* serve(
    function* (request, sr) {
      try {
        yield* request.input.read();
      } catch (error) {
        seen.set(error);
        throw error;
      }
      sr('200 OK', []);
      return [];
    },
    { headersTimeout: 0.3, requestTimeout: 0.6 },
  );
  const client = new RawClient(served.port);
  yield* client.send('POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc');
  const rest = yield* client.untilClosed();
  assert.match(rest, /^HTTP\/1.1 408/);
  assert.instance(yield* seen.get(), ClientDisconnected);
  yield* served.server.stop();
});

test('an abrupt reset mid-body: the reader gets ClientDisconnected, nothing is reported, others are served', function* () {
  const seen = new AsyncResult<unknown>();
  const started = new AsyncResult<void>();
  const served = yield* serve(function* (request, sr) {
    if (request.method === 'POST') {
      started.set();
      try {
        yield* request.input.read();
      } catch (error) {
        seen.set(error);
        throw error;
      }
    }
    sr('200 OK', []);
    return ['ok'];
  });
  const client = new RawClient(served.port);
  yield* client.send(
    `POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n${'x'.repeat(50_000)}`,
  );
  yield* started.get();
  client.reset();
  const error = yield* seen.get();
  assert.instance(error, ClientDisconnected);
  assert.match(String(error), /unexpected end of file while reading request/);
  assert.is((yield* get(served.port))?.body, 'ok');
  yield* served.server.stop();
});

test('a client that resets while a streaming response is blocked on backpressure ends that request', function* () {
  const seen = new AsyncResult<unknown>();
  const blocked = new Event();
  const served = yield* serve(function* (request, sr) {
    const write = sr('200 OK', []);
    if (request.path !== '/stream') return ['not streaming'];
    try {
      for (let i = 0; i < 10_000; i++) {
        const before = getHub().switches;
        yield* write(Buffer.alloc(64 * 1024));
        if (getHub().switches !== before) blocked.set();
      }
    } catch (error) {
      seen.set(error);
      throw error;
    }
    return [];
  });
  const client = new RawClient(served.port);
  client.socket.pause();
  yield* client.send('GET /stream HTTP/1.1\r\nHost: t\r\n\r\n');
  yield* blocked.wait();
  client.reset();
  assert.instance(yield* seen.get(), ClientDisconnected);
  assert.is((yield* get(served.port))?.status, 200);
  yield* served.server.stop();
});

test('HTTP/1.1 without Host is served by default (as gevent) and refused with requireHost', function* () {
  let served = yield* serve(hello);
  const client = new RawClient(served.port);
  assert.is((yield* client.exchange('GET / HTTP/1.1\r\n\r\n'))?.status, 200);
  client.close();
  yield* served.server.stop();
  served = yield* serve(hello, { requireHost: true });
  assert.is(yield* statusFor(served.port, 'GET / HTTP/1.1\r\n\r\n'), 400);
  yield* served.server.stop();
});

test.run();
