/**
 * Plain node:http hello-world server: the baseline for `http.mjs`. Layer: scripts/bench
 * (imports nothing of the runtime). Same response as the others (text/plain, Content-Length 5).
 * Prints `listening PORT` once it accepts connections.
 *
 * @example
 * node scripts/bench/http.node.mjs --port=0
 */

import { createServer } from 'node:http';
import { args } from './_harness.mjs';

const { port } = args({ port: 0 });
const server = createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '5' });
  res.end('hello');
});
server.listen({ host: '127.0.0.1', port, backlog: 1024 }, () => {
  console.log(`listening ${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
