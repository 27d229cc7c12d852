/**
 * The showcase's HTTP service: a WSGIServer with an I/O endpoint and a CPU endpoint, the CPU
 * work running on a ThreadPool so the I/O endpoint's latency stays flat. `/cpu-inline` does the
 * same work on the hub's own thread, for contrast (and to give the monitor something to report).
 * Layer: example (examples/showcase).
 */

import { pbkdf2Sync } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Greenlet, getcurrent, sleep } from '../../core/index.ts';
import { type Request, type StartResponse, WSGIServer } from '../../core/pywsgi/index.ts';
import { ThreadPool } from '../../threadpool/index.ts';

/** The CPU work: pbkdf2 over `rounds` (tens of ms). Shipped to the threads as source. */
const hashOnThread = (rounds: number): string =>
  require('node:crypto').pbkdf2Sync('password', 'salt', rounds, 32, 'sha256').toString('hex');

/** The same work, run where it is called (on the hub's thread when a greenlet calls it). */
function hashHere(rounds: number): string {
  return pbkdf2Sync('password', 'salt', rounds, 32, 'sha256').toString('hex');
}

/**
 * How many pbkdf2 rounds take about `ms` milliseconds on this machine: the median of five
 * timed probes (a shared machine's timings jump around), measured once before the service
 * starts, since the measuring itself blocks.
 *
 * @example
 * const rounds = calibrateRounds(150);
 */
export function calibrateRounds(ms: number): number {
  const probe = 20_000;
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    hashHere(probe);
    times.push(performance.now() - start);
  }
  const median = times.sort((a, b) => a - b)[2]!;
  return Math.min(2_000_000, Math.max(probe, Math.round((probe * ms) / Math.max(median, 0.1))));
}

/** A route's handler: a greenlet body returning the response body (see gevent-ts/pywsgi). */
export type Route = (
  request: Request,
  startResponse: StartResponse,
) => Generator<unknown, string | string[], unknown>;

/** Options of `startService`. */
export interface ServiceOptions {
  /** Port on 127.0.0.1 (0: any free one). */
  port: number;
  /** pbkdf2 rounds per CPU request. */
  rounds: number;
  /** Extra routes by path (the dashboard's `/` and `/stats`). */
  routes?: Record<string, Route>;
}

/** A running service: the server, its thread pool, and counters. */
export interface Service {
  server: WSGIServer;
  pool: ThreadPool;
  base: string;
  port: number;
  /** CPU requests completed, on the pool and inline. */
  cpuDone: { pool: number; inline: number };
  /** Stops the server and closes the pool. */
  stop(): Generator<unknown, void, unknown>;
}

/** Threads for the CPU endpoint: one core is left to the hub, which serves the I/O. */
export const CPU_THREADS = Math.max(1, availableParallelism() - 1);

function text(startResponse: StartResponse, status: string, body: string): string {
  startResponse(status, [['Content-Type', 'text/plain']]);
  return body;
}

/** Names the request's greenlet after its route, so the tree and the monitor say what it is. */
function nameRequest(request: Request): void {
  const g = getcurrent();
  if (g instanceof Greenlet) g.name = `${request.method} ${request.path}`;
}

/**
 * Starts the service on 127.0.0.1: `/io` (a 5 ms cooperative sleep), `/cpu` (pbkdf2 on the
 * ThreadPool), `/cpu-inline` (the same pbkdf2 on the hub), plus `options.routes`.
 *
 * @example
 * const service = yield* startService({ port: 0, rounds: calibrateRounds(50) });
 * yield* service.stop();
 */
export function* startService(options: ServiceOptions): Generator<unknown, Service, unknown> {
  const pool = new ThreadPool(CPU_THREADS);
  const cpuDone = { pool: 0, inline: 0 };
  const routes: Record<string, Route> = {
    *'/io'(_request, startResponse) {
      yield* sleep(0.005);
      return text(startResponse, '200 OK', 'io done\n');
    },
    *'/cpu'(_request, startResponse) {
      const digest = yield* pool.apply(hashOnThread, [options.rounds]);
      cpuDone.pool++;
      return text(startResponse, '200 OK', `${digest}\n`);
    },
    *'/cpu-inline'(_request, startResponse) {
      const digest = hashHere(options.rounds);
      cpuDone.inline++;
      return text(startResponse, '200 OK', `${digest}\n`);
    },
    ...options.routes,
  };
  const app = function* (request: Request, startResponse: StartResponse) {
    nameRequest(request);
    const route = routes[request.path];
    if (route === undefined) return text(startResponse, '404 Not Found', 'not found\n');
    return yield* route(request, startResponse);
  };
  const server = new WSGIServer(['127.0.0.1', options.port], app, { log: null });
  yield* server.start();
  const port = server.serverPort;
  return {
    server,
    pool,
    port,
    base: `http://127.0.0.1:${port}`,
    cpuDone,
    *stop() {
      yield* server.stop(1);
      yield* pool.close();
    },
  };
}
