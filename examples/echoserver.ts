/**
 * Echo server (gevent's examples/echoserver.py): a StreamServer that greets each client and
 * echoes its lines back through `makefile()` until it sends "quit".
 *
 * Run: `node --import tsx examples/echoserver.ts` — it starts the server on a free port, talks
 * to it as a client, prints the conversation and stops. Pass `--serve` to keep it running
 * (Ctrl-C stops it gracefully).
 */

import { run } from '../core/index.ts';
import { StreamServer } from '../core/io/server.ts';
import { createConnection, type socket } from '../core/io/socket.ts';

/** One connection: greet, then echo lines until "quit" or EOF. */
function* echo(sock: socket, address: unknown): Generator<unknown, void, unknown> {
  console.log('server: new connection from', address);
  yield* sock.sendall('Welcome to the echo server! Type quit to exit.\r\n');
  const file = sock.makefile('rwb');
  try {
    for (;;) {
      const line = yield* file.readline();
      if (line.length === 0) {
        console.log('server: client disconnected');
        return;
      }
      if (String(line).trim().toLowerCase() === 'quit') {
        console.log('server: client quit');
        return;
      }
      yield* file.write(line);
      yield* file.flush();
      console.log('server: echoed', JSON.stringify(String(line)));
    }
  } finally {
    file.close();
  }
}

/** A client that says a few lines, prints what comes back, then quits. */
function* talk(port: number): Generator<unknown, void, unknown> {
  const sock = yield* createConnection(['127.0.0.1', port], { timeout: 5 });
  const file = sock.makefile('rwb');
  console.log('client: got greeting', JSON.stringify(String(yield* file.readline())));
  for (const text of ['hello', 'gevent-ts']) {
    yield* file.write(Buffer.from(`${text}\r\n`));
    yield* file.flush();
    console.log('client: got back', JSON.stringify(String(yield* file.readline())));
  }
  yield* file.write(Buffer.from('quit\r\n'));
  yield* file.flush();
  const closed = (yield* file.readline()).length === 0;
  console.log(`client: after quit the server closes: ${closed}`);
  file.close();
  sock.close();
}

await run(function* () {
  const serveForever = process.argv.includes('--serve');
  const server = new StreamServer(['127.0.0.1', serveForever ? 16000 : 0], echo);
  yield* server.start();
  console.log(`echo server on ${server.serverHost}:${server.serverPort}`);
  if (serveForever) {
    server.stopOnSignals();
    yield* server.serveForever();
    return;
  }
  yield* talk(server.serverPort);
  yield* server.stop();
  console.log('server stopped');
});
