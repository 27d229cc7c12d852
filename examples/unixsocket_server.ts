/**
 * Unix-socket server (gevent's examples/unixsocket_server.py serves over an AF_UNIX listener):
 * a StreamServer bound to a filesystem path, answering each line with a reply.
 *
 * Run: `node --import tsx examples/unixsocket_server.ts` — it serves on a socket file in a temp
 * directory, talks to itself as a client, stops and removes the directory. With `--serve PATH`
 * it serves on PATH until Ctrl-C (then try unixsocket_client.ts PATH).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { run } from '../core/index.ts';
import { StreamServer } from '../core/io/server.ts';
import { AF_UNIX, socket } from '../core/io/socket.ts';

/** A line server on the Unix socket at `path`. */
export function unixServer(path: string): StreamServer {
  return new StreamServer(path, function* (sock: socket) {
    const file = sock.makefile('rwb');
    for (;;) {
      const line = String(yield* file.readline()).trim();
      if (line === '') break;
      yield* file.write(Buffer.from(`you said ${JSON.stringify(line)} over ${path}\n`));
      yield* file.flush();
    }
    file.close();
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run(function* () {
    const i = process.argv.indexOf('--serve');
    if (i >= 0) {
      const server = unixServer(process.argv[i + 1] ?? '');
      server.stopOnSignals();
      yield* server.serveForever();
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'gevent-ts-example-'));
    try {
      const server = unixServer(join(dir, 'server.sock'));
      yield* server.start();
      console.log('server: listening on', server.address);
      const client = new socket(AF_UNIX);
      yield* client.connect(join(dir, 'server.sock'));
      yield* client.sendall('hello\n');
      const replies = client.makefile('rb');
      console.log('client:', String(yield* replies.readline()).trim());
      replies.close();
      client.close();
      yield* server.stop();
      console.log('server stopped');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
