/**
 * `BaseResolver`: gevent's five resolver functions with Python's argument rules, result shapes
 * and errors, plus the `dns.lookup` drop-in — over any `NameService` (the native addon, its JS
 * fallback, or c-ares). Backends differ only in the NameService they pass. Layer: io/resolver.
 *
 * Each method is an Op run by the calling greenlet: the call goes to the backend's threads (or
 * c-ares), the greenlet parks, and a kill or Timeout interrupts it. Numeric addresses are
 * answered at once, as CPython's `setipaddr` does.
 */

import { isIP, isIPv4, isIPv6 } from 'node:net';
import {
  type AddrInfo,
  AF_INET,
  AF_INET6,
  AI_NUMERICHOST,
  AI_PASSIVE,
  type HostEnt,
  type NameService,
  SOCK_DGRAM,
} from '../../native/index.ts';
import type { Op } from '../greenlet.ts';
import { describeValue } from '../internal/validators.ts';
import { DoneOp } from '../internal/wait-op.ts';
import { LookupCache, type LookupCacheOptions, type TtlQuery } from './cache.ts';
import { gaierror, herror } from './errors.ts';
import {
  asciiName,
  createLookup,
  createPromiseLookup,
  type LookupFunction,
  type PromiseLookupFunction,
} from './lookup.ts';
import { type FailureOf, NameServiceOp, type StartCall } from './request-op.ts';

/** A socket address as Python gives it: `[host, port]` or `[host, port, flowinfo, scopeId]`. */
export type SockAddr = [string, number] | [string, number, number, number];
/** One getaddrinfo answer: `[family, type, proto, canonname, sockaddr]`. */
export type AddrInfoTuple = [number, number, number, string, SockAddr];
/** gethostbyname_ex / gethostbyaddr: `[hostname, aliases, addresses]`. */
export type HostInfo = [string, string[], string[]];

/** Settings shared by every backend. */
export interface ResolverOptions {
  /** Put a TTL-respecting cache in front of `lookup` (true: default settings). */
  cache?: boolean | LookupCacheOptions;
}

/** The resolver contract (gevent's resolver API plus the dns.lookup drop-in). */
export interface Resolver {
  gethostbyname(host: string, family?: number): Op<string>;
  gethostbynameEx(host: string): Op<HostInfo>;
  getaddrinfo(
    host: string | null,
    port: number | string | null,
    family?: number,
    type?: number,
    proto?: number,
    flags?: number,
  ): Op<AddrInfoTuple[]>;
  gethostbyaddr(ip: string): Op<HostInfo>;
  getnameinfo(sockaddr: SockAddr, flags: number): Op<[string, string]>;
  readonly lookup: LookupFunction;
  close(): void;
}

const gaiFailure: FailureOf = (status) => new gaierror(status);
const hostFailure: FailureOf = (status) => new herror(status);

