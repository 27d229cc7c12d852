/**
 * DatagramChannel: a UDP socket (node:dgram) and the greenlets that use it. Received datagrams
 * wait in a bounded queue — when nobody reads and it is full, new ones are dropped, as a full
 * kernel buffer drops them — until `recvfrom` takes them. Layer: io.
 */

import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { ConcurrentObjectUseError } from '../errors.ts';
import { MUST_WAIT, WaitOp } from '../internal/wait-op.ts';
import { type Address, type Endpoint, fromNodeAddress } from './address.ts';
import { AF_INET6 } from './constants.ts';
import { badFileError, SocketError, SocketTimeout, toSocketError } from './errors.ts';
import type { ChannelWaiter } from './stream-channel.ts';
import type { Described } from './stream-ops.ts';

/** Datagrams kept for a reader before new ones are dropped. */
export const DATAGRAM_QUEUE_LIMIT = 4096;

export class DatagramChannel {
  readonly udp: UdpSocket;
  /** @internal */ reader: RecvFromOp | null = null;
  /** @internal */ bindWaiters: ChannelWaiter[] = [];
  bound = false;
  binding = false;
  closed = false;
  /** Datagrams dropped because the queue was full. */
  dropped = 0;
  error: Error | null = null;
  private queue: Array<[Buffer, RemoteInfo]> = [];
  private first = 0;

  constructor(readonly family: number) {
    this.udp = createSocket({ type: family === AF_INET6 ? 'udp6' : 'udp4' });
    this.udp.on('message', this.onMessage);
    this.udp.on('listening', this.onListening);
    this.udp.on('error', this.onError);
  }

  /** Binds (once); BindOp waits for the outcome. */
  bind(endpoint: Endpoint): void {
    if (this.bound || this.binding) throw new SocketError('EINVAL');
    this.binding = true;
    this.udp.bind({ address: endpoint.host, port: endpoint.port });
  }

  /** Node binds an unbound UDP socket on its first send; track that too. */
  noteImplicitBind(): void {
    if (!this.bound) this.binding = true;
  }

  /** @internal The next datagram, or undefined. */
  takeNow(): [Buffer, RemoteInfo] | undefined {
    if (this.first === this.queue.length) return undefined;
    const item = this.queue[this.first]!;
    this.queue[this.first++] = undefined as unknown as [Buffer, RemoteInfo];
    if (this.first === this.queue.length) {
      this.queue = [];
      this.first = 0;
    }
    return item;
  }

  /** The bound address in Python's form. */
  address(): Address {
    try {
      return fromNodeAddress(this.udp.address(), this.family);
    } catch {
      return fromNodeAddress(null, this.family);
    }
  }

  /** The connected peer (ENOTCONN if `connect` was not called). */
  peer(): Address {
    try {
      return fromNodeAddress(this.udp.remoteAddress(), this.family);
    } catch {
      throw new SocketError('ENOTCONN');
    }
  }

  /** `connect(address)`: fixes the peer (binding first if needed); the Op waits for it. */
  connectOp(endpoint: Endpoint): DatagramSendOp<void> {
    this.noteImplicitBind();
    const udp = this.udp;
    return new DatagramSendOp((done) => {
      const failed = (error: Error) => {
        udp.off('connect', connected);
        done(error);
      };
      const connected = () => {
        udp.off('error', failed);
        done(null);
      };
      udp.once('error', failed);
      udp.connect(endpoint.port, endpoint.host, connected);
    }, undefined);
  }

  /** Sends one datagram (to the connected peer when `endpoint` is null); the Op waits for the kernel. */
  sendOp(bytes: Uint8Array, endpoint: Endpoint | null): DatagramSendOp<number> {
    this.noteImplicitBind();
    const udp = this.udp;
    return new DatagramSendOp((done) => {
      if (endpoint === null) udp.send(bytes, (error) => done(error));
      else udp.send(bytes, endpoint.port, endpoint.host, (error) => done(error));
    }, bytes.length);
  }

  close(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.first = 0;
    this.reader?.raiseWith(error);
    for (const w of this.bindWaiters.splice(0)) w.raiseWith(error);
    this.udp.close();
  }

