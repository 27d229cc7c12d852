/**
 * The `ares` resolver: c-ares through Node's `dns.Resolver`, after the hosts file — like
 * gevent's ares resolver. Custom name servers, timeouts and tries; answers carry DNS TTLs,
 * which the optional lookup cache honours. Nothing runs on a thread pool. Layer: io/resolver.
 *
 * Env (defaults for the options): `GEVENT_RESOLVER_NAMESERVERS` (comma-separated, e.g.
 * `127.0.0.1:5353`), `GEVENT_RESOLVER_TIMEOUT` (seconds), gevent's names for the same settings.
 */

import { AresNameService } from './ares-name-service.ts';
import { BaseResolver, type ResolverOptions } from './base.ts';
import type { TtlQuery } from './cache.ts';
import { HostsFile } from './hosts-file.ts';

/** Options of `AresResolver`. */
export interface AresResolverOptions extends ResolverOptions {
  /** Name servers, as `dns.setServers` takes them ('127.0.0.1:5353', '[::1]:53'). */
  servers?: string[];
  /** Seconds before a query is retried. Default: c-ares's own. */
  timeout?: number;
  /** Attempts per server. Default 4. */
  tries?: number;
  /** Hosts file consulted first. Default '/etc/hosts'. */
  hostsFile?: string;
}

function serversFromEnv(): string[] | undefined {
  const raw = process.env.GEVENT_RESOLVER_NAMESERVERS;
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw.split(',').map((s) => s.trim());
}

function timeoutFromEnv(): number | undefined {
  const raw = process.env.GEVENT_RESOLVER_TIMEOUT;
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!(value > 0)) {
    throw new RangeError(
      `GEVENT_RESOLVER_TIMEOUT must be a positive number, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/**
 * Resolves through c-ares, after the hosts file.
 *
 * @example
 * const resolver = new AresResolver({ servers: ['127.0.0.1:5353'], cache: true });
 * const address = yield* resolver.gethostbyname('www.example.test');
 */
export class AresResolver extends BaseResolver {
  private readonly ares: AresNameService;

  constructor(options: AresResolverOptions = {}) {
    const timeout = options.timeout ?? timeoutFromEnv();
    if (timeout !== undefined && !(timeout > 0)) {
      throw new RangeError(`options.timeout must be a positive number of seconds, got ${timeout}`);
    }
    const tries = options.tries;
    if (tries !== undefined && (!Number.isInteger(tries) || tries < 1)) {
      throw new RangeError(`options.tries must be an integer >= 1, got ${tries}`);
    }
    const ns = new AresNameService(new HostsFile(options.hostsFile), {
      servers: options.servers ?? serversFromEnv(),
      timeout,
      tries,
    });
    super(ns, options);
    this.ares = ns;
  }

  /** The name servers c-ares asks. */
  get servers(): string[] {
    return this.ares.cares.getServers();
  }

  protected override queryAddresses(...args: Parameters<TtlQuery>): void {
    this.ares.lookup(...args);
  }

  /** Cancels the queries in flight. */
  override close(): void {
    this.ares.close();
  }
}