function checkInt(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer, got ${describeValue(value)}`);
  }
  return value;
}

function checkHost(value: unknown, name: string): string {
  if (typeof value !== 'string') {
    throw new TypeError(`${name} must be a string, got ${describeValue(value)}`);
  }
  return value;
}

function toTuple(e: AddrInfo): AddrInfoTuple {
  const sockaddr: SockAddr =
    e.family === AF_INET6 ? [e.address, e.port, e.flowinfo, e.scopeid] : [e.address, e.port];
  return [e.family, e.socktype, e.protocol, e.canonname, sockaddr];
}

/**
 * The shared implementation of every backend.
 *
 * @example
 * const resolver = new ThreadResolver();
 * const [host, aliases, addresses] = yield* resolver.gethostbynameEx('localhost');
 */
export abstract class BaseResolver implements Resolver {
  /** `dns.lookup`'s drop-in over this backend (the `lookup` option of net/http/https/undici). */
  readonly lookup: LookupFunction;
  /** `dns.promises.lookup`'s drop-in over this backend. */
  readonly promiseLookup: PromiseLookupFunction;
  /** The lookup cache, when `options.cache` asked for one. */
  readonly cache: LookupCache | null;

  protected constructor(
    protected readonly ns: NameService,
    options: ResolverOptions = {},
  ) {
    const cache = options.cache
      ? new LookupCache(options.cache === true ? {} : options.cache)
      : null;
    const direct: TtlQuery = (host, family, hints, order, done) =>
      this.queryAddresses(host, family, hints, order, done);
    const query = cache === null ? direct : cache.wrap(direct);
    this.cache = cache;
    this.lookup = createLookup(query);
    this.promiseLookup = createPromiseLookup(query);
  }

  /** The address query behind `lookup`; backends that know TTLs report them. */
  protected queryAddresses(...args: Parameters<TtlQuery>): void {
    this.ns.lookup(...args);
  }

  /** Python's `socket.gethostbyname`: the first address (IPv4 unless `family` says otherwise). */
  gethostbyname(host: string, family: number = AF_INET): Op<string> {
    return this.setipaddr(checkHost(host, 'gethostbyname(host)'), checkInt(family, 'family'));
  }

  /** Python's `socket.gethostbyname_ex`: `[hostname, aliases, addresses]` (IPv4). */
  gethostbynameEx(host: string): Op<HostInfo> {
    return this.hostByName(checkHost(host, 'gethostbynameEx(host)'));
  }

  /** Python's `socket.getaddrinfo`: `[family, type, proto, canonname, sockaddr]` entries. */
  getaddrinfo(
    host: string | null,
    port: number | string | null,
    family = 0,
    type = 0,
    proto = 0,
    flags = 0,
  ): Op<AddrInfoTuple[]> {
    const name = host === null || host === undefined ? null : asciiName(checkHost(host, 'host'));
    let service: string | null;
    if (port === null || port === undefined) service = null;
    else if (typeof port === 'string') service = port;
    else service = String(checkInt(port, 'port'));
    const args = [family, type, proto, flags].map((v, i) =>
      checkInt(v, ['family', 'type', 'proto', 'flags'][i]!),
    ) as [number, number, number, number];
    return this.addrinfo(name, service, ...args);
  }

  /** Python's `socket.gethostbyaddr`: `[hostname, aliases, addresses]` for an address. */
  gethostbyaddr(ip: string): Op<HostInfo> {
    return this.hostByAddr(checkHost(ip, 'gethostbyaddr(ip)'));
  }

  /** Python's `socket.getnameinfo`: `[host, service]` for a numeric socket address. */
  getnameinfo(sockaddr: SockAddr, flags: number): Op<[string, string]> {
    if (!Array.isArray(sockaddr)) {
      throw new TypeError(
        `getnameinfo() argument 1 must be an array, got ${describeValue(sockaddr)}`,
      );
    }
    if (sockaddr.length < 2 || sockaddr.length > 4 || typeof sockaddr[0] !== 'string') {
      throw new TypeError('getnameinfo(): illegal sockaddr argument');
    }
    const port = checkInt(sockaddr[1], 'getnameinfo(): port');
    const flowinfo = checkInt(sockaddr[2] ?? 0, 'getnameinfo(): flowinfo');
    const scopeid = checkInt(sockaddr[3] ?? 0, 'getnameinfo(): scope id');
    if (flowinfo < 0 || flowinfo > 0xfffff) {
      throw new RangeError('getnameinfo(): flowinfo must be 0-1048575.');
    }
    return this.nameInfo(sockaddr, port, flowinfo, scopeid, checkInt(flags, 'flags'));
  }

  /** Stops the backend; later calls may fail. */
  close(): void {}

  /** A getaddrinfo-family call as an Op (gaierror on failure). */
  protected gaiCall<T>(what: string, start: StartCall<T>): Op<T> {
    return new NameServiceOp(this.ns, start, gaiFailure, what);
  }

  /** A hostent call as an Op (herror on failure). */
  protected hostCall(what: string, start: StartCall<HostEnt>): Op<HostEnt> {
    return new NameServiceOp(this.ns, start, hostFailure, what);
  }

  /** CPython's `setipaddr`: a host name or address to one address of `family`. */
  protected setipaddr(host: string, family: number): Op<string> {
    if (host === '<broadcast>' || host === '255.255.255.255') {
      if (family !== AF_INET && family !== 0) throw new Error('address family mismatched');
      return new DoneOp('255.255.255.255');
    }
    if ((family === AF_INET || family === 0) && isIPv4(host)) return new DoneOp(host);
    if ((family === AF_INET6 || family === 0) && isIPv6(host)) return new DoneOp(host);
    return this.firstAddress(host, family);
  }

  private *firstAddress(host: string, family: number): Generator<unknown, string, unknown> {
    const version = family === AF_INET ? 4 : family === AF_INET6 ? 6 : family === 0 ? 0 : -1;
    if (host !== '' && version >= 0 && isIP(host) === 0) {
      // The same getaddrinfo query, through the backend's fast (batched) address path.
      const addresses = yield* this.gaiCall<string[]>(`getaddrinfo(${host})`, (ns, done) =>
        ns.lookup(asciiName(host), version, 0, 0, done),
      );
      return addresses[0]!;
    }
    const [name, service, flags] = host === '' ? [null, '0', AI_PASSIVE] : [host, null, 0];
    const type = host === '' ? SOCK_DGRAM : 0;
    const entries = yield* this.gaiCall<AddrInfo[]>(`getaddrinfo(${host})`, (ns, done) =>
      ns.getaddrinfo(name === null ? null : asciiName(name), service, family, type, 0, flags, done),
    );
    if (entries.length === 0) throw new gaierror(-2);
    return entries[0]!.address;
  }

  private *hostByName(host: string): Generator<unknown, HostInfo, unknown> {
    yield* this.setipaddr(host, AF_INET);
    const he = yield* this.hostCall(`gethostbyname_ex(${host})`, (ns, done) =>
      ns.gethostbyname(asciiName(host), AF_INET, done),
    );
    return [he.name, he.aliases, he.addresses];
  }

  private *hostByAddr(ip: string): Generator<unknown, HostInfo, unknown> {
    const address = yield* this.setipaddr(ip, 0);
    const he = yield* this.hostCall(`gethostbyaddr(${ip})`, (ns, done) =>
      ns.gethostbyaddr(address, done),
    );
    return [he.name, he.aliases, he.addresses];
  }

  private *addrinfo(
    host: string | null,
    service: string | null,
    family: number,
    type: number,
    proto: number,
    flags: number,
  ): Generator<unknown, AddrInfoTuple[], unknown> {
    const entries = yield* this.gaiCall<AddrInfo[]>(
      `getaddrinfo(${host}, ${service})`,
      (ns, done) => ns.getaddrinfo(host, service, family, type, proto, flags, done),
    );
    return entries.map(toTuple);
  }

  private *nameInfo(
    sockaddr: SockAddr,
    port: number,
    flowinfo: number,
    scopeid: number,
    flags: number,
  ): Generator<unknown, [string, string], unknown> {
    const host = sockaddr[0];
    const entries = yield* this.gaiCall<AddrInfo[]>(`getnameinfo(${host})`, (ns, done) =>
      ns.getaddrinfo(host, String(port), 0, SOCK_DGRAM, 0, AI_NUMERICHOST, done),
    );
    if (entries.length !== 1) throw new Error('sockaddr resolved to multiple addresses');
    const entry = entries[0]!;
    if (entry.family === AF_INET && sockaddr.length !== 2) {
      throw new TypeError('IPv4 sockaddr must be 2 tuple');
    }
    return yield* this.gaiCall<[string, string]>(`getnameinfo(${host})`, (ns, done) =>
      ns.getnameinfo(entry.address, entry.port, flowinfo, scopeid, flags, done),
    );
  }
}
