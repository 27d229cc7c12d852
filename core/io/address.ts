/**
 * Socket addresses as Python writes them — `[host, port]` for IPv4, `[host, port, flowinfo,
 * scopeid]` for IPv6, a path string for Unix sockets — checked and turned into Node's options,
 * and back. Layer: io.
 */

import { isIP } from 'node:net';
import { describeValue } from '../internal/validators.ts';
import { AF_INET, AF_INET6, AF_UNIX } from './constants.ts';

/** An IPv4 address. */
export type InetAddress = [host: string, port: number];
/** An IPv6 address (Python's 4-tuple; `[host, port]` is accepted too). */
export type Inet6Address = [host: string, port: number, flowinfo: number, scopeid: number];
/** Any socket address: a tuple for IP families, a filesystem path for AF_UNIX. */
export type Address = InetAddress | Inet6Address | string;

/** An address checked and split into Node's terms. */
export interface Endpoint {
  host: string;
  port: number;
  /** Set for AF_UNIX. */
  path?: string;
}

/** Checks `port` as Python does: an integer, 0..65535 (RangeError is Python's OverflowError). */
export function validatePort(port: unknown, name = 'port'): number {
  if (typeof port !== 'number' || !Number.isInteger(port)) {
    throw new TypeError(`${name} must be an integer, got ${describeValue(port)}`);
  }
  if (port < 0 || port > 65535) throw new RangeError(`${name} must be 0-65535, got ${port}`);
  return port;
}

/**
 * Checks `address` for a socket of `family`. `forBind` maps the empty host to the wildcard
 * address; otherwise it means the local host, as Python's `''` does for connect.
 */
export function toEndpoint(family: number, address: unknown, forBind: boolean): Endpoint {
  if (family === AF_UNIX) {
    if (typeof address !== 'string' || address.length === 0) {
      throw new TypeError(
        `an AF_UNIX address must be a non-empty path, got ${describeValue(address)}`,
      );
    }
    return { host: '', port: 0, path: address };
  }
  const kind = family === AF_INET6 ? 'AF_INET6' : 'AF_INET';
  if (!Array.isArray(address) || address.length < 2) {
    throw new TypeError(
      `${kind} address must be a [host, port] array, got ${describeValue(address)}`,
    );
  }
  const [host, port] = address as unknown[];
  if (typeof host !== 'string') {
    throw new TypeError(`${kind} address host must be a string, got ${describeValue(host)}`);
  }
  return { host: normalizeHost(family, host, forBind), port: validatePort(port) };
}

function normalizeHost(family: number, host: string, forBind: boolean): string {
  if (host === '<broadcast>' && family === AF_INET) return '255.255.255.255';
  if (host !== '') return host;
  if (family === AF_INET6) return forBind ? '::' : '::1';
  return forBind ? '0.0.0.0' : '127.0.0.1';
}

/** Python's address for a Node `{address, family, port}` (IPv6 gets the 4-tuple). */
export function fromNodeAddress(
  info:
    | {
        address?: string | undefined;
        family?: string | number | undefined;
        port?: number | undefined;
      }
    | string
    | null,
  family: number,
): Address {
  if (typeof info === 'string') return info;
  if (info === null || info.address === undefined) return emptyAddress(family);
  const port = info.port ?? 0;
  const v6 = info.family === 'IPv6' || info.family === 6 || isIP(info.address) === 6;
  return v6 ? [info.address, port, 0, 0] : [info.address, port];
}

/** The Address an Endpoint stands for. */
export function endpointAddress(endpoint: Endpoint, family: number): Address {
  return endpoint.path ?? fromNodeAddress({ address: endpoint.host, port: endpoint.port }, family);
}

/** The address Python reports for an unbound socket of `family`. */
export function emptyAddress(family: number): Address {
  if (family === AF_UNIX) return '';
  return family === AF_INET6 ? ['::', 0, 0, 0] : ['0.0.0.0', 0];
}

/** The family of a literal host: AF_INET6 for an IPv6 literal, else AF_INET. */
export function familyOfHost(host: string): number {
  return isIP(host) === 6 ? AF_INET6 : AF_INET;
}

/** Checks a family argument. */
export function validateFamily(family: unknown): number {
  if (family === AF_INET || family === AF_INET6 || family === AF_UNIX) return family;
  throw new RangeError(`family must be AF_INET, AF_INET6 or AF_UNIX, got ${describeValue(family)}`);
}

/**
 * The host part of a bound address (a Unix socket's path as is).
 *
 * @example
 * hostOf(['127.0.0.1', 8080]); // '127.0.0.1'
 */
export function hostOf(address: Address): string {
  return typeof address === 'string' ? address : address[0];
}

/**
 * The port of a bound address (0 for a Unix socket).
 *
 * @example
 * portOf(['127.0.0.1', 8080]); // 8080
 */
export function portOf(address: Address): number {
  return typeof address === 'string' ? 0 : address[1];
}
