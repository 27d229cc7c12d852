/**
 * StreamServer: gevent's TCP/Unix server — a greenlet per connection running
 * `handle(socket, address)`, optional TLS, graceful stop. Layer: io.
 *
 * Built to be extended (pywsgi's WSGIServer is a StreamServer): override `handle`, mark
 * connections idle between requests with `markIdle` so a graceful stop closes them at once.
 */

import { describeValue } from '../internal/validators.ts';
import { type Address, familyOfHost, hostOf, portOf, validatePort } from './address.ts';
import { BaseServer, type BaseServerOptions, callHandler } from './base-server.ts';
import { AF_UNIX, IPPROTO_TCP, SHUT_RDWR, SOCK_STREAM, TCP_NODELAY } from './constants.ts';
import { socket } from './socket-object.ts';
import { PROTOCOL_TLS_SERVER } from './ssl-constants.ts';
import { SSLContext } from './ssl-context.ts';

/** The TLS settings of a server: a ready SSLContext, or the files to build one from. */
export type ServerSslOptions =
  | SSLContext
  | { certfile: string; keyfile?: string; password?: string; cafile?: string };

export interface StreamServerOptions extends BaseServerOptions {
  /** Listen backlog (not allowed with a ready socket). Default 256. */
  backlog?: number;
  /** Serve TLS: each connection is wrapped and its handshake done before `handle` runs. */
  ssl?: ServerSslOptions;
  /** TCP_NODELAY on accepted connections. */
  noDelay?: boolean;
}

/** A listener: `[host, port]`, `'host:port'`, `':port'`, a Unix socket path, or a bound/listening socket. */
export type Listener = [string, number] | string | socket;

/** `handle(socket, address)`: a generator function (or plain/async function); `this` is the server. */
export type StreamHandler = (this: StreamServer, sock: socket, address: Address) => unknown;

/**
 * Turns `'host:port'` / `':port'` / `[host, port]` / a path into an Address.
 *
 * @example
 * parseListener('127.0.0.1:8080'); // ['127.0.0.1', 8080]
 */
export function parseListener(listener: Exclude<Listener, socket>): Address {
  if (Array.isArray(listener)) {
    if (typeof listener[0] !== 'string') throw new TypeError('listener host must be a string');
    return [listener[0], validatePort(listener[1], 'listener port')];
  }
  if (typeof listener !== 'string') {
    throw new TypeError(
      `listener must be [host, port], 'host:port', a path or a socket, got ${describeValue(listener)}`,
    );
  }
  if (listener.includes('/')) return listener;
  const colon = listener.lastIndexOf(':');
  if (colon < 0)
    throw new TypeError(`listener must be 'host:port', got ${JSON.stringify(listener)}`);
  const host = listener.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return [host, validatePort(Number(listener.slice(colon + 1)), 'listener port')];
}

function toContext(ssl: ServerSslOptions): SSLContext {
  if (ssl instanceof SSLContext) return ssl;
  const ctx = new SSLContext(PROTOCOL_TLS_SERVER);
  ctx.loadCertChain(ssl.certfile, ssl.keyfile, ssl.password);
  if (ssl.cafile !== undefined) ctx.loadVerifyLocations({ cafile: ssl.cafile });
  return ctx;
}

/**
 * A TCP (or Unix socket) server: `handle(sock, address)` runs in a new greenlet for each
 * connection, and the connection is closed when it returns or fails (a failure is reported
 * through the hub and affects that connection only).
 *
 * @example
 * const server = new StreamServer(['127.0.0.1', 0], function* (sock) {
 *   for (;;) { const data = yield* sock.recv(4096); if (data.length === 0) break; yield* sock.sendall(data); }
 * });
 * yield* server.start();
 * console.log('echo on port', server.serverPort);
 * server.stopOnSignals(); // SIGTERM/SIGINT: graceful stop
 * yield* server.serveForever();
 */
export class StreamServer extends BaseServer {
  /** The listening socket (after `start()` when not given one). */
  socket: socket | null = null;
  /** The TLS context, when serving TLS. */
  readonly sslContext: SSLContext | null;
  /** Live connections; true for those marked idle. */
  protected readonly connections = new Map<socket, boolean>();
  private readonly listenAddress: Address | null;
  /** The address last bound (kept after close, for messages and reconnect attempts). */
  private lastAddress: Address | null = null;
  private readonly backlog: number;
  private readonly noDelay: boolean;
  private handler: StreamHandler | null;

