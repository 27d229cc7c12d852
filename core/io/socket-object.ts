/**
 * `socket`: Python's (and gevent's) cooperative socket object over Node's net and dgram. Layer:
 * io.
 *
 * One object, three possible backends, chosen by what the socket is used for: a StreamChannel
 * once a stream socket connects (or is accepted), an Acceptor once it listens, a
 * DatagramChannel for SOCK_DGRAM. Calls that start something (`connect`, `bind`, `listen`) act
 * at once and return an Op that waits for the outcome; calls that wait (`recv`, `accept`,
 * `sendall`) return an Op that does the work when iterated with `yield*`.
 */

import type { Op } from '../greenlet.ts';
import { describeValue } from '../internal/validators.ts';
import { DONE } from '../internal/wait-op.ts';
import { AcceptOp, Acceptor, ListenOp } from './acceptor.ts';
import {
  type Address,
  type Endpoint,
  emptyAddress,
  toEndpoint,
  validateFamily,
} from './address.ts';
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SOCK_DGRAM,
  SOCK_STREAM,
} from './constants.ts';
import { BindOp, DatagramChannel, RecvFromOp } from './datagram-channel.ts';
import { getdefaulttimeout } from './defaults.ts';
import { badFileError, cancelWaitError, SocketError, toSocketError } from './errors.ts';
import { type MakefileOptions, SocketFile } from './makefile.ts';
import { localName, peerName } from './socket-names.ts';
import { SocketOptions } from './sockopt.ts';
import { type NodeStream, StreamChannel } from './stream-channel.ts';
import { ConnectOp, openStream, RecvOp, startSend, startSendAll } from './stream-ops.ts';
import { bytesOf, validateSize, validateTimeoutValue } from './validate.ts';

let lastId = 0;

/** A socket class (subclasses such as SSLSocket make their own kind). */
type Maker<S> = new (family: number) => S;

/**
 * A cooperative socket. Blocking calls return Ops: `const data = yield* sock.recv(4096)`.
 *
 * @example
 * const sock = new socket(AF_INET, SOCK_STREAM);
 * yield* sock.connect(['127.0.0.1', port]);
 * yield* sock.sendall(Buffer.from('hello\n'));
 * const reply = yield* sock.recv(1024); // an empty Buffer means the peer closed
 * sock.close();
 */
export class socket {
  private _family: number;
  readonly type: number;
  readonly proto: number;
  /** @internal */ _stream: StreamChannel | null = null;
  /** @internal */ _acceptor: Acceptor | null = null;
  /** @internal */ _dgram: DatagramChannel | null = null;
  /** @internal Open makefile() objects; the socket really closes when they are closed too. */
  _ioRefs = 0;
  private _timeout: number | null = getdefaulttimeout();
  /** @internal Where bind() asked to bind a stream socket (applied by listen/connect). */
  _bindTo: Endpoint | null = null;
  private _closed = false;
  private readonly _options = new SocketOptions();
  private readonly _id = ++lastId;

  constructor(family: number = AF_INET, type: number = SOCK_STREAM, proto = 0) {
    this._family = validateFamily(family);
    if (type !== SOCK_STREAM && type !== SOCK_DGRAM) {
      throw new RangeError(`type must be SOCK_STREAM or SOCK_DGRAM, got ${describeValue(type)}`);
    }
    if (family === AF_UNIX && type === SOCK_DGRAM) throw new SocketError('EAFNOSUPPORT');
    this.type = type;
    this.proto = proto;
  }

  /** @internal A socket around an accepted (or wrapped) stream. */
  static _fromChannel<S extends socket>(this: Maker<S>, channel: StreamChannel, family: number): S {
    const sock = new this(family);
    sock._stream = channel;
    sock._options.applyTo(channel.stream);
    return sock;
  }

  /** AF_INET, AF_INET6 or AF_UNIX (a connection by host name takes the family it reached). */
  get family(): number {
    return this._family;
  }

  /** @internal After connecting by name: the family of the address actually reached. */
  _adoptRemoteFamily(): void {
    const stream = this._stream?.stream as { remoteFamily?: string } | undefined;
    if (stream?.remoteFamily === 'IPv6') this._family = AF_INET6;
    else if (stream?.remoteFamily === 'IPv4') this._family = AF_INET;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this._closed;
  }

  /** The socket's timeout in seconds (null: blocking, 0: non-blocking). */
  gettimeout(): number | null {
    return this._timeout;
  }

  /** Sets the timeout for every blocking call: null blocks, 0 never waits (EAGAIN), t raises `SocketTimeout`. */
  settimeout(timeout: number | null): void {
    this._timeout = validateTimeoutValue(timeout);
  }

  /** `setblocking(false)` is `settimeout(0)`; `setblocking(true)` is `settimeout(null)`. */
  setblocking(flag: boolean): void {
    this._timeout = flag ? null : 0;
  }

  getblocking(): boolean {
    return this._timeout !== 0;
  }

