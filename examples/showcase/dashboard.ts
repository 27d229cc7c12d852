/**
 * `npm start -- --serve`: the service under light synthetic load, plus a live dashboard at `/`
 * fed by `/stats`, until SIGINT or SIGTERM. Layer: example (examples/showcase).
 */

import { Event, signalHandler, sleep, spawn } from '../../core/index.ts';
import type { Request, StartResponse } from '../../core/pywsgi/index.ts';
import { startClients, timedGet } from './clients.ts';
import { dashboardHtml } from './dashboard-page.ts';
import { BlockLog } from './inspect.ts';
import { type Route, startService } from './service.ts';
import { StatsSampler } from './stats.ts';

/** Seconds between the synthetic deliberate blocks (so the blocked-hub chart has something). */
const BLOCK_EVERY = 15;

/** `/block?ms=N`: the request's greenlet busy-loops on the hub for N ms (at most 1000). */
function* blockRoute(request: Request, startResponse: StartResponse) {
  const asked = Number(new URLSearchParams(request.query).get('ms') ?? 200);
  const ms = Number.isFinite(asked) ? Math.min(1000, Math.max(0, asked)) : 200;
  const end = performance.now() + ms;
  while (performance.now() < end) {} // deliberately blocking: the monitor reports it
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return `blocked the hub for ${ms} ms\n`;
}

function dashboardRoutes(stats: () => StatsSampler): Record<string, Route> {
  return {
    *'/'(_request, startResponse) {
      startResponse('200 OK', [['Content-Type', 'text/html; charset=utf-8']]);
      return dashboardHtml();
    },
    *'/stats'(_request, startResponse) {
      startResponse('200 OK', [
        ['Content-Type', 'application/json'],
        ['Cache-Control', 'no-store'],
      ]);
      return JSON.stringify(stats().payload());
    },
    '/block': blockRoute,
  };
}

/**
 * Serves the dashboard on 127.0.0.1:`port` (0: a free port) until SIGINT/SIGTERM, then stops
 * everything and returns.
 *
 * @example
 * await run(() => serveDashboard(8080, calibrateRounds(50)));
 */
export function* serveDashboard(port: number, rounds: number): Generator<unknown, void, unknown> {
  const blocks = yield* BlockLog.start();
  let sampler: StatsSampler | null = null;
  const service = yield* startService({
    port,
    rounds,
    routes: dashboardRoutes(() => sampler!),
  });
  sampler = new StatsSampler(service.pool, blocks);
  sampler.start();
  const stats = sampler;
  const io = startClients(service.base, '/io', 4, {
    name: 'io-client',
    pause: 0.05,
    onLatency: (ms) => stats.recordLatency(ms),
  });
  const cpu = startClients(service.base, '/cpu', 2, { name: 'cpu-client', pause: 0.2 });
  const blocker = spawn(function* () {
    for (;;) {
      yield* sleep(BLOCK_EVERY);
      yield* timedGet(`${service.base}/block?ms=150`);
    }
  });
  blocker.name = 'deliberate-blocker';

  const stop = new Event();
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) =>
    signalHandler(signal, () => {
      console.log(`${signal}: stopping`);
      stop.set();
    }),
  );
  console.log(`dashboard: http://127.0.0.1:${service.port}/  (Ctrl-C to stop)`);
  try {
    yield* stop.wait();
  } finally {
    for (const handler of handlers) handler.cancel();
    yield* blocker.kill();
    yield* io.stop();
    yield* cpu.stop();
    yield* stats.stop();
    yield* service.stop();
    yield* blocks.close();
  }
  console.log(`stopped cleanly; ${blocks.total} blocked-hub reports while serving`);
}
