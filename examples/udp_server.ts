/**
 * UDP server (gevent's examples/udp_server.py): a DatagramServer that answers every datagram
 * with "Received N bytes".
 *
 * Run: `node --import tsx examples/udp_server.ts` — it starts the server on a free port, sends
 * it two datagrams as a client, prints the replies and stops. With `--serve PORT` it serves
 * until Ctrl-C; talk to it with `node --import tsx examples/udp_client.ts PORT message`.
 */

import { pathToFileURL } from 'node:url';
import { run } from '../core/index.ts';
import { DatagramServer } from '../core/io/server.ts';
import { AF_INET, SOCK_DGRAM, socket } from '../core/io/socket.ts';

/** The server: one greenlet per datagram, replying through the server's socket. */
export function udpServer(port = 0): DatagramServer {
  return new DatagramServer(['127.0.0.1', port], function* (data, address) {
    const [host, from] = address as [string, number];
    console.log(`server: ${host}:${from} sent ${JSON.stringify(String(data))}`);
    yield* this.sendto(`Received ${data.length} bytes`, address);
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run(function* () {
    const i = process.argv.indexOf('--serve');
    const server = udpServer(i >= 0 ? Number(process.argv[i + 1]) : 0);
    yield* server.start();
    console.log(`UDP server on ${server.serverHost}:${server.serverPort}`);
    if (i >= 0) {
      server.stopOnSignals();
      yield* server.serveForever();
      return;
    }
    const client = new socket(AF_INET, SOCK_DGRAM);
    client.settimeout(5);
    for (const message of ['hello', 'a longer datagram']) {
      yield* client.sendto(message, server.address);
      const [reply] = yield* client.recvfrom(1024);
      console.log(`client: ${JSON.stringify(String(reply))}`);
    }
    client.close();
    yield* server.stop();
    console.log('server stopped');
  });
}