  /** Connects; raises `SocketError` (ECONNREFUSED...) or `SocketTimeout`. Starts at once. */
  connect(address: Address): Op<void> {
    this.checkOpen();
    const endpoint = toEndpoint(this.family, address, false);
    if (this.type === SOCK_DGRAM) return this.datagram().connectOp(endpoint);
    if (this._stream !== null || this._acceptor !== null) throw new SocketError('EISCONN');
    const stream = openStream(endpoint, this._bindTo);
    this._stream = new StreamChannel(stream, { connected: false, mapError: this._mapError() });
    this._options.applyTo(stream);
    return connected(this, new ConnectOp(this._stream, this._timeout, this));
  }

  /** Like `connect`, but returns 0 or the errno instead of raising an OS error. */
  *connectEx(address: Address): Generator<unknown, number, unknown> {
    try {
      yield* this.connect(address);
      return 0;
    } catch (error) {
      if (error instanceof SocketError && error.errno !== undefined) return error.errno;
      throw error;
    }
  }

  /** Binds to `address`. For a datagram socket it binds at once (the Op waits); a stream socket binds when it listens or connects. */
  bind(address: Address): Op<void> {
    this.checkOpen();
    const endpoint = toEndpoint(this.family, address, true);
    if (this.type === SOCK_DGRAM) {
      const channel = this.datagram();
      channel.bind(endpoint);
      return new BindOp(channel);
    }
    if (this._bindTo !== null || this._stream !== null) throw new SocketError('EINVAL');
    this._bindTo = endpoint;
    return DONE;
  }

  /** Starts listening on the bound address (port 0 if unbound). Acts at once; the Op waits for the outcome (EADDRINUSE...). */
  listen(backlog = 128): Op<void> {
    this.checkOpen();
    if (this.type !== SOCK_STREAM || this._stream !== null) throw new SocketError('EINVAL');
    if (this._acceptor === null) {
      const acceptor = new Acceptor({ noDelay: this._options.noDelay });
      acceptor.listen(
        this._bindTo ?? toEndpoint(this.family, emptyAddress(this.family), true),
        backlog,
      );
      this._acceptor = acceptor;
    }
    return new ListenOp(this._acceptor);
  }

  /** The next connection: `[socket, peerAddress]`. */
  *accept(): Generator<unknown, [socket, Address], unknown> {
    this.checkOpen();
    const acceptor = this._acceptor;
    if (acceptor === null)
      throw new SocketError('EINVAL', 'accept() on a socket that is not listening');
    const accepting: Op<StreamChannel> = new AcceptOp(acceptor, this._timeout, this);
    const channel = yield* accepting;
    const conn = (this.constructor as typeof socket)._fromChannel(channel, this.family);
    return [conn, conn.getpeername()];
  }

  /** Up to `bufsize` bytes; an empty Buffer once the peer has closed. */
  recv(bufsize: number): Op<Buffer> {
    validateSize(bufsize, 'recv(bufsize)');
    if (this.type === SOCK_DGRAM) return this.recvDatagramData(bufsize);
    return new RecvOp(this.connectedStream(), bufsize, this._timeout, this);
  }

  /** Receives into `buffer` (at most `nbytes`); returns the count (0 at EOF). */
  *recvInto(buffer: Uint8Array, nbytes = 0): Generator<unknown, number, unknown> {
    if (!(buffer instanceof Uint8Array)) {
      throw new TypeError(
        `recvInto(buffer): buffer must be a Buffer or Uint8Array, got ${describeValue(buffer)}`,
      );
    }
    const limit = nbytes > 0 ? Math.min(nbytes, buffer.length) : buffer.length;
    if (limit === 0) return 0;
    const data = yield* this.recv(limit);
    buffer.set(data, 0);
    return data.length;
  }

  /** A datagram (or stream data) and the sender's address. */
  *recvfrom(bufsize: number): Generator<unknown, [Buffer, Address], unknown> {
    validateSize(bufsize, 'recvfrom(bufsize)');
    if (this.type === SOCK_DGRAM) {
      this.checkOpen();
      const receiving: Op<[Buffer, Address]> = new RecvFromOp(
        this.datagram(),
        bufsize,
        this._timeout,
        this,
      );
      return yield* receiving;
    }
    const data = yield* this.recv(bufsize);
    return [data, this.getpeername()];
  }

  /**
   * Sends some of `data` (at most 256 KiB) and returns how much; waits first while earlier data
   * has not reached the kernel. A timeout means nothing of this call was sent.
   */
  send(data: Uint8Array | string): Op<number> {
    const bytes = bytesOf(data, 'send(data)');
    if (this.type === SOCK_DGRAM) return this.sendDatagram(bytes, null);
    return startSend(this.connectedStream(), bytes, this._timeout, this);
  }

  /** Sends all of `data`, waiting while the peer does not read (raises `SocketTimeout` past the timeout). */
  sendall(data: Uint8Array | string): Op<void> {
    const bytes = bytesOf(data, 'sendall(data)');
    if (this.type === SOCK_DGRAM) return this.sendDatagram(bytes, null) as Op<unknown> as Op<void>;
    return startSendAll(this.connectedStream(), bytes, this._timeout, this);
  }

