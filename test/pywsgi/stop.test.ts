/**
 * pywsgi life cycle: graceful stop (stop accepting at once, close idle keep-alive connections,
 * let running requests finish until the deadline, then kill them and close the rest), signal
 * wiring, serveForever, the concurrency limit (`spawn`), the access log, TLS and Unix sockets.
 */

import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsyncResult, Event, GreenletExit, sleep, spawn, until } from '../../core/index.ts';
import { type App, formatAccessLine, WSGIServer } from '../../core/pywsgi/index.ts';
import { assert, greenletSuite, since } from '../_support/gtest.ts';
import { get, RawClient, selfSignedCert, serve } from './_support.ts';

const test = greenletSuite('pywsgi stop, limits, logs, TLS');

const hello: App = (_r, sr) => {
  sr('200 OK', []);
  return ['hello'];
};

function refused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

test('stop(): new connections refused at once, idle keep-alive closed, running request finishes', function* () {
  const release = new Event();
  const entered = new Event();
  const { server, port } = yield* serve(function* (request, sr) {
    if (request.path === '/slow') {
      entered.set();
      yield* release.wait();
    }
    sr('200 OK', []);
    return [request.path];
  });
  const idle = new RawClient(port);
  assert.is((yield* idle.exchange('GET /idle HTTP/1.1\r\nHost: t\r\n\r\n'))?.body, '/idle');
  const busy = new RawClient(port);
  yield* busy.send('GET /slow HTTP/1.1\r\nHost: t\r\n\r\n');
  yield* entered.wait();
  const stopper = spawn(function* () {
    yield* server.stop(5);
  });
  yield* sleep(0);
  assert.ok(server.closed, 'stop() closed the listener at once');
  assert.is(yield* until(refused(port)), 'ECONNREFUSED');
  yield* idle.untilClosed();
  assert.not.ok(stopper.dead, 'stop waits for the running request');
  release.set();
  const res = yield* busy.response();
  assert.is(res?.body, '/slow');
  assert.is(res?.headers.connection, 'close');
  yield* busy.untilClosed();
  yield* stopper.join(5);
  assert.ok(stopper.dead);
  assert.ok(server.closed);
});