  private readonly onMessage = (data: Buffer, info: RemoteInfo): void => {
    if (this.queue.length - this.first >= DATAGRAM_QUEUE_LIMIT) {
      this.dropped++;
      return;
    }
    this.queue.push([data, info]);
    const reader = this.reader;
    if (reader !== null) {
      this.reader = null;
      reader.wakeWith(undefined);
    }
  };

  private readonly onListening = (): void => {
    this.bound = true;
    this.binding = false;
    for (const w of this.bindWaiters.splice(0)) w.wakeWith(undefined);
  };

  private readonly onError = (error: unknown): void => {
    const mapped = toSocketError(error);
    this.error = mapped;
    this.binding = false;
    for (const w of this.bindWaiters.splice(0)) w.raiseWith(mapped);
    this.reader?.raiseWith(mapped);
  };
}

/** Waits until a DatagramChannel is bound. */
export class BindOp extends WaitOp<void> {
  constructor(private readonly channel: DatagramChannel) {
    super();
  }
  protected tryNow(): void | typeof MUST_WAIT {
    const channel = this.channel;
    if (channel.closed) throw badFileError();
    if (channel.bound) return;
    if (channel.error !== null) throw channel.error;
    return MUST_WAIT;
  }
  protected enlist(): void {
    this.channel.bindWaiters.push(this);
  }
  protected delist(): void {
    const list = this.channel.bindWaiters;
    const i = list.indexOf(this);
    if (i >= 0) list.splice(i, 1);
  }
  protected describe(): string {
    return 'bind';
  }
}

/** `recvfrom(n)`: the next datagram (cut to n bytes, as Python does) and its sender. */
export class RecvFromOp extends WaitOp<[Buffer, Address]> {
  constructor(
    private readonly channel: DatagramChannel,
    private readonly size: number,
    timeout: number | null | undefined,
    private readonly owner: Described,
  ) {
    super();
    this.timeoutSeconds = timeout;
  }
  protected tryNow(): [Buffer, Address] | typeof MUST_WAIT {
    const channel = this.channel;
    if (channel.closed) throw badFileError();
    const item = channel.takeNow();
    if (item !== undefined) return this.shape(item);
    if (channel.error !== null) {
      const error = channel.error;
      channel.error = null;
      throw error;
    }
    if (!channel.bound && !channel.binding) throw new SocketError('EINVAL', 'socket is not bound');
    if (this.timeoutSeconds === 0) throw new SocketError('EAGAIN');
    if (channel.reader?.waiting) {
      throw new ConcurrentObjectUseError(
        `This socket is already used by another greenlet: recvfrom on ${String(this.owner)}`,
      );
    }
    return MUST_WAIT;
  }
  protected enlist(): void {
    this.channel.reader = this;
  }
  protected delist(): void {
    if (this.channel.reader === this) this.channel.reader = null;
  }
  protected override onTimeout(): void {
    this.raiseWith(new SocketTimeout());
  }
  protected override resumed(): [Buffer, Address] {
    this.delist();
    const item = this.channel.takeNow();
    if (item === undefined) throw badFileError();
    return this.shape(item);
  }
  private shape([data, info]: [Buffer, RemoteInfo]): [Buffer, Address] {
    const cut = data.length > this.size ? data.subarray(0, this.size) : data;
    return [cut, fromNodeAddress(info, this.channel.family)];
  }
  protected describe(): string {
    return `recvfrom on ${String(this.owner)}`;
  }
}

/** Waits for a dgram send's callback: the datagram has gone to the kernel (or failed). */
export class DatagramSendOp<T> extends WaitOp<T> {
  private outcome: Error | null | undefined = undefined;
  constructor(
    private readonly start: (done: (error: Error | null) => void) => void,
    private readonly result: T,
  ) {
    super();
  }
  protected tryNow(): T | typeof MUST_WAIT {
    try {
      this.start((error) => {
        this.outcome = error ?? null;
        if (error) this.raiseWith(toSocketError(error));
        else this.wakeWith(undefined);
      });
    } catch (error) {
      throw toSocketError(error);
    }
    if (this.outcome === null) return this.result;
    if (this.outcome !== undefined) throw toSocketError(this.outcome);
    return MUST_WAIT;
  }
  protected enlist(): void {}
  protected delist(): void {}
  protected override resumed(): T {
    return this.result;
  }
  protected describe(): string {
    return 'sendto';
  }
}
