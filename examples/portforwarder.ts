/**
 * Port forwarder (gevent's examples/portforwarder.py): a StreamServer that connects each client
 * to a remote address and copies bytes both ways with two greenlets. SIGTERM and SIGINT stop it
 * gracefully: it stops accepting at once and lets open connections finish (up to a deadline).
 *
 * Run: `node --import tsx examples/portforwarder.ts` — it starts a small target server, starts
 * the forwarder in front of it, sends one request through the forwarder, then sends itself
 * SIGTERM and shows the graceful stop. With `--serve SOURCE_PORT REMOTE_HOST:REMOTE_PORT` it
 * just forwards until Ctrl-C.
 */

import { joinall, run, spawn } from '../core/index.ts';
import { StreamServer } from '../core/io/server.ts';
import { type Address, createConnection, SHUT_WR, type socket } from '../core/io/socket.ts';

/** Copies from `source` to `dest` until EOF, then half-closes `dest` so the peer sees EOF too. */
function* forward(source: socket, dest: socket): Generator<unknown, void, unknown> {
  try {
    for (;;) {
      const data = yield* source.recv(65536);
      if (data.length === 0) break;
      yield* dest.sendall(data);
    }
    dest.shutdown(SHUT_WR);
  } catch {
    // One side went away: the other greenlet sees it as well.
  }
}

/** A forwarding server on `port` (0: any free port) to `remote`. */
function forwarder(remote: [string, number], port = 0): StreamServer {
  return new StreamServer(['127.0.0.1', port], function* (client: socket, address: Address) {
    const upstream = yield* createConnection(remote, { timeout: 5 });
    const [host, clientPort] = address as [string, number];
    console.log(`forwarder: ${host}:${clientPort} -> ${remote.join(':')}`);
    try {
      yield* joinall([spawn(forward, client, upstream), spawn(forward, upstream, client)]);
    } finally {
      upstream.close();
    }
  });
}

/** The target: answers one line with an upper-cased copy, after a short pause. */
function target(): StreamServer {
  return new StreamServer(['127.0.0.1', 0], function* (sock: socket) {
    const file = sock.makefile('rb');
    const line = String(yield* file.readline()).trim();
    file.close();
    yield* sock.sendall(`target says: ${line.toUpperCase()}\n`);
  });
}

function* demo(): Generator<unknown, void, unknown> {
  const remote = target();
  yield* remote.start();
  const server = forwarder([remote.serverHost, remote.serverPort]);
  yield* server.start();
  server.stopOnSignals(['SIGTERM', 'SIGINT'], { timeout: 2 });
  console.log(`target on ${remote.serverPort}, forwarder on ${server.serverPort}`);

  const client = yield* createConnection(['127.0.0.1', server.serverPort], { timeout: 5 });
  yield* client.sendall('hello through the forwarder\n');
  const replies = client.makefile('rb');
  console.log('client: got', JSON.stringify(String(yield* replies.readline())));
  replies.close();
  client.close();

  console.log('sending SIGTERM to ourselves...');
  process.kill(process.pid, 'SIGTERM');
  yield* server.waitStopped();
  console.log('forwarder stopped gracefully; new connections are refused:');
  try {
    yield* createConnection(['127.0.0.1', server.serverPort]);
  } catch (error) {
    console.log('  ', String(error));
  }
  yield* remote.stop();
}

function* serve(sourcePort: number, remote: string): Generator<unknown, void, unknown> {
  const [host, port] = remote.split(':');
  const server = forwarder([host!, Number(port)], sourcePort);
  yield* server.start();
  server.stopOnSignals();
  console.log(`forwarding 127.0.0.1:${sourcePort} -> ${remote} (Ctrl-C stops)`);
  yield* server.serveForever();
}

await run(function* main() {
  const i = process.argv.indexOf('--serve');
  if (i >= 0) yield* serve(Number(process.argv[i + 1]), process.argv[i + 2] ?? '');
  else yield* demo();
});
