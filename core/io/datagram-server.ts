/**
 * DatagramServer: gevent's UDP server — `handle(data, address)` runs in a greenlet per
 * datagram and replies with `server.sendto`. Layer: io.
 */

import type { Op } from '../greenlet.ts';
import { type Address, familyOfHost } from './address.ts';
import { BaseServer, type BaseServerOptions, callHandler } from './base-server.ts';
import { SOCK_DGRAM } from './constants.ts';
import { socket } from './socket-object.ts';
import { parseListener } from './stream-server.ts';

/** `handle(data, address)`: a generator function (or plain/async function); `this` is the server. */
export type DatagramHandler = (this: DatagramServer, data: Buffer, address: Address) => unknown;

/** Largest datagram read (larger ones are cut, as Python's recvfrom(65535) cuts them). */
const MAX_DATAGRAM = 65535;

/**
 * A UDP server.
 *
 * @example
 * const server = new DatagramServer(['127.0.0.1', 9000], function* (data, address) {
 *   yield* this.sendto(`Received ${data.length} bytes`, address);
 * });
 * yield* server.serveForever();
 */
export class DatagramServer extends BaseServer {
  /** The bound UDP socket (after `start()` when not given one). */
  socket: socket | null = null;
  private readonly listenAddress: Address | null;
  /** The address last bound (kept after close, for messages and reconnect attempts). */
  private lastAddress: Address | null = null;
  private handler: DatagramHandler | null;

  constructor(
    listener: [string, number] | string | socket,
    handle?: DatagramHandler | null,
    options: BaseServerOptions = {},
  ) {
    super(options);
    if (listener instanceof socket) {
      if (listener.type !== SOCK_DGRAM)
        throw new TypeError('the listener socket must be SOCK_DGRAM');
      this.socket = listener;
      this.listenAddress = null;
    } else {
      const address = parseListener(listener);
      if (typeof address === 'string')
        throw new TypeError('DatagramServer needs a [host, port] listener');
      this.listenAddress = address;
    }
    this.handler = handle ?? null;
  }

  setHandle(handle: DatagramHandler): void {
    this.handler = handle;
  }

  get address(): Address {
    if (this.socket !== null && !this.socket.closed) this.lastAddress = this.socket.getsockname();
    return this.lastAddress ?? this.listenAddress ?? '';
  }

  get serverHost(): string {
    return (this.address as [string, number])[0];
  }

  get serverPort(): number {
    return (this.address as [string, number])[1];
  }

  /** Sends a datagram from the server's socket (a reply). */
  sendto(data: Uint8Array | string, address: Address): Op<number> {
    if (this.socket === null) throw new Error(`${this} is not started`);
    return this.socket.sendto(data, address);
  }

  /** The datagram handler; override in a subclass (the default calls the `handle` given). */
  protected handle(data: Buffer, address: Address): unknown {
    if (this.handler === null) throw new TypeError(`${this} has no handle function`);
    return this.handler.call(this, data, address);
  }

  protected *bindListener(): Generator<unknown, void, unknown> {
    if (this.socket === null) this.socket = yield* this.bindNew();
    this.lastAddress = this.socket.getsockname();
  }

  private *bindNew(): Generator<unknown, socket, unknown> {
    const address = this.listenAddress as [string, number];
    const sock = new socket(familyOfHost(address[0]), SOCK_DGRAM);
    try {
      yield* sock.bind(address);
    } catch (error) {
      sock.close();
      throw error;
    }
    return sock;
  }

  protected *acceptOne(): Generator<unknown, unknown[], unknown> {
    return yield* this.socket!.recvfrom(MAX_DATAGRAM);
  }

  protected closeListener(): void {
    this.socket?.close();
  }

  protected discardOne(): void {}

  protected *serveOne(...args: unknown[]): Generator<unknown, unknown, unknown> {
    return yield* callHandler(this.handle, this, args);
  }
}