  /** Sends a datagram to `address`. */
  sendto(data: Uint8Array | string, address: Address): Op<number> {
    const bytes = bytesOf(data, 'sendto(data)');
    if (this.type !== SOCK_DGRAM) throw new SocketError('EISCONN');
    return this.sendDatagram(bytes, toEndpoint(this.family, address, false));
  }

  /** `shutdown(SHUT_RD | SHUT_WR | SHUT_RDWR)`. */
  shutdown(how: number): void {
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) {
      throw new RangeError(
        `shutdown(how): how must be SHUT_RD, SHUT_WR or SHUT_RDWR, got ${describeValue(how)}`,
      );
    }
    this.checkOpen();
    const stream = this._stream;
    if (stream === null) throw new SocketError('ENOTCONN');
    stream.shutdown(how !== SHUT_WR, how !== SHUT_RD);
  }

  /**
   * Closes the socket. A greenlet blocked on it gets `SocketError` EBADF ("File descriptor was
   * closed in another greenlet"). With `makefile()` objects still open, the connection stays
   * up until they are closed (as in Python).
   */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    if (this._ioRefs === 0) this._release();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal A makefile() object was closed: close for real if the socket was closed too. */
  _dropIoRef(): void {
    this._ioRefs--;
    if (this._closed && this._ioRefs === 0) this._release();
  }

  /** @internal Really closes the connection (close() with no makefile() left open). */
  _release(): void {
    const error = cancelWaitError();
    const stream = this._stream;
    if (stream !== null) {
      stream.interruptWaiters(error);
      stream.release();
    }
    this._acceptor?.close(error);
    this._dgram?.close(error);
  }

  /** The local address. */
  getsockname(): Address {
    this.checkOpen();
    return localName(this);
  }

  /** The peer's address; ENOTCONN if not connected. */
  getpeername(): Address {
    this.checkOpen();
    return peerName(this);
  }

  /** `setsockopt(level, option, value)`: TCP_NODELAY, SO_KEEPALIVE, SO_REUSEADDR, SO_BROADCAST, buffer sizes. */
  setsockopt(level: number, option: number, value: number | boolean): void {
    this.checkOpen();
    this._options.set(level, option, Number(value));
    if (this._stream !== null) this._options.applyTo(this._stream.stream);
    if (this._dgram?.bound) this._options.applyToDatagram(this._dgram.udp);
  }

  getsockopt(level: number, option: number): number {
    this.checkOpen();
    return this._options.get(level, option);
  }

  /** The OS file descriptor, or -1 when there is none (yet). */
  fileno(): number {
    if (this._closed) return -1;
    const target = (this._stream?.stream ??
      this._acceptor?.server ??
      this._dgram?.udp) as unknown as { _handle?: { fd?: number } } | undefined;
    return target?._handle?.fd ?? -1;
  }

  /**
   * A file object over the socket: `read`, `readline`, `write`, `flush` as Ops. Modes with 'b'
   * read and write Buffers, the others strings.
   */
  makefile<M extends string = 'r'>(
    mode?: M,
    options: MakefileOptions = {},
  ): SocketFile<M extends `${string}b${string}` ? Buffer : string> {
    this.checkOpen();
    return new SocketFile(this, mode ?? 'r', options);
  }

  toString(): string {
    const state = this._closed ? ' [closed]' : '';
    const kind = this.type === SOCK_DGRAM ? 'SOCK_DGRAM' : 'SOCK_STREAM';
    return `<${this.constructor.name} #${this._id} ${kind}${state}>`;
  }

  /** @internal The connected stream, for makefile (which may outlive close()). */
  _channel(): StreamChannel {
    const channel = this._stream;
    if (channel === null || !channel.connected) throw new SocketError('ENOTCONN');
    return channel;
  }

  /** @internal Hands the Node stream to another layer (ssl); this socket no longer holds it. */
  _takeStream(): NodeStream | null {
    const channel = this._stream;
    if (channel === null) return null;
    this._stream = null;
    return channel.detach();
  }

  /** @internal Marks the socket closed without touching its connection (handed on by wrap). */
  _markDetached(): void {
    this._closed = true;
  }

  /** @internal How Node errors become the errors greenlets see (SSLSocket overrides it). */
  _mapError(): (error: unknown) => Error {
    return toSocketError;
  }

  private connectedStream(): StreamChannel {
    this.checkOpen();
    return this._channel();
  }

  private checkOpen(): void {
    if (this._closed) throw badFileError();
  }

  private datagram(): DatagramChannel {
    if (this._dgram === null) this._dgram = new DatagramChannel(this.family);
    return this._dgram;
  }

  private *recvDatagramData(bufsize: number): Generator<unknown, Buffer, unknown> {
    const [data] = yield* this.recvfrom(bufsize);
    return data;
  }

  private sendDatagram(bytes: Uint8Array, endpoint: Endpoint | null): Op<number> {
    this.checkOpen();
    return this.datagram().sendOp(bytes, endpoint);
  }
}

function* connected(sock: socket, op: ConnectOp): Generator<unknown, void, unknown> {
  yield* op;
  sock._adoptRemoteFamily();
}
