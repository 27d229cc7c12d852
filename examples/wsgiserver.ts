/**
 * A minimal WSGI server (gevent's examples/wsgiserver.py): '/' answers "hello world", anything
 * else 404. The example starts it on a free loopback port, requests it itself, prints what came
 * back, and stops the server gracefully.
 * Run: node --import tsx examples/wsgiserver.ts
 */
import { run, sleep, until } from '../core/index.ts';
import { type Request, type StartResponse, WSGIServer } from '../core/pywsgi/index.ts';

function* application(request: Request, startResponse: StartResponse) {
  if (request.path === '/') {
    yield* sleep(0.01); // the app may block cooperatively: other requests run meanwhile
    startResponse('200 OK', [['Content-Type', 'text/html']]);
    return ['<b>hello world</b>'];
  }
  startResponse('404 Not Found', [['Content-Type', 'text/html']]);
  return ['<h1>Not Found</h1>'];
}

await run(function* main() {
  const server = new WSGIServer(['127.0.0.1', 0], application, { log: null });
  yield* server.start();
  console.log(`Serving on http://127.0.0.1:${server.serverPort}`);
  for (const path of ['/', '/missing']) {
    const response = yield* until(fetch(`http://127.0.0.1:${server.serverPort}${path}`));
    const body = yield* until(response.text());
    console.log(`GET ${path} -> ${response.status} ${body}`);
  }
  yield* server.stop();
  console.log('server stopped');
});