test('stop(timeout): a request still running at the deadline is killed and its connection closed', function* () {
  const cleanedUp = new AsyncResult<unknown>();
  const entered = new Event();
  const { server, port } = yield* serve(function* (_r, sr) {
    entered.set();
    try {
      yield* sleep(30);
    } catch (error) {
      cleanedUp.set(error);
      throw error;
    }
    sr('200 OK', []);
    return ['never'];
  });
  const client = new RawClient(port);
  yield* client.send('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
  yield* entered.wait();
  assert.is(server.activeRequests, 1);
  const t0 = performance.now();
  yield* server.stop(0.2);
  const elapsed = since(t0);
  assert.ok(elapsed >= 0.15 && elapsed < 2, `stop took ${elapsed} s`);
  assert.instance(yield* cleanedUp.get(), GreenletExit);
  const rest = yield* client.untilClosed();
  assert.is(rest, '', 'no response for a killed request');
  assert.is(server.activeRequests, 0);
});

test('a slowloris connection does not hold stop() past its deadline', function* () {
  const { server, port } = yield* serve(hello);
  const client = new RawClient(port);
  yield* client.send('GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ');
  const t0 = performance.now();
  yield* server.stop(0.2);
  yield* client.untilClosed();
  assert.ok(since(t0) < 2);
});

test('stopOnSignals: SIGTERM stops gracefully and serveForever returns', function* () {
  const { server, port } = yield* serve(hello);
  server.stopOnSignals(['SIGTERM'], { timeout: 1 });
  const forever = spawn(function* () {
    yield* server.serveForever();
    return 'returned';
  });
  assert.is((yield* get(port))?.body, 'hello');
  process.emit('SIGTERM', 'SIGTERM');
  assert.is(yield* forever.get(), 'returned');
  assert.ok(server.closed);
  assert.is(process.listenerCount('SIGTERM'), 0, 'the handler removed itself');
});

test('spawn: N bounds the applications running at once; the rest wait their turn', function* () {
  let running = 0;
  let peak = 0;
  const { server, port } = yield* serve(
    function* (_r, sr) {
      running++;
      peak = Math.max(peak, running);
      yield* sleep(0.03);
      running--;
      sr('200 OK', []);
      return ['x'];
    },
    { spawn: 2 },
  );
  const clients = Array.from({ length: 6 }, () => spawn(get, port, '/'));
  for (const c of clients) assert.is((yield* c.get())?.body, 'x');
  assert.is(peak, 2);
  yield* server.stop();
});

test('the access log is gevent-like, and log: null turns it off', function* () {
  const served = yield* serve(hello);
  yield* get(served.port, '/path%20x?q=1');
  assert.is(served.access.length, 1);
  const line =
    /^127\.0\.0\.1 - - \[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] "GET \/path%20x\?q=1 HTTP\/1\.1" 200 (\d+) \d+\.\d{6}$/.exec(
      served.access[0]!,
    );
  assert.ok(line, served.access[0]);
  assert.ok(Number(line![1]) > 5 + 60, 'bytes sent count the head too, as gevent does');
  yield* served.server.stop();
  const quiet = yield* serve(hello, { log: null });
  yield* get(quiet.port);
  assert.equal(quiet.access, []);
  yield* quiet.server.stop();
  assert.match(
    formatAccessLine(undefined, 'GET / HTTP/1.0', 404, 0, null),
    /^- - - \[.*\] "GET \/ HTTP\/1.0" 404 - -$/,
  );
});

test('a stream log gets whole lines, written once per event-loop turn', function* () {
  const writes: string[] = [];
  const written = new Event();
  const server = new WSGIServer(['127.0.0.1', 0], hello, {
    log: {
      write: (text: string) => {
        writes.push(text);
        written.set();
      },
    },
  });
  yield* server.start();
  const clients = [spawn(get, server.serverPort, '/a'), spawn(get, server.serverPort, '/b')];
  for (const c of clients) yield* c.join();
  for (let i = 0; i < 3 && writes.join('').split('\n').length < 3; i++) {
    assert.ok(yield* written.wait(5));
    written.clear();
  }
  const lines = writes.join('').split('\n');
  assert.is(lines.pop(), '', 'every write ends with a newline');
  assert.equal(lines.map((l) => /"GET (\/\w) HTTP\/1.1" 200/.exec(l)?.[1]).sort(), ['/a', '/b']);
  yield* server.stop();
});

test('HTTPS with a self-signed certificate made by openssl at run time', function* () {
  const { cert, key } = selfSignedCert();
  const { server, port } = yield* serve(
    (request, sr) => {
      sr('200 OK', []);
      return [`${request.urlScheme} ${request.environ['wsgi.url_scheme']}`];
    },
    { ssl: { cert, key } },
  );
  const body = yield* until(
    new Promise<string>((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port, path: '/', ca: cert, servername: 'localhost', agent: false },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end();
    }),
  );
  assert.is(body, 'https https');
  yield* server.stop();
});

test('a Unix socket listener', function* () {
  const path = join(tmpdir(), `pywsgi-${process.pid}.sock`);
  const server = new WSGIServer(path, hello, { log: null });
  yield* server.start();
  assert.is(server.address, path);
  const text = yield* until(
    new Promise<string>((resolve) => {
      const socket = connect(path);
      let out = '';
      socket.on('data', (d) => (out += d));
      socket.on('close', () => resolve(out));
      socket.write('GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    }),
  );
  assert.match(text, /\r\n\r\nhello$/);
  yield* server.stop();
});

test('start() after stop() is refused; a port in use raises the listen error', function* () {
  const { server, port } = yield* serve(hello);
  const clash = new WSGIServer(['127.0.0.1', port], hello, { log: null });
  let code = '';
  try {
    yield* clash.start();
  } catch (error) {
    code = (error as NodeJS.ErrnoException).code ?? '';
  }
  assert.is(code, 'EADDRINUSE');
  yield* server.stop();
  let message = '';
  try {
    yield* server.start();
  } catch (error) {
    message = String(error);
  }
  assert.match(message, /closed and cannot be started again/);
});

test.run();
