/**
 * A WSGI web proxy (gevent's examples/webproxy.py): `GET /http://host/page` fetches the page
 * cooperatively, rewrites its absolute links to go through the proxy, and streams it back.
 * The example starts its own upstream site on loopback, browses it through the proxy, and
 * prints what the proxy returned. While one request waits on the upstream, the proxy serves
 * others: each request is a greenlet.
 * Run: node --import tsx examples/webproxy.ts
 */
import { joinall, run, sleep, spawn, until } from '../core/index.ts';
import { type Request, type StartResponse, WSGIServer } from '../core/pywsgi/index.ts';

/** The upstream site: two pages linking to each other, one of them slow. */
function* upstream(request: Request, startResponse: StartResponse) {
  const base = `http://127.0.0.1:${request.environ.SERVER_PORT}`;
  if (request.path === '/slow') yield* sleep(0.2);
  if (request.path === '/' || request.path === '/slow') {
    startResponse('200 OK', [['Content-Type', 'text/html']]);
    return [`<a href="${base}/about">about</a> <a href="${base}/slow">slow</a> (${request.path})`];
  }
  if (request.path === '/about') {
    startResponse('200 OK', [['Content-Type', 'text/html']]);
    return [`<a href="${base}/">home</a> about page`];
  }
  startResponse('404 Not Found', [['Content-Type', 'text/plain']]);
  return ['no such page'];
}

/** The proxy: the target URL is the path; absolute links in HTML are rewritten to /URL. */
function* proxy(request: Request, startResponse: StartResponse) {
  const target = request.url.slice(1);
  if (!/^https?:\/\//.test(target)) {
    startResponse('400 Bad Request', [['Content-Type', 'text/plain']]);
    return ['usage: /http://host/path'];
  }
  const response = yield* until(fetch(target, { redirect: 'manual' }));
  const type = response.headers.get('content-type') ?? 'application/octet-stream';
  let body = yield* until(response.text());
  if (type.startsWith('text/html')) body = body.replace(/href="(https?:\/\/[^"]+)"/g, 'href="/$1"');
  startResponse(`${response.status} ${response.statusText}`, [['Content-Type', type]]);
  return [body];
}

await run(function* main() {
  const site = new WSGIServer(['127.0.0.1', 0], upstream, { log: null });
  const web = new WSGIServer(['127.0.0.1', 0], proxy, { log: null });
  yield* site.start();
  yield* web.start();
  const proxied = (path: string) =>
    `http://127.0.0.1:${web.serverPort}/http://127.0.0.1:${site.serverPort}${path}`;
  console.log(`upstream on port ${site.serverPort}, proxy on port ${web.serverPort}`);

  const fetchText = function* (url: string) {
    const started = performance.now();
    const response = yield* until(fetch(url));
    const text = yield* until(response.text());
    return { status: response.status, text, ms: Math.round(performance.now() - started) };
  };
  const jobs = ['/', '/about', '/slow', '/missing'].map((path) => spawn(fetchText, proxied(path)));
  yield* joinall(jobs, { timeout: 10 });
  for (const [i, path] of ['/', '/about', '/slow', '/missing'].entries()) {
    const r = jobs[i]!.value!;
    console.log(`proxy GET ${path} -> ${r.status} (${r.ms} ms) ${r.text}`);
  }
  yield* web.stop();
  yield* site.stop();
  console.log('links now point through the proxy; both servers stopped');
});
