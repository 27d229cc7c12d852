/**
 * gevent-ts/pywsgi: gevent's WSGI server for TypeScript — an HTTP/1.1 server on node:http whose
 * application runs in a greenlet per request and may block cooperatively. Layer: io (pywsgi).
 *
 * The application is WSGI carried into TypeScript: `app(request, startResponse)` returns the
 * body.
 * - `request` is the environ: typed properties (`method`, `path`, `query`, `headers`,
 *   `remoteAddr`, `input`...) and, for ported code, `request.environ` (the CGI/WSGI dictionary).
 * - `request.input` reads the body by Op: `read(n)`, `read()`, `readline()`, `next()`.
 * - `startResponse(status, headers)` validates (CR/LF refused) and returns `write(chunk)`.
 * - The body: a string, a Uint8Array or an array of them (Content-Length computed); an iterable
 *   or async iterable of chunks (chunked on HTTP/1.1); or nothing after streaming `write()`s.
 * - A generator function app is the greenlet's body: its `yield*` are switch points (sleep,
 *   queues, sockets) and its *return value* is the response body. Chunks are never `yield`ed.
 *
 * @example
 * import { run, sleep } from 'gevent-ts';
 * import { WSGIServer } from 'gevent-ts/pywsgi';
 * await run(function* () {
 *   const server = new WSGIServer(['127.0.0.1', 8088], function* (request, startResponse) {
 *     const write = startResponse('200 OK', [['Content-Type', 'text/plain']]);
 *     for (let i = 3; i > 0; i--) {
 *       yield* write(`${i}...\n`);   // streamed, chunked
 *       yield* sleep(0.5);           // other requests run meanwhile
 *     }
 *     return ['liftoff\n'];
 *   });
 *   server.stopOnSignals();
 *   yield* server.serveForever();
 * });
 */

export { formatAccessLine, type LogTarget } from './access-log.ts';
export { ClientDisconnected, HeaderInjectionError, InvalidResponseError } from './errors.ts';
export type { App } from './handler.ts';
export type { HeaderList } from './headers.ts';
export { Input } from './input.ts';
export type { WSGIListener } from './listener.ts';
export type { WSGIServerOptions, WSGISslOptions } from './options.ts';
export { type Environ, Request } from './request.ts';
export type { Body, Chunk, StartResponse, Write } from './response.ts';
export { parseServeArgs, type ServeArgs, serveCommand } from './serve.ts';
export { WSGIServer } from './server.ts';
