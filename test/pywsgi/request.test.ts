/**
 * pywsgi requests: the environ (gevent's keys, `_` headers dropped, cookies joined), the typed
 * request properties, and the cooperative body reader over Content-Length and chunked bodies,
 * with `Expect: 100-continue` answered on the first read only.
 */

import { AsyncResult, ConcurrentObjectUseError, sleep, spawn } from '../../core/index.ts';
import { type Environ, type Request, WSGIServer } from '../../core/pywsgi/index.ts';
import { assert, greenletSuite } from '../_support/gtest.ts';
import { get, RawClient, serve } from './_support.ts';

const test = greenletSuite('pywsgi requests');

function post(path: string, body: string, extra = ''): string {
  return `POST ${path} HTTP/1.1\r\nHost: t\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
}

function chunked(parts: string[]): string {
  return `${parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('')}0\r\n\r\n`;
}

test('environ has the CGI and wsgi keys; PATH_INFO is decoded, QUERY_STRING is not', function* () {
  const seen = new AsyncResult<Environ>();
  const { server, port } = yield* serve(
    (request, sr) => {
      seen.set({ ...request.environ });
      sr('200 OK', []);
      return [];
    },
    { environ: { 'app.name': 'demo' } },
  );
  yield* get(
    port,
    '/a%20b/%C3%A9?x=%20y&z',
    'X-Custom: v1\r\nX-Custom: v2\r\nCookie: a=1\r\nCookie: b=2\r\nBad_Header: spoof\r\n',
  );
  const env = yield* seen.get();
  assert.is(env.REQUEST_METHOD, 'GET');
  assert.is(env.SCRIPT_NAME, '');
  assert.is(env.PATH_INFO, '/a b/\u00c3\u00a9');
  assert.is(env.QUERY_STRING, 'x=%20y&z');
  assert.is(env.SERVER_PROTOCOL, 'HTTP/1.1');
  assert.is(env.REMOTE_ADDR, '127.0.0.1');
  assert.ok(Number(env.REMOTE_PORT) > 0);
  assert.is(env.SERVER_PORT, String(port));
  assert.is(env.HTTP_HOST, 't');
  assert.is(env.HTTP_X_CUSTOM, 'v1,v2');
  assert.is(env.HTTP_COOKIE, 'a=1; b=2');
  assert.is(env.HTTP_BAD_HEADER, undefined, 'a header with _ is dropped');
  assert.not.ok('CONTENT_LENGTH' in env, 'no default CONTENT_LENGTH');
  assert.not.ok('CONTENT_TYPE' in env, 'no default CONTENT_TYPE');
  assert.is(env['wsgi.url_scheme'], 'http');
  assert.equal(env['wsgi.version'], [1, 0]);
  assert.is(env['wsgi.input_terminated'], true);
  assert.is(env['app.name'], 'demo');
  yield* server.stop();
});

test('typed request properties', function* () {
  const seen = new AsyncResult<Record<string, unknown>>();
  const { server, port } = yield* serve((request: Request, sr) => {
    seen.set({
      method: request.method,
      url: request.url,
      path: request.path,
      query: request.query,
      protocol: request.protocol,
      host: request.headers.host,
      line: request.requestLine,
      scheme: request.urlScheme,
    });
    sr('200 OK', []);
    return [];
  });
  yield* get(port, '/p%20q?a=1');
  assert.equal(yield* seen.get(), {
    method: 'GET',
    url: '/p%20q?a=1',
    path: '/p%20q',
    query: 'a=1',
    protocol: 'HTTP/1.1',
    host: 't',
    line: 'GET /p%20q?a=1 HTTP/1.1',
    scheme: 'http',
  });
  yield* server.stop();
});

test('read(), read(n) and readline() over a Content-Length body; CONTENT_LENGTH/TYPE passed', function* () {
  const { server, port } = yield* serve(function* (request, sr) {
    const input = request.input;
    const first = yield* input.read(3);
    const line = yield* input.readline();
    const rest = yield* input.read();
    const after = yield* input.read();
    sr('200 OK', []);
    return [
      JSON.stringify([
        String(first),
        String(line),
        String(rest),
        after.length,
        request.environ.CONTENT_LENGTH,
        request.environ.CONTENT_TYPE,
      ]),
    ];
  });
  const client = new RawClient(port);
  const res = yield* client.exchange(post('/', 'abcdef\nghi\njkl', 'Content-Type: text/plain\r\n'));
  assert.equal(JSON.parse(res!.body), ['abc', 'def\n', 'ghi\njkl', 0, '14', 'text/plain']);
  client.close();
  yield* server.stop();
});

test('a chunked request body: readline, iteration by Op, and keep-alive after it', function* () {
  const { server, port } = yield* serve(function* (request, sr) {
    const lines: string[] = [];
    for (;;) {
      const r = yield* request.input.next();
      if (r.done) break;
      lines.push(String(r.value));
    }
    sr('200 OK', []);
    return [JSON.stringify(lines)];
  });
  const client = new RawClient(port);
  yield* client.send('POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n');
  yield* client.send(chunked(['line one\nline', ' two\n', 'tail']));
  const res = yield* client.response();
  assert.equal(JSON.parse(res!.body), ['line one\n', 'line two\n', 'tail']);
  const again = yield* client.exchange(post('/', 'x\n'));
  assert.equal(JSON.parse(again!.body), ['x\n']);
  client.close();
  yield* server.stop();
});

test('a read blocks cooperatively until the client sends the rest', function* () {
  const { server, port } = yield* serve(function* (request, sr) {
    const body = yield* request.input.read(10);
    sr('200 OK', []);
    return [String(body)];
  });
  const client = new RawClient(port);
  yield* client.send('POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n01234');
  yield* sleep(0.05);
  assert.is(client.pending, '');
  yield* client.send('56789');
  const res = yield* client.response();
  assert.is(res?.body, '0123456789');
  client.close();
  yield* server.stop();
});

test('Expect: 100-continue is sent once, on the first read', function* () {
  const { server, port } = yield* serve(function* (request, sr) {
    const a = yield* request.input.read(2);
    const b = yield* request.input.read();
    sr('200 OK', []);
    return [`${a}${b}`];
  });
  const client = new RawClient(port);
  yield* client.send(
    'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n',
  );
  const interim = yield* client.response();
  assert.is(interim?.status, 100);
  yield* client.send('wxyz');
  const res = yield* client.response();
  assert.is(res?.status, 200);
  assert.is(res?.body, 'wxyz');
  assert.not.match(res!.head, /100 Continue/);
  client.close();
  yield* server.stop();
});

test('Expect: 100-continue is not answered when the app replies without reading', function* () {
  const { server, port } = yield* serve((_request, sr) => {
    sr('417 Expectation Failed', []);
    return ['no'];
  });
  const client = new RawClient(port);
  yield* client.send(
    'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n',
  );
  const res = yield* client.response();
  assert.is(res?.status, 417);
  const rest = yield* client.untilClosed();
  assert.not.match(rest, /100 Continue/);
  yield* server.stop();
});

test('an unread body is discarded so the next request on the connection is served', function* () {
  const { server, port } = yield* serve(function* (request, sr) {
    if (request.path === '/partial') yield* request.input.read(2);
    sr('200 OK', []);
    return [request.path];
  });
  const client = new RawClient(port);
  const big = 'z'.repeat(200_000);
  const one = yield* client.exchange(post('/ignore', big));
  assert.is(one?.body, '/ignore');
  const two = yield* client.exchange(post('/partial', big));
  assert.is(two?.body, '/partial');
  const three = yield* client.exchange('GET /last HTTP/1.1\r\nHost: t\r\n\r\n');
  assert.is(three?.body, '/last');
  client.close();
  yield* server.stop();
});

test('two greenlets reading one body at once: ConcurrentObjectUseError', function* () {
  const outcome = new AsyncResult<string>();
  const { server, port } = yield* serve(function* (request, sr) {
    const reader = spawn(function* () {
      return yield* request.input.read(4);
    });
    yield* sleep(0);
    try {
      yield* request.input.read(4);
      outcome.set('no error');
    } catch (error) {
      outcome.set(error instanceof ConcurrentObjectUseError ? 'concurrent' : String(error));
    }
    const data = yield* reader.get();
    sr('200 OK', []);
    return [data];
  });
  const client = new RawClient(port);
  yield* client.send('POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\n');
  assert.is(yield* outcome.get(), 'concurrent');
  const res = yield* client.exchange('abcd');
  assert.is(res?.body, 'abcd');
  client.close();
  yield* server.stop();
});

test('the WSGIServer constructor validates its arguments', function* () {
  assert.throws(
    () => new WSGIServer(['127.0.0.1', 0], 'app' as never),
    /application must be a function/,
  );
  assert.throws(() => new WSGIServer(['127.0.0.1', 70000], () => []), /listener port/);
  assert.throws(() => new WSGIServer('nocolon', () => []), /host:port/);
  assert.throws(
    () => new WSGIServer(['127.0.0.1', 0], () => [], { spawn: 0 }),
    /options.spawn must be >= 1/,
  );
  assert.throws(
    () => new WSGIServer(['127.0.0.1', 0], () => [], { log: 5 as never }),
    /options.log must be/,
  );
  assert.throws(
    () => new WSGIServer(['127.0.0.1', 0], () => [], { headersTimeout: 10, requestTimeout: 5 }),
    /headersTimeout must be <= options.requestTimeout/,
  );
  assert.throws(
    () => new WSGIServer(['127.0.0.1', 0], () => [], { keepAliveTimeout: -1 }),
    /keepAliveTimeout/,
  );
  yield* sleep(0);
});

test.run();
