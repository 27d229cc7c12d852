/**
 * gevent-ts/resolver: name resolution for greenlets, three backends behind one contract.
 * Layer: io/resolver (uses the scheduler and primitives; imported by socket/monkey).
 *
 *   thread (default)  the C library's getaddrinfo on the native addon's own threads
 *   ares              c-ares (dns.Resolver) after /etc/hosts; custom servers, TTLs
 *   block             Node's dns.lookup (libuv's threadpool)
 *
 * Chosen by env `GEVENT_RESOLVER`. Every backend offers gevent's five functions as Ops and a
 * drop-in for `dns.lookup` (`resolver.lookup`), which `gevent-ts/monkey`'s `patchDns()`
 * installs in place of Node's.
 *
 * @module gevent-ts/resolver
 */

import { registerHubService } from '../hub.ts';
import { AresResolver } from './ares.ts';
import type { BaseResolver } from './base.ts';
import { BlockingResolver } from './blocking.ts';
import { ThreadResolver } from './thread.ts';

export {
  AF_INET,
  AF_INET6,
  AI_ADDRCONFIG,
  AI_ALL,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_NUMERICSERV,
  AI_PASSIVE,
  AI_V4MAPPED,
  EAI,
  HERRNO,
  NI_DGRAM,
  NI_NAMEREQD,
  NI_NOFQDN,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
} from '../../native/index.ts';
export { AresResolver, type AresResolverOptions } from './ares.ts';
export {
  type AddrInfoTuple,
  BaseResolver,
  type HostInfo,
  type Resolver,
  type ResolverOptions,
  type SockAddr,
} from './base.ts';
export { BlockingResolver } from './blocking.ts';
export { LookupCache, type LookupCacheOptions, type TtlQuery } from './cache.ts';
export { dnsException, gaierror, herror } from './errors.ts';
export { HostsFile } from './hosts-file.ts';
export type { LookupAddress, LookupFunction, PromiseLookupFunction } from './lookup.ts';
export { ThreadResolver } from './thread.ts';

/** The backend names `GEVENT_RESOLVER` accepts. */
export const RESOLVERS = ['thread', 'ares', 'block'] as const;

let current: BaseResolver | null = null;

/**
 * Makes the resolver `name` names ('thread', 'ares' or 'block').
 *
 * @example
 * const ares = createResolver('ares');
 */
export function createResolver(name: string): BaseResolver {
  switch (name) {
    case 'thread':
      return new ThreadResolver();
    case 'ares':
      return new AresResolver();
    case 'block':
      return new BlockingResolver();
    default:
      throw new RangeError(
        `GEVENT_RESOLVER must be one of ${RESOLVERS.join(', ')}, got ${JSON.stringify(name)}`,
      );
  }
}

/**
 * The process's resolver, made on first use from env `GEVENT_RESOLVER` (default 'thread').
 *
 * @example
 * const address = yield* getResolver().gethostbyname('localhost');
 * http.get({ host: 'localhost', port, lookup: getResolver().lookup });
 */
export function getResolver(): BaseResolver {
  return (current ??= createResolver(process.env.GEVENT_RESOLVER || 'thread'));
}

/**
 * Replaces the process's resolver (closing the old one), as setting `hub.resolver` does in
 * gevent. Pass null to have the next `getResolver()` read the environment again.
 *
 * @example
 * setResolver(new AresResolver({ servers: ['127.0.0.1:5353'] }));
 */
export function setResolver(resolver: BaseResolver | null): void {
  if (current !== null && current !== resolver) current.close();
  current = resolver;
}

// getHub().resolver hands out this module's resolver.
registerHubService('resolver', getResolver);
