/**
 * Where a WSGIServer listens: `[host, port]`, `'host:port'`, `':port'` (every interface), a
 * port number, or a Unix socket path; and how node:http is asked to listen there.
 * Layer: io (pywsgi).
 */

import type { AddressInfo, Server } from 'node:net';
import type { Op } from '../greenlet.ts';
import { describeValue } from '../internal/validators.ts';
import { until } from '../wait.ts';

/** A listen address as the user gives it. */
export type WSGIListener = [string, number] | string | number;

/** A parsed listen address: TCP host and port (host '' = every interface) or a Unix path. */
export type ListenTarget = { host: string; port: number } | { path: string };

function checkPort(port: unknown): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `listener port must be an integer from 0 to 65535, got ${describeValue(port)}`,
    );
  }
  return port;
}

/**
 * Parses a listener.
 *
 * @example
 * parseWSGIListener(['127.0.0.1', 0]); // { host: '127.0.0.1', port: 0 }
 * parseWSGIListener(':8080');          // { host: '', port: 8080 }
 * parseWSGIListener('/tmp/app.sock');  // { path: '/tmp/app.sock' }
 */
export function parseWSGIListener(listener: WSGIListener): ListenTarget {
  if (typeof listener === 'number') return { host: '', port: checkPort(listener) };
  if (Array.isArray(listener)) {
    if (typeof listener[0] !== 'string') throw new TypeError('listener host must be a string');
    return { host: listener[0], port: checkPort(listener[1]) };
  }
  if (typeof listener !== 'string') {
    throw new TypeError(
      `listener must be [host, port], 'host:port', a port or a path, got ${describeValue(listener)}`,
    );
  }
  if (listener.includes('/')) return { path: listener };
  const colon = listener.lastIndexOf(':');
  if (colon < 0)
    throw new TypeError(`listener must be 'host:port', got ${JSON.stringify(listener)}`);
  const host = listener.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = listener.slice(colon + 1);
  return { host, port: checkPort(port === '' ? Number.NaN : Number(port)) };
}

/** Starts `server` listening on `target` and waits until it is (or raises the listen error). */
export function listenOn(server: Server, target: ListenTarget, backlog: number): Op<void> {
  const listening = new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
  });
  if ('path' in target) server.listen({ path: target.path, backlog });
  else if (target.host === '') server.listen({ port: target.port, backlog });
  else server.listen({ host: target.host, port: target.port, backlog });
  return until(listening);
}

/** `[host, port]` of a listening server, or its Unix path. */
export function boundAddress(
  address: AddressInfo | string | null,
  target: ListenTarget,
): [string, number] | string {
  if (typeof address === 'string') return address;
  if (address === null) return 'path' in target ? target.path : [target.host, target.port];
  return [address.address, address.port];
}
