/**
 * pywsgi application errors: an exception becomes a 500 and is reported through the hub; after
 * the headers went out the connection is closed instead; startResponse refuses CR/LF (response
 * splitting) and malformed statuses; 204/304 refuse a body. gevent's test__pywsgi rules.
 */

import { AsyncResult } from '../../core/index.ts';
import {
  HeaderInjectionError,
  InvalidResponseError,
  type StartResponse,
} from '../../core/pywsgi/index.ts';
import { assert, greenletSuite, takeErrors } from '../_support/gtest.ts';
import { get, RawClient, serve } from './_support.ts';

const test = greenletSuite('pywsgi errors');

test('an exception before startResponse: 500, reported to the hub, connection closed', function* () {
  const { server, port } = yield* serve(() => {
    throw new TypeError('boom');
  });
  const res = yield* get(port);
  assert.is(res?.status, 500);
  assert.is(res?.body, 'Internal Server Error');
  assert.is(res?.headers.connection, 'close');
  const errors = takeErrors();
  assert.is(errors.length, 1);
  assert.instance(errors[0]!.error, TypeError);
  assert.match(String(errors[0]!.context), /RequestGreenlet .*GET \/ HTTP\/1.1/);
  const after = yield* get(port);
  assert.is(after?.status, 500, 'the server keeps serving');
  takeErrors();
  yield* server.stop();
});

test('an exception after startResponse but before any body: still a 500', function* () {
  const { server, port } = yield* serve(function* (_r, sr) {
    sr('200 OK', [['X-Partial', 'yes']]);
    throw new Error('late');
  });
  const res = yield* get(port);
  assert.is(res?.status, 500);
  assert.is(res?.headers['x-partial'], undefined, 'the first headers are dropped');
  assert.is(takeErrors().length, 1);
  yield* server.stop();
});

