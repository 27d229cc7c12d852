/**
 * The name-resolution functions of Python's `socket` module (gethostbyname, getaddrinfo, ...):
 * thin wrappers over the configured resolver (`getResolver()`, chosen by `GEVENT_RESOLVER`), as
 * gevent's socket module forwards to `hub.resolver`. Layer: io (uses core/resolver).
 */

import type { Op } from '../greenlet.ts';
import type { AddrInfoTuple, HostInfo, SockAddr } from '../resolver/index.ts';
import { getResolver } from '../resolver/index.ts';

export type { AddrInfoTuple as AddrInfo, HostInfo, SockAddr } from '../resolver/index.ts';
export { gaierror, herror } from '../resolver/index.ts';

/**
 * The IPv4 address of `host`.
 *
 * @example
 * const ip = yield* gethostbyname('localhost'); // '127.0.0.1'
 */
export function gethostbyname(host: string, family?: number): Op<string> {
  return getResolver().gethostbyname(host, family);
}

/**
 * `[hostname, aliases, addresses]` for `host`.
 *
 * @example
 * const [name, aliases, addresses] = yield* gethostbynameEx('localhost');
 */
export function gethostbynameEx(host: string): Op<HostInfo> {
  return getResolver().gethostbynameEx(host);
}

/**
 * Python's `getaddrinfo(host, port, family, type, proto, flags)`.
 *
 * @example
 * const [[family, type, proto, canonname, sockaddr]] = yield* getaddrinfo('localhost', 80, AF_INET, SOCK_STREAM);
 */
export function getaddrinfo(
  host: string | null,
  port: number | string | null,
  family?: number,
  type?: number,
  proto?: number,
  flags?: number,
): Op<AddrInfoTuple[]> {
  return getResolver().getaddrinfo(host, port, family, type, proto, flags);
}

/**
 * `[hostname, aliases, addresses]` for an IP address (a reverse lookup).
 *
 * @example
 * const [hostname] = yield* gethostbyaddr('127.0.0.1');
 */
export function gethostbyaddr(ip: string): Op<HostInfo> {
  return getResolver().gethostbyaddr(ip);
}

/**
 * `[host, service]` for `[ip, port]`.
 *
 * @example
 * const [host, service] = yield* getnameinfo(['127.0.0.1', 80], NI_NUMERICHOST);
 */
export function getnameinfo(sockaddr: SockAddr, flags = 0): Op<[string, string]> {
  return getResolver().getnameinfo(sockaddr, flags);
}
