/**
 * Backdoor (gevent's `python -m gevent.backdoor PORT`): a REPL over TCP into this process, with
 * the runtime's names and our own `locals` in scope.
 *
 * Run: `node --import tsx examples/backdoor.ts` — it starts a backdoor on a free loopback port
 * with a few worker greenlets running, connects to it itself, runs two commands (one of them
 * waits for a greenlet with `await wait(...)`), prints the replies and stops. With `--serve PORT`
 * it keeps serving until Ctrl-C: try `nc 127.0.0.1 PORT` and type `jobs.map(String)`.
 */

import { BackdoorServer, PROMPT } from '../core/backdoor.ts';
import { Event, type Greenlet, run, sleep, spawn } from '../core/index.ts';
import { createConnection, type socket } from '../core/io/socket.ts';

/** Reads from `sock` until the REPL prompt; returns what came before it. */
function* readReply(sock: socket): Generator<unknown, string, unknown> {
  let text = '';
  while (!text.endsWith(PROMPT)) {
    const data = yield* sock.recv(4096);
    if (data.length === 0) throw new Error(`the backdoor closed the connection after ${text}`);
    text += String(data);
  }
  return text.slice(0, -PROMPT.length).trimEnd();
}

/** A few greenlets for the console to look at: each waits for `go`, then returns its number. */
function workers(go: Event): Array<Greenlet<number>> {
  return [1, 2, 3].map((n) =>
    spawn(function* worker() {
      yield* go.wait();
      yield* sleep(0.01 * n);
      return n * n;
    }),
  );
}

function* demo(): Generator<unknown, void, unknown> {
  const go = new Event();
  const jobs = workers(go);
  const server = new BackdoorServer(['127.0.0.1', 0], {
    banner: 'gevent-ts backdoor: `jobs` and `go` are in scope',
    locals: { jobs, go },
  });
  yield* server.start();
  console.log(`backdoor listening on ${server.serverHost}:${server.serverPort}`);

  const client = yield* createConnection(['127.0.0.1', server.serverPort], { timeout: 5 });
  console.log(`banner: ${yield* readReply(client)}`);
  const commands = [
    'jobs.map((g) => g.dead)',
    'go.set(); await wait(jobs), jobs.map((g) => g.value)',
  ];
  for (const command of commands) {
    yield* client.sendall(`${command}\n`);
    console.log(`${PROMPT}${command}\n${yield* readReply(client)}`);
  }
  yield* client.sendall('quit()\n');
  const after = yield* client.recv(4096);
  console.log(`after quit() the backdoor closes the connection: ${after.length === 0}`);
  client.close();
  yield* server.stop();
  console.log('backdoor stopped');
}

function* serve(port: number): Generator<unknown, void, unknown> {
  const go = new Event();
  const server = new BackdoorServer(['127.0.0.1', port], { locals: { jobs: workers(go), go } });
  server.stopOnSignals();
  yield* server.start();
  console.log(
    `backdoor on 127.0.0.1:${server.serverPort} (Ctrl-C stops): nc 127.0.0.1 ${server.serverPort}`,
  );
  yield* server.serveForever();
  go.set();
}

await run(function* main() {
  const i = process.argv.indexOf('--serve');
  if (i >= 0) yield* serve(Number(process.argv[i + 1] ?? 0));
  else yield* demo();
});
