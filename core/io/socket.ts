/**
 * gevent-ts/socket: Python's (and gevent's) cooperative socket module — the `socket` class,
 * `createConnection`, `socketpair`, the resolver functions, constants and errors. Layer: io.
 *
 * Every blocking call is an Op: iterate it with `yield*` inside a greenlet, and other greenlets
 * run while it waits.
 *
 * @example
 * import { run } from 'gevent-ts';
 * import { createConnection } from 'gevent-ts/socket';
 * await run(function* () {
 *   const sock = yield* createConnection(['example.com', 80], { timeout: 5 });
 *   yield* sock.sendall('HEAD / HTTP/1.0\r\nHost: example.com\r\n\r\n');
 *   console.log(String(yield* sock.recv(4096)));
 *   sock.close();
 * });
 */

import { unlink } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address } from './address.ts';
import { familyOfHost, validatePort } from './address.ts';
import { AF_INET, AF_INET6, AF_UNIX, SOCK_STREAM } from './constants.ts';
import { socket } from './socket-object.ts';
import { validateTimeoutValue } from './validate.ts';

export type { Address, Inet6Address, InetAddress } from './address.ts';
export * from './constants.ts';
export { getdefaulttimeout, setdefaulttimeout } from './defaults.ts';
export {
  SocketError,
  SocketError as error,
  SocketTimeout,
  SocketTimeout as timeout,
  SocketTimeout as TimeoutError,
} from './errors.ts';
export { type MakefileOptions, SocketFile } from './makefile.ts';
export {
  type AddrInfo,
  gaierror,
  getaddrinfo,
  gethostbyaddr,
  gethostbyname,
  gethostbynameEx,
  getnameinfo,
  type HostInfo,
  herror,
  type SockAddr,
} from './resolve.ts';
export { socket, socket as Socket } from './socket-object.ts';

/** Options of `createConnection`. */
export interface CreateConnectionOptions {
  /** Seconds for the connect and, afterwards, the socket's timeout. Default: `getdefaulttimeout()`. */
  timeout?: number | null;
  /** `[host, port]` to bind the local end to before connecting. */
  sourceAddress?: [string, number];
}

/**
 * Connects to `[host, port]` (a name or a literal, IPv4 or IPv6) and returns the socket. On any
 * failure — refused, timed out, or the greenlet killed — the socket is closed before the
 * exception propagates.
 *
 * @example
 * const sock = yield* createConnection(['127.0.0.1', port], { timeout: 2 });
 */
export function* createConnection(
  address: [string, number],
  options: CreateConnectionOptions = {},
): Generator<unknown, socket, unknown> {
  if (!Array.isArray(address) || typeof address[0] !== 'string') {
    throw new TypeError('createConnection(address) must be a [host, port] array');
  }
  const [host, port] = address;
  validatePort(port, 'createConnection(address) port');
  const sock = new socket(familyOfHost(host), SOCK_STREAM);
  if ('timeout' in options)
    sock.settimeout(validateTimeoutValue(options.timeout, 'options.timeout'));
  let ok = false;
  try {
    if (options.sourceAddress !== undefined) yield* sock.bind(options.sourceAddress);
    yield* sock.connect([host, port]);
    ok = true;
    return sock;
  } finally {
    if (!ok) sock.close();
  }
}

let pairCount = 0;

/**
 * Two connected sockets (AF_UNIX by default, as on Linux; AF_INET/AF_INET6 use loopback).
 *
 * @example
 * const [a, b] = yield* socketpair();
 * yield* a.sendall('ping');
 * String(yield* b.recv(4)); // 'ping'
 */
export function* socketpair(
  family: number = AF_UNIX,
): Generator<unknown, [socket, socket], unknown> {
  if (family !== AF_UNIX && family !== AF_INET && family !== AF_INET6) {
    throw new RangeError(`socketpair(family) must be AF_UNIX, AF_INET or AF_INET6, got ${family}`);
  }
  const listener = new socket(family);
  const path = join(tmpdir(), `gevent-ts-pair-${process.pid}-${++pairCount}.sock`);
  const where: Address = family === AF_UNIX ? path : [family === AF_INET6 ? '::1' : '127.0.0.1', 0];
  let client: socket | null = null;
  try {
    yield* listener.bind(where);
    yield* listener.listen(1);
    client = new socket(family);
    const connecting = client.connect(listener.getsockname());
    const [server] = yield* listener.accept();
    yield* connecting;
    const pair: [socket, socket] = [client, server];
    client = null;
    return pair;
  } finally {
    client?.close();
    listener.close();
    if (family === AF_UNIX) unlink(path, () => {});
  }
}
