/**
 * The name-service contract shared by the native addon's wrapper and its JS fallback: the raw
 * getaddrinfo / getnameinfo / gethostbyname / gethostbyaddr calls, with the C library's codes.
 * Layer: native (imports nothing of ours).
 *
 * Results come back through a callback `(status, errno, result)`: `status` is 0 on success;
 * otherwise an `EAI_*` code (negative, glibc's numbers) for lookup/getaddrinfo/getnameinfo, or
 * an `h_errno` value for the two hostent calls. `errno` is set for `EAI_SYSTEM`.
 */

/** glibc's getaddrinfo error codes (Python's `socket.EAI_*` on Linux). */
export const EAI = Object.freeze({
  BADFLAGS: -1,
  NONAME: -2,
  AGAIN: -3,
  FAIL: -4,
  NODATA: -5,
  FAMILY: -6,
  SOCKTYPE: -7,
  SERVICE: -8,
  ADDRFAMILY: -9,
  MEMORY: -10,
  SYSTEM: -11,
  OVERFLOW: -12,
  CANCELED: -101,
});

/** `h_errno` values from the hostent calls. */
export const HERRNO = Object.freeze({
  NETDB_INTERNAL: -1,
  HOST_NOT_FOUND: 1,
  TRY_AGAIN: 2,
  NO_RECOVERY: 3,
  NO_DATA: 4,
});

/** Result orders for `lookup` (Node's DNS_ORDER_* numbers). */
export const ORDER = Object.freeze({ verbatim: 0, ipv4first: 1, ipv6first: 2 });

/** One getaddrinfo(3) entry. */
export interface AddrInfo {
  family: number;
  socktype: number;
  protocol: number;
  canonname: string;
  address: string;
  port: number;
  flowinfo: number;
  scopeid: number;
}

/** A `struct hostent`: the official name, its aliases and the addresses as text. */
export interface HostEnt {
  name: string;
  aliases: string[];
  addresses: string[];
}

/** Receives a call's outcome: status 0 and a result, or a non-zero status and null. */
export type Done<T> = (status: number, errno: number, result: T | null) => void;

/** Counters for tests and diagnostics. */
export interface NameServiceStats {
  /** Threads the addon has started (0 for the fallback, which uses libuv's pool). */
  threads: number;
  idle: number;
  queued: number;
  /** Calls whose callback has not run yet. */
  outstanding: number;
}

/**
 * The blocking name-service calls, run off the event loop. Each call returns a request id for
 * `cancel`. Callbacks always run asynchronously, never inside the call that started them.
 */
export interface NameService {
  /** 'addon', 'fallback', or another implementation's name (such as 'ares'). */
  readonly kind: string;
  /** dns.lookup()'s query: addresses only (SOCK_STREAM), `family` 0/4/6, `order` from ORDER. */
  lookup(host: string, family: number, hints: number, order: number, done: Done<string[]>): number;
  getaddrinfo(
    host: string | null,
    service: string | null,
    family: number,
    socktype: number,
    protocol: number,
    flags: number,
    done: Done<AddrInfo[]>,
  ): number;
  /** `host` must be a numeric address. Result: `[host, service]`. */
  getnameinfo(
    host: string,
    port: number,
    flowinfo: number,
    scopeid: number,
    flags: number,
    done: Done<[string, string]>,
  ): number;
  gethostbyname(host: string, family: number, done: Done<HostEnt>): number;
  /** `address` must be a numeric address. */
  gethostbyaddr(address: string, done: Done<HostEnt>): number;
  /** Its callback will not run. True when the work was dropped before it started. */
  cancel(id: number): boolean;
  stats(): NameServiceStats;
}

/** Linux values of the socket constants the name service speaks. */
export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const AI_PASSIVE = 1;
export const AI_CANONNAME = 2;
export const AI_NUMERICHOST = 4;
export const AI_V4MAPPED = 8;
export const AI_ALL = 16;
export const AI_ADDRCONFIG = 32;
export const AI_NUMERICSERV = 1024;
export const NI_NUMERICHOST = 1;
export const NI_NUMERICSERV = 2;
export const NI_NOFQDN = 4;
export const NI_NAMEREQD = 8;
export const NI_DGRAM = 16;
