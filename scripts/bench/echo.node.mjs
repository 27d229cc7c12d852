/**
 * Benchmark server, baseline: a plain Node `net` echo server on 127.0.0.1 (`data` -> `write`),
 * the same as ../../../shared/anchors/gevent/bench/echo_server_node.js. Layer: scripts/bench.
 * Prints `{"port": N}` first; exits on SIGTERM.
 *
 * @example
 * node scripts/bench/echo.node.mjs --port=0
 */

import net from 'node:net';
import { args } from './_harness.mjs';

const { port } = args({ port: 0 });

const server = net.createServer((sock) => {
  sock.on('data', (data) => sock.write(data));
  sock.on('error', () => {});
});
server.listen({ port, host: '127.0.0.1', backlog: 1024 }, () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
process.on('SIGTERM', () => process.exit(0));
