/**
 * Benchmark server, our side: gevent-ts's StreamServer echoing on 127.0.0.1 (a greenlet per
 * connection: recv 64 KiB, sendall, until EOF) — the same handler as gevent's bench server.
 * Layer: scripts/bench; imports the built package. Driven by `echo.mjs`, which reads the port
 * from the first stdout line (`{"port": N}`) and stops it with SIGTERM (a graceful stop).
 *
 * @example
 * node scripts/bench/echo.server.mjs --port=0
 */

import { run } from '../../dist/core/index.js';
import { StreamServer } from '../../dist/core/io/server.js';
import { args } from './_harness.mjs';

const { port } = args({ port: 0 });

await run(function* () {
  const server = new StreamServer(
    ['127.0.0.1', port],
    function* (sock) {
      for (;;) {
        const data = yield* sock.recv(65536);
        if (data.length === 0) return;
        yield* sock.sendall(data);
      }
    },
    { backlog: 1024 },
  );
  yield* server.start();
  server.stopOnSignals(['SIGTERM', 'SIGINT'], { timeout: 1 });
  console.log(JSON.stringify({ port: server.serverPort }));
  yield* server.serveForever();
});
