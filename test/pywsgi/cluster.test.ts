/**
 * pywsgi `workers`: the server in 2 processes through node:cluster sharing one port on loopback,
 * connections spread over both, a dead worker replaced, and a graceful stop that leaves no
 * process behind. This file is also the workers' script: in a cluster worker it serves instead
 * of testing.
 */

import cluster from 'node:cluster';
import { connect } from 'node:net';
import { run, until } from '../../core/index.ts';
import { type App, WSGIServer, type WSGIServerOptions } from '../../core/pywsgi/index.ts';
import { assert, greenletSuite } from '../_support/gtest.ts';
import { get } from './_support.ts';

const whoAmI: App = (_request, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [String(process.pid)];
};

const options: WSGIServerOptions = {
  workers: 2,
  log: null,
  workerExec: import.meta.filename,
  workerArgs: [],
};

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function refused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

if (cluster.isWorker) {
  // A worker: the very same construction serves here (the cluster shares the port).
  await run(function* () {
    const server = new WSGIServer(['127.0.0.1', 0], whoAmI, options);
    yield* server.serveForever();
  });
} else {
  const test = greenletSuite('pywsgi workers (node:cluster)');

  test('2 workers share one port; connections reach both; stop() leaves no process', function* () {
    const server = new WSGIServer(['127.0.0.1', 0], whoAmI, options);
    yield* server.start();
    const pids = server.workerPids;
    try {
      assert.is(pids.length, 2);
      assert.not.ok(pids.includes(process.pid));
      const port = server.serverPort;
      assert.ok(port > 0);
      const answered = new Set<string>();
      // Bounded: the kernel spreads connections over the workers, so both answer well within this.
      for (let i = 0; i < 200 && answered.size < 2; i++)
        answered.add((yield* get(port))?.body ?? '');
      assert.equal([...answered].sort(), pids.map(String).sort());
      yield* server.stop(2);
      assert.is(yield* until(refused(port)), 'ECONNREFUSED');
      assert.equal(server.workerPids, []);
      assert.equal(pids.filter(alive), []);
    } finally {
      for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
    }
  });

  test('a worker that dies is replaced and the port keeps serving', function* () {
    const server = new WSGIServer(['127.0.0.1', 0], whoAmI, { ...options, errorLog: null });
    yield* server.start();
    const first = server.workerPids;
    const seen: number[] = [...first];
    try {
      process.kill(first[0]!, 'SIGKILL');
      const replaced = yield* until(
        new Promise<number>((resolve) =>
          cluster.once('listening', (worker) => resolve(worker.process.pid ?? 0)),
        ),
      );
      seen.push(replaced);
      assert.not.ok(first.includes(replaced));
      assert.equal(server.workerPids.sort(), [first[1]!, replaced].sort());
      const answered = new Set<string>();
      for (let i = 0; i < 6; i++) answered.add((yield* get(server.serverPort))?.body ?? '');
      assert.not.ok(answered.has(String(first[0])));
      yield* server.stop(2);
      assert.equal(seen.filter(alive), []);
    } finally {
      for (const pid of seen.filter(alive)) process.kill(pid, 'SIGKILL');
    }
  });

  test.run();
}
