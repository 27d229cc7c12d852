/**
 * Acceptor: the listening half of a stream socket, over a `net.Server`. Connections Node accepts
 * wait in a queue (paused: they read nothing until their handler does) until a greenlet's
 * `accept()` takes them. Layer: io.
 *
 * Node accepts whatever the kernel has, whether or not anybody calls `accept()` (it cannot stop
 * accepting without closing the listener), so the queue plays the kernel backlog's part: it
 * holds at most `max(backlog, MIN_PENDING)` connections, and closes further ones at once
 * (gevent's clients would wait in the kernel instead). That bounds the fds and memory a server
 * with a full pool, or one that `stopAccepting()`, can be made to hold.
 */

import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { ConcurrentObjectUseError } from '../errors.ts';
import { MUST_WAIT, WaitOp } from '../internal/wait-op.ts';
import type { Endpoint } from './address.ts';
import { badFileError, SocketError, SocketTimeout, toSocketError } from './errors.ts';
import { StreamChannel } from './stream-channel.ts';
import type { Described } from './stream-ops.ts';

/** Options for the sockets Node accepts. */
export interface AcceptorOptions {
  /** TCP_NODELAY on accepted sockets. */
  noDelay?: boolean;
}

/** The fewest connections the queue holds whatever the backlog (a listen(1) socket still gets a few). */
const MIN_PENDING = 128;

export class Acceptor {
  readonly server: Server;
  /** @internal */ waiter: AcceptOp | null = null;
  /** @internal */ listenWaiters: ListenOp[] = [];
  listening = false;
  closed = false;
  error: Error | null = null;
  /** Connections closed at once because the queue was full. */
  refused = 0;
  private queue: StreamChannel[] = [];
  private first = 0;
  private maxPending = MIN_PENDING;

  constructor(options: AcceptorOptions = {}) {
    this.server = createServer({
      allowHalfOpen: true,
      pauseOnConnect: true,
      noDelay: options.noDelay ?? false,
    });
    this.server.on('connection', this.onConnection);
    this.server.on('listening', this.onListening);
    this.server.on('error', this.onError);
  }

  /** Starts listening; `ListenOp` waits for the outcome. */
  listen(endpoint: Endpoint, backlog: number): void {
    this.maxPending = Math.max(backlog, MIN_PENDING);
    if (endpoint.path !== undefined) this.server.listen({ path: endpoint.path, backlog });
    else this.server.listen({ host: endpoint.host, port: endpoint.port, backlog });
  }

  /** The bound address once listening (Node's form), else null. */
  address(): AddressInfo | string | null {
    return this.server.address();
  }

  /** Connections accepted and not yet taken. */
  get pending(): number {
    return this.queue.length - this.first;
  }

  /** @internal The next accepted connection, or undefined. */
  takeNow(): StreamChannel | undefined {
    if (this.first === this.queue.length) return undefined;
    const channel = this.queue[this.first]!;
    this.queue[this.first++] = undefined as unknown as StreamChannel;
    if (this.first === this.queue.length) {
      this.queue = [];
      this.first = 0;
    }
    return channel;
  }

  /** Stops listening at once: new connections are refused; queued ones are closed. */
  close(error: Error = badFileError()): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    for (let c = this.takeNow(); c !== undefined; c = this.takeNow()) c.release();
    this.waiter?.raiseWith(error);
    for (const op of this.listenWaiters.splice(0)) op.raiseWith(error);
  }

  private readonly onConnection = (socket: Socket): void => {
    if (this.closed || this.pending >= this.maxPending) {
      if (!this.closed) this.refused++;
      socket.destroy();
      return;
    }
    this.queue.push(new StreamChannel(socket, { connected: true }));
    const waiter = this.waiter;
    if (waiter !== null) {
      this.waiter = null;
      waiter.wakeWith(undefined);
    }
  };

  private readonly onListening = (): void => {
    this.listening = true;
    for (const op of this.listenWaiters.splice(0)) op.wakeWith(undefined);
  };

  private readonly onError = (error: unknown): void => {
    const mapped = toSocketError(error);
    this.error ??= mapped;
    for (const op of this.listenWaiters.splice(0)) op.raiseWith(mapped);
    this.waiter?.raiseWith(mapped);
  };
}

/** Waits until the acceptor listens (or raises why it cannot, such as EADDRINUSE). */
export class ListenOp extends WaitOp<void> {
  constructor(private readonly acceptor: Acceptor) {
    super();
  }
  protected tryNow(): void | typeof MUST_WAIT {
    if (this.acceptor.error !== null) throw this.acceptor.error;
    if (this.acceptor.closed) throw badFileError();
    return this.acceptor.listening ? undefined : MUST_WAIT;
  }
  protected enlist(): void {
    this.acceptor.listenWaiters.push(this);
  }
  protected delist(): void {
    const list = this.acceptor.listenWaiters;
    const i = list.indexOf(this);
    if (i >= 0) list.splice(i, 1);
  }
  protected describe(): string {
    return 'listen';
  }
}

/** `accept()`: the next connection's channel. */
export class AcceptOp extends WaitOp<StreamChannel> {
  constructor(
    private readonly acceptor: Acceptor,
    timeout: number | null | undefined,
    private readonly owner: Described,
  ) {
    super();
    this.timeoutSeconds = timeout;
  }
  protected tryNow(): StreamChannel | typeof MUST_WAIT {
    const acceptor = this.acceptor;
    if (acceptor.closed) throw badFileError();
    const channel = acceptor.takeNow();
    if (channel !== undefined) return channel;
    if (acceptor.error !== null && !acceptor.listening) throw acceptor.error;
    if (this.timeoutSeconds === 0) throw new SocketError('EAGAIN');
    if (acceptor.waiter?.waiting) {
      throw new ConcurrentObjectUseError(
        `This socket is already used by another greenlet: accept on ${String(this.owner)}`,
      );
    }
    return MUST_WAIT;
  }
  protected enlist(): void {
    this.acceptor.waiter = this;
  }
  protected delist(): void {
    if (this.acceptor.waiter === this) this.acceptor.waiter = null;
  }
  protected override onTimeout(): void {
    this.raiseWith(new SocketTimeout());
  }
  protected override resumed(): StreamChannel {
    this.delist();
    const channel = this.acceptor.takeNow();
    if (channel === undefined) throw badFileError();
    return channel;
  }
  protected describe(): string {
    return `accept on ${String(this.owner)}`;
  }
}
