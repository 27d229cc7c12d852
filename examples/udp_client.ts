/**
 * UDP client (gevent's examples/udp_client.py): send one datagram and print the reply.
 *
 * Run: `node --import tsx examples/udp_client.ts [PORT] [message]`. Without a port it starts
 * the server from udp_server.ts on a free port first, talks to it and stops it, so it runs on
 * its own.
 */

import { run } from '../core/index.ts';
import { AF_INET, SOCK_DGRAM, socket } from '../core/io/socket.ts';
import { udpServer } from './udp_server.ts';

/** Sends `message` to 127.0.0.1:`port` and returns the reply (raises socket.timeout after 5 s). */
function* ask(port: number, message: string): Generator<unknown, string, unknown> {
  const sock = new socket(AF_INET, SOCK_DGRAM);
  sock.settimeout(5);
  try {
    yield* sock.sendto(message, ['127.0.0.1', port]);
    const [reply] = yield* sock.recvfrom(8192);
    return String(reply);
  } finally {
    sock.close();
  }
}

await run(function* () {
  const [portArg, message = 'Hello from the UDP client'] = process.argv.slice(2);
  if (portArg !== undefined) {
    console.log(yield* ask(Number(portArg), message));
    return;
  }
  const server = udpServer();
  yield* server.start();
  console.log(`client: sending ${JSON.stringify(message)} to port ${server.serverPort}`);
  console.log(`client: reply ${JSON.stringify(yield* ask(server.serverPort, message))}`);
  yield* server.stop();
});
