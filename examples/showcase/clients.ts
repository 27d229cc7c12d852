/**
 * Load generators for the showcase: greenlets that request one path of the service over and
 * over (fetch, keep-alive) and record each request's latency. Layer: example (examples/showcase).
 */

import { type Greenlet, joinall, killall, sleep, spawn, until } from '../../core/index.ts';

/** Options of `startClients`. */
export interface ClientOptions {
  /** Greenlet names are `${name}-1`, `${name}-2`... */
  name: string;
  /** Seconds each client waits between its requests (0: none). */
  pause?: number;
  /** Called with each successful request's latency, in ms. */
  onLatency?: (ms: number) => void;
}

/** A running set of clients. */
export interface Clients {
  readonly greenlets: Greenlet<void>[];
  /** Latencies (ms) of the requests since the last `takeLatencies()`. */
  takeLatencies(): number[];
  /** Requests that failed (connection refused while stopping, non-200...). */
  readonly errors: number;
  /** Asks the clients to stop after their current request and waits (bounded) for them. */
  stop(): Generator<unknown, void, unknown>;
}

/**
 * One GET, body read to the end; its latency in ms, or null when it failed.
 *
 * @example
 * const ms = yield* timedGet('http://127.0.0.1:8080/io');
 */
export function* timedGet(url: string): Generator<unknown, number | null, unknown> {
  const start = performance.now();
  try {
    const response = yield* until(fetch(url));
    yield* until(response.text());
    return response.ok ? performance.now() - start : null;
  } catch {
    return null;
  }
}

/**
 * Spawns `count` greenlets (children of the current one) requesting `base + path` in a loop.
 *
 * @example
 * const io = startClients('http://127.0.0.1:8080', '/io', 10, { name: 'io-client' });
 * yield* sleep(2);
 * yield* io.stop();
 * const ms = io.takeLatencies();
 */
export function startClients(
  base: string,
  path: string,
  count: number,
  options: ClientOptions,
): Clients {
  let latencies: number[] = [];
  let errors = 0;
  let running = true;
  const client = function* () {
    while (running) {
      const ms = yield* timedGet(base + path);
      if (ms === null) errors++;
      else {
        latencies.push(ms);
        options.onLatency?.(ms);
      }
      if (options.pause) yield* sleep(options.pause);
    }
  };
  const greenlets = Array.from({ length: count }, (_, i) => {
    const g = spawn(client);
    g.name = `${options.name}-${i + 1}`;
    return g;
  });
  return {
    greenlets,
    takeLatencies() {
      const taken = latencies;
      latencies = [];
      return taken;
    },
    get errors() {
      return errors;
    },
    *stop() {
      running = false;
      yield* joinall(greenlets, { timeout: 5 });
      yield* killall(greenlets, { timeout: 1 });
    },
  };
}
