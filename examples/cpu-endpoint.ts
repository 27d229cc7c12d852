/**
 * A CPU-heavy HTTP endpoint that does not stall the server: `/hash` runs its work on a
 * ThreadPool while `/ping` stays fast. For contrast, `/hash-inline` does the same work on the
 * hub's own thread, and every `/ping` waits behind it. The example starts the server on
 * 127.0.0.1 (a free port), requests both endpoints at once, prints the latencies and exits.
 * Run: node --import tsx examples/cpu-endpoint.ts
 */

import { pbkdf2Sync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type Greenlet, run, sleep, spawn, until } from '../core/index.ts';
import { ThreadPool } from '../threadpool/index.ts';

const ROUNDS = 40_000; // pbkdf2 rounds per /hash request: tens of milliseconds of CPU
const pool = new ThreadPool(2);

/** Runs in a worker thread (shipped as source: it uses only its argument and `require`). */
const hash = (rounds: number) =>
  require('node:crypto').pbkdf2Sync('password', 'salt', rounds, 32, 'sha256').toString('hex');

/** Each request is handled by its own greenlet. */
function handle(req: IncomingMessage, res: ServerResponse): void {
  spawn(function* () {
    if (req.url === '/hash') res.end(yield* pool.apply(hash, [ROUNDS]));
    else if (req.url === '/hash-inline') {
      res.end(pbkdf2Sync('password', 'salt', ROUNDS, 32, 'sha256').toString('hex'));
    } else if (req.url === '/ping') res.end('pong');
    else {
      res.statusCode = 404;
      res.end();
    }
  });
}

/** GETs `path` and returns how long it took, in ms. */
function* timedGet(base: string, path: string): Generator<unknown, number, unknown> {
  const start = performance.now();
  const response = yield* until(fetch(base + path));
  yield* until(response.text());
  return performance.now() - start;
}

/** Four heavy requests at once while /ping is polled every 10 ms; the pings' latencies. */
function* scenario(base: string, heavy: string): Generator<unknown, number[], unknown> {
  const heavies = [1, 2, 3, 4].map(() => spawn(timedGet, base, heavy));
  const pings: number[] = [];
  while (!heavies.every((g: Greenlet<number>) => g.dead) && pings.length < 500) {
    pings.push(yield* timedGet(base, '/ping'));
    yield* sleep(0.01);
  }
  yield* pool.join();
  return pings;
}

const summary = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  const p50 = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const max = sorted[sorted.length - 1] ?? 0;
  return `/ping p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms over ${ms.length} requests`;
};

await run(function* main() {
  const server = createServer(handle);
  yield* until(new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
  const { port } = server.address() as { port: number };
  const base = `http://127.0.0.1:${port}`;
  yield* timedGet(base, '/hash'); // start the pool's thread(s) and warm up (not measured)

  const onPool = yield* scenario(base, '/hash');
  console.log(`4 x /hash on the ThreadPool:    ${summary(onPool)}`);
  const inline = yield* scenario(base, '/hash-inline');
  console.log(`4 x /hash-inline on the hub:    ${summary(inline)}`);

  server.closeAllConnections();
  server.close();
  yield* pool.close();
});
