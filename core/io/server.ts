/**
 * gevent-ts/server: StreamServer (TCP, Unix sockets, TLS) and DatagramServer (UDP), with a
 * greenlet per connection or datagram and a graceful stop. Layer: io.
 *
 * @example
 * import { run } from 'gevent-ts';
 * import { StreamServer } from 'gevent-ts/server';
 * await run(function* () {
 *   const server = new StreamServer(['127.0.0.1', 16000], function* (sock) {
 *     yield* sock.sendall('Welcome to the echo server! Type quit to exit.\r\n');
 *     const f = sock.makefile('rwb');
 *     for (;;) {
 *       const line = yield* f.readline();
 *       if (line.length === 0 || String(line).trim() === 'quit') break;
 *       yield* f.write(line);
 *       yield* f.flush();
 *     }
 *     f.close();
 *   });
 *   server.stopOnSignals();
 *   yield* server.serveForever();
 * });
 */

export { BaseServer, type BaseServerOptions, type SpawnOption } from './base-server.ts';
export { type DatagramHandler, DatagramServer } from './datagram-server.ts';
export {
  type Listener,
  parseListener,
  type ServerSslOptions,
  type StreamHandler,
  StreamServer,
  type StreamServerOptions,
} from './stream-server.ts';