test('an exception after the headers went out: the connection is closed mid-body', function* () {
  const { server, port } = yield* serve(function* (_r, sr) {
    const write = sr('200 OK', []);
    yield* write('partial');
    throw new Error('mid-stream');
  });
  const client = new RawClient(port);
  yield* client.send('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
  const rest = yield* client.untilClosed();
  assert.match(rest, /^HTTP\/1.1 200 OK/);
  assert.match(rest, /partial/);
  assert.not.match(rest, /\r\n0\r\n\r\n$/, 'the chunked body is not terminated');
  assert.is(takeErrors().length, 1);
  yield* server.stop();
});

function refusal(call: (sr: StartResponse) => unknown) {
  const outcome = new AsyncResult<unknown>();
  const app = (_r: unknown, sr: StartResponse) => {
    try {
      call(sr);
      outcome.set('accepted');
    } catch (error) {
      outcome.set(error);
    }
    sr('200 OK', []);
    return ['fine'];
  };
  return { outcome, app };
}

test('CR/LF in the status, a header name or a header value: HeaderInjectionError', function* () {
  const cases: Array<[string, (sr: StartResponse) => unknown, RegExp]> = [
    ['status', (sr) => sr('200 OK\r\nX-Evil: 1', []), /carriage return or newline in status/],
    [
      'name',
      (sr) => sr('200 OK', [['X-A\r\nX-Evil', 'v']]),
      /carriage return or newline in header name/,
    ],
    [
      'value',
      (sr) => sr('200 OK', [['Location', '/x\r\nSet-Cookie: evil=1']]),
      /carriage return or newline in header value/,
    ],
    [
      'value LF',
      (sr) => sr('200 OK', [['X-A', 'a\nb']]),
      /carriage return or newline in header value/,
    ],
  ];
  for (const [what, call, message] of cases) {
    const { outcome, app } = refusal(call);
    const { server, port } = yield* serve(app);
    const res = yield* get(port);
    const error = yield* outcome.get();
    assert.instance(error, HeaderInjectionError, what);
    assert.instance(error, InvalidResponseError);
    assert.is((error as HeaderInjectionError).code, 'ERR_WSGI_HEADER_INJECTION');
    assert.match(String(error), message);
    assert.is(res?.status, 200);
    assert.not.match(res!.head, /Evil/i);
    yield* server.stop();
  }
});

test('malformed statuses and header names are refused at startResponse', function* () {
  const cases: Array<(sr: StartResponse) => unknown> = [
    (sr) => sr('OK', []),
    (sr) => sr('20 OK', []),
    (sr) => sr(99, []),
    (sr) => sr('200 OK', [['Bad Name', 'v']]),
    (sr) => sr('200 OK', [['X-Ctl', 'a\u0001b']]),
    (sr) => sr('200 OK', [['X-Only-Name'] as never]),
  ];
  for (const call of cases) {
    const { outcome, app } = refusal(call);
    const { server, port } = yield* serve(app);
    yield* get(port);
    const error = yield* outcome.get();
    assert.ok(error instanceof InvalidResponseError || error instanceof TypeError, String(error));
    yield* server.stop();
  }
});

test('204 and 304 refuse a body and a non-zero Content-Length', function* () {
  for (const code of [204, 304]) {
    const { outcome: lengthRefused, app: lengthApp } = refusal((sr) =>
      sr(`${code} X`, [['Content-Length', '5']]),
    );
    let served = yield* serve(lengthApp);
    yield* get(served.port);
    assert.match(
      String(yield* lengthRefused.get()),
      new RegExp(`Invalid Content-Length for ${code} response`),
    );
    yield* served.server.stop();

    const writeError = new AsyncResult<unknown>();
    served = yield* serve((_r, sr) => {
      const write = sr(`${code} X`, [['Content-Length', '0']]);
      try {
        write('body');
      } catch (error) {
        writeError.set(error);
      }
      return ['also a body'];
    });
    const res = yield* get(served.port);
    assert.match(
      String(yield* writeError.get()),
      new RegExp(`The ${code} response must have no body`),
    );
    assert.is(res?.status, 500, 'the returned body is refused too');
    assert.is(takeErrors().length, 1);
    yield* served.server.stop();

    served = yield* serve((_r, sr) => {
      sr(`${code} X`, []);
      return [];
    });
    const empty = yield* get(served.port);
    assert.is(empty?.status, code);
    yield* served.server.stop();
  }
});

test('no startResponse before the body: 500 with a clear error', function* () {
  const { server, port } = yield* serve(() => ['body']);
  const res = yield* get(port);
  assert.is(res?.status, 500);
  const errors = takeErrors();
  assert.match(String(errors[0]?.error), /did not call startResponse/);
  yield* server.stop();
});

test('a bad body chunk and a non-iterable body: 500', function* () {
  for (const body of [[42], 42]) {
    const { server, port } = yield* serve((_r, sr) => {
      sr('200 OK', []);
      return body as never;
    });
    const res = yield* get(port);
    assert.is(res?.status, 500);
    assert.instance(takeErrors()[0]?.error, InvalidResponseError);
    yield* server.stop();
  }
});

test('startResponse with excInfo replaces a status not yet sent, and re-raises once sent', function* () {
  const raised = new AsyncResult<unknown>();
  const { server, port } = yield* serve(function* (request, sr) {
    if (request.path === '/replace') {
      sr('200 OK', []);
      sr('503 Service Unavailable', [], new Error('backend down'));
      return ['retry later'];
    }
    const write = sr('200 OK', []);
    yield* write('sent');
    const original = new Error('too late');
    try {
      sr('500 Oops', [], original);
    } catch (error) {
      raised.set(error === original);
    }
    return [];
  });
  const res = yield* get(port, '/replace');
  assert.is(res?.status, 503);
  assert.is(res?.body, 'retry later');
  yield* get(port, '/sent');
  assert.is(yield* raised.get(), true);
  yield* server.stop();
});

test.run();