  constructor(
    listener: Listener,
    handle?: StreamHandler | null,
    options: StreamServerOptions = {},
  ) {
    super(options);
    if (listener instanceof socket) {
      if (options.backlog !== undefined)
        throw new TypeError('backlog must not be given together with a socket listener');
      if (listener.type !== SOCK_STREAM)
        throw new TypeError('the listener socket must be SOCK_STREAM');
      this.socket = listener;
      this.listenAddress = null;
    } else {
      this.listenAddress = parseListener(listener);
    }
    this.backlog = options.backlog ?? 256;
    this.noDelay = options.noDelay ?? false;
    this.sslContext = options.ssl === undefined ? null : toContext(options.ssl);
    this.handler = handle ?? null;
  }

  /** Replaces the connection handler. */
  setHandle(handle: StreamHandler): void {
    this.handler = handle;
  }

  /** The bound address (after start), else the requested one. */
  get address(): Address {
    if (this.socket !== null && !this.socket.closed) this.lastAddress = this.socket.getsockname();
    return this.lastAddress ?? this.listenAddress ?? '';
  }

  get serverHost(): string {
    return hostOf(this.address);
  }

  get serverPort(): number {
    return portOf(this.address);
  }

  /** Number of connections being handled. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Marks a connection idle (waiting for its next request) or busy again. While the server is
   * closing, an idle connection is shut down at once so its handler sees EOF and ends.
   */
  markIdle(sock: socket, idle = true): void {
    if (!this.connections.has(sock)) return;
    this.connections.set(sock, idle);
    if (idle && this.closed) shutdownQuietly(sock);
  }

  /** The connection handler; override in a subclass (the default calls the `handle` given). */
  protected handle(sock: socket, address: Address): unknown {
    if (this.handler === null) throw new TypeError(`${this} has no handle function`);
    return this.handler.call(this, sock, address);
  }

  protected *bindListener(): Generator<unknown, void, unknown> {
    if (this.socket === null) {
      const address = this.listenAddress!;
      const family = typeof address === 'string' ? AF_UNIX : familyOfHost(address[0]);
      const sock = new socket(family, SOCK_STREAM);
      if (this.noDelay) sock.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
      try {
        yield* sock.bind(address);
        yield* sock.listen(this.backlog);
      } catch (error) {
        sock.close();
        throw error;
      }
      this.socket = sock;
    } else if (this.socket._acceptor === null) {
      yield* this.socket.listen(this.backlog);
    }
    this.lastAddress = this.socket.getsockname();
  }

  protected *acceptOne(): Generator<unknown, unknown[], unknown> {
    return yield* this.socket!.accept();
  }

  protected closeListener(): void {
    this.socket?.close();
  }

  protected override onClosing(): void {
    for (const [sock, idle] of this.connections) if (idle) shutdownQuietly(sock);
  }

  protected discardOne(args: unknown[]): void {
    (args[0] as socket).close();
  }

  /** Without TLS the handler runs as the greenlet's body; the connection closes when it dies. */
  protected override directBody(args: unknown[]): { body: StreamHandler; done: () => void } | null {
    if (this.sslContext !== null) return null;
    const sock = args[0] as socket;
    this.connections.set(sock, false);
    return { body: this.boundHandle, done: () => this.finish(sock) };
  }

  private readonly boundHandle = (sock: socket, address: Address): unknown =>
    this.handle(sock, address);

  /** Closes a connection whose handler is done. */
  private finish(sock: socket): void {
    this.connections.delete(sock);
    sock.close();
    // The handler is done: its makefile() objects die with it (as CPython's refcounting
    // frees them when the handler returns), so the connection closes now, not at some GC.
    if (sock._ioRefs > 0) sock._release();
  }

  protected *serveOne(...args: unknown[]): Generator<unknown, unknown, unknown> {
    let sock = args[0] as socket;
    const address = args[1] as Address;
    this.connections.set(sock, false);
    try {
      if (this.sslContext !== null) {
        const plain = sock;
        sock = this.sslContext.wrapSocket(plain, { serverSide: true });
        this.connections.delete(plain);
        this.connections.set(sock, false);
        yield* (sock as ReturnType<SSLContext['wrapSocket']>).doHandshake();
      }
      return yield* callHandler(this.handle, this, [sock, address]);
    } finally {
      this.finish(sock);
    }
  }
}

function shutdownQuietly(sock: socket): void {
  try {
    sock.shutdown(SHUT_RDWR);
  } catch {
    // Already closed: nothing to do.
  }
}
