/**
 * The `thread` resolver (gevent's default): the C library's getaddrinfo and friends, run on the
 * native addon's own threads, so DNS never queues behind fs/crypto/zlib work in libuv's pool.
 * Without the addon it runs on the JS fallback (dns.lookup) and says so once. Layer: io/resolver.
 *
 * Why the addon's threads and not a worker-thread pool calling a blocking function: a lookup is
 * ~10-50 µs of C; a worker round trip alone costs about as much (structured clone, two
 * postMessage hops), and a batch of N answers here costs one wake-up of the JS thread (see
 * docs/benchmarks/resolver.md for the measurements).
 *
 * Env: `GEVENT_RESOLVER_THREADS` (default 8) caps the addon's threads; read once, when the
 * addon starts.
 */

import { nameService } from '../../native/index.ts';
import { BaseResolver, type ResolverOptions } from './base.ts';

function threadsFromEnv(): number | undefined {
  const raw = process.env.GEVENT_RESOLVER_THREADS;
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `GEVENT_RESOLVER_THREADS must be an integer >= 1, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/**
 * Resolves with the system's getaddrinfo on threads of the native addon.
 *
 * @example
 * const resolver = new ThreadResolver();
 * const address = yield* resolver.gethostbyname('localhost'); // '127.0.0.1'
 * http.get({ host: 'localhost', port, lookup: resolver.lookup });
 */
export class ThreadResolver extends BaseResolver {
  constructor(options: ResolverOptions = {}) {
    super(nameService({ threads: threadsFromEnv() }), options);
  }

  /** 'addon' when the native addon runs the calls, 'fallback' when dns.lookup does. */
  get backend(): string {
    return this.ns.kind;
  }
}
