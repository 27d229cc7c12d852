/**
 * Unix-socket client (gevent's examples/unixsocket_client.py): connect to a server's socket
 * file, send a line, print the answer.
 *
 * Run: `node --import tsx examples/unixsocket_client.ts [PATH]`. Without a path it starts the
 * server from unixsocket_server.ts on a temporary socket file, asks it, and cleans up.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { run } from '../core/index.ts';
import { AF_UNIX, socket } from '../core/io/socket.ts';
import { unixServer } from './unixsocket_server.ts';

/** Sends one line to the server at `path` and returns its answer. */
export function* askUnix(path: string, line: string): Generator<unknown, string, unknown> {
  const sock = new socket(AF_UNIX);
  sock.settimeout(5);
  try {
    yield* sock.connect(path);
    const file = sock.makefile('rwb');
    yield* file.write(Buffer.from(`${line}\n`));
    yield* file.flush();
    const answer = String(yield* file.readline()).trim();
    file.close();
    return answer;
  } finally {
    sock.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run(function* () {
    const path = process.argv[2];
    if (path !== undefined) {
      console.log(yield* askUnix(path, 'hello'));
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'gevent-ts-example-'));
    try {
      const server = unixServer(join(dir, 'demo.sock'));
      yield* server.start();
      console.log('client: asking the server at', server.address);
      console.log('client: answer', yield* askUnix(join(dir, 'demo.sock'), 'ping'));
      yield* server.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
