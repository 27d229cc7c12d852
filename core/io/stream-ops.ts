/**
 * The blocking operations on a StreamChannel — receive, send, connect — as WaitOps, so a kill or
 * a Timeout thrown into the waiting greenlet withdraws the wait cleanly. Layer: io.
 *
 * Each takes the socket's timeout: undefined/null waits forever, 0 is non-blocking (EAGAIN
 * instead of waiting), and a positive value raises `SocketTimeout` when it expires.
 */

import { type Socket as NetSocket, connect as netConnect } from 'node:net';
import { ConcurrentObjectUseError } from '../errors.ts';
import type { Op } from '../greenlet.ts';
import { DoneOp, MUST_WAIT, WaitOp } from '../internal/wait-op.ts';
import type { Endpoint } from './address.ts';
import { badFileError, SocketError, SocketTimeout } from './errors.ts';
import { EMPTY, NOTHING, type StreamChannel, type WriteWaiter } from './stream-channel.ts';

/** Whatever owns the channel, for error messages (`String(owner)`). */
export interface Described {
  toString(): string;
}

function concurrentUse(owner: Described, what: string): ConcurrentObjectUseError {
  return new ConcurrentObjectUseError(
    `This socket is already used by another greenlet: ${what} on ${String(owner)}`,
  );
}

/** `recv(n)`: up to n bytes; an empty Buffer at EOF. */
export class RecvOp extends WaitOp<Buffer> {
  constructor(
    private readonly channel: StreamChannel,
    readonly size: number,
    timeout: number | null | undefined,
    private readonly owner: Described,
  ) {
    super();
    this.timeoutSeconds = timeout;
  }

  protected tryNow(): Buffer | typeof MUST_WAIT {
    const channel = this.channel;
    const now = channel.readNow(this.size);
    if (now !== NOTHING) return now;
    if (this.size === 0) return EMPTY; // Python's recv(0): b'' at once
    if (this.timeoutSeconds === 0) throw new SocketError('EAGAIN');
    if (channel.reader?.waiting) throw concurrentUse(this.owner, 'recv');
    channel.startReading();
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

  protected override resumed(value: unknown): Buffer {
    this.delist();
    const channel = this.channel;
    if (value !== undefined) {
      // A chunk handed over by StreamChannel.onData, unless the socket was closed or shut
      // down for reading since (then recv behaves as if the chunk had been buffered).
      if (channel.released) throw badFileError();
      return channel.readShut ? EMPTY : (value as Buffer);
    }
    const now = channel.readNow(this.size);
    return now === NOTHING ? EMPTY : now;
  }

  protected describe(): string {
    return `recv on ${String(this.owner)}`;
  }
}

/** The most one `send()` takes: its bytes are copied, so the caller may reuse its buffer. */
const SEND_CHUNK = 256 * 1024;

/**
 * `send`: Python's contract — either nothing is sent (a timeout, an error) or some of `data` is,
 * and the count says how much. When Node still holds earlier data the kernel has not taken,
 * it first waits for that (so a timeout leaves nothing of this call queued, and a retry sends
 * nothing twice); then it hands Node a copy of at most SEND_CHUNK bytes and returns that count
 * without waiting for the kernel.
 */
export function startSend(
  channel: StreamChannel,
  data: Buffer | Uint8Array,
  timeout: number | null | undefined,
  owner: Described,
): Op<number> {
  checkSend(channel, owner);
  if (data.length === 0) return new DoneOp(0);
  if (timeout === 0) return new DoneOp(sendNonBlocking(channel, data));
  if (channel.unsent === 0) return new DoneOp(writeCopy(channel, data));
  return sendAfterUnsent(channel, data, timeout, owner);
}

function* sendAfterUnsent(
  channel: StreamChannel,
  data: Buffer | Uint8Array,
  timeout: number | null | undefined,
  owner: Described,
): Generator<unknown, number, unknown> {
  yield* waitForUnsent(channel, timeout, owner);
  return yield* startSend(channel, data, timeout, owner);
}

function writeCopy(channel: StreamChannel, data: Buffer | Uint8Array): number {
  const n = Math.min(data.length, SEND_CHUNK);
  channel.write(Buffer.from(data.subarray(0, n)));
  return n;
}

/**
 * `sendall`: writes all of `data` and waits until the kernel has it (the caller may then reuse
 * its buffer). A write the kernel took at once needs no waiting op at all. Data Node still holds
 * from before is waited for first, so a sendall that times out while waiting queues nothing; one
 * that times out after writing leaves its data to be sent (Python: "an unspecified amount").
 */
export function startSendAll(
  channel: StreamChannel,
  data: Buffer | Uint8Array,
  timeout: number | null | undefined,
  owner: Described,
): Op<void> {
  checkSend(channel, owner);
  if (data.length === 0) return SENT;
  if (timeout === 0) {
    sendNonBlocking(channel, data);
    return SENT;
  }
  if (channel.unsent > 0) return sendAllAfterUnsent(channel, data, timeout, owner);
  const seq = channel.write(data);
  if (channel.writeDone(seq)) return SENT;
  return new SendWaitOp<void>(channel, seq, undefined, timeout, owner);
}

function* sendAllAfterUnsent(
  channel: StreamChannel,
  data: Buffer | Uint8Array,
  timeout: number | null | undefined,
  owner: Described,
): Generator<unknown, void, unknown> {
  const start = performance.now();
  yield* waitForUnsent(channel, timeout, owner);
  const left =
    timeout === null || timeout === undefined
      ? timeout
      : Math.max(0, timeout - (performance.now() - start) / 1000);
  yield* startSendAll(channel, data, left, owner);
}

/** Waits (within `timeout`) until the kernel has taken every earlier write of `channel`. */
function waitForUnsent(
  channel: StreamChannel,
  timeout: number | null | undefined,
  owner: Described,
): Op<void> {
  return new SendWaitOp<void>(channel, channel.lastWrite, undefined, timeout, owner);
}

function checkSend(channel: StreamChannel, owner: Described): void {
  channel.checkWritable();
  if (channel.writer?.waiting) throw concurrentUse(owner, 'send');
}

/**
 * Non-blocking (`settimeout(0)`): while the kernel has not taken what is already queued (Node
 * holds a high-water mark of it), refuse as a full socket buffer does, rather than queue without
 * bound. Otherwise Node keeps a reference until the kernel takes the data, and the caller may
 * reuse its buffer at once, so hand Node a copy.
 */
function sendNonBlocking(channel: StreamChannel, data: Buffer | Uint8Array): number {
  if (channel.writeBacklogFull()) throw new SocketError('EAGAIN');
  channel.write(Buffer.from(data));
  return data.length;
}

/** The result of a finished sendall, shared (its value is always undefined). */
const SENT_RESULT: IteratorResult<unknown, void> = Object.freeze({ done: true, value: undefined });

/** A finished sendall: one shared object, so the common case allocates nothing. */
const SENT: Op<void> = {
  [Symbol.iterator]() {
    return this;
  },
  next: () => SENT_RESULT,
  throw(error: unknown): never {
    throw error;
  },
  return: () => SENT_RESULT,
};

/** Waits until write number `seq` of a channel has completed. */
export class SendWaitOp<T> extends WaitOp<T> implements WriteWaiter {
  constructor(
    private readonly channel: StreamChannel,
    readonly seq: number,
    private readonly result: T,
    timeout: number | null | undefined,
    private readonly owner: Described,
  ) {
    super();
    this.timeoutSeconds = timeout;
  }

  protected tryNow(): T | typeof MUST_WAIT {
    const channel = this.channel;
    if (channel.writeDone(this.seq)) return this.result;
    if (channel.error !== null) throw channel.error;
    if (channel.released) throw new SocketError('EBADF');
    return MUST_WAIT;
  }

  protected enlist(): void {
    this.channel.writer = this;
  }

  protected delist(): void {
    if (this.channel.writer === this) this.channel.writer = null;
  }

  protected override onTimeout(): void {
    this.raiseWith(new SocketTimeout());
  }

  protected override resumed(): T {
    this.delist();
    return this.result;
  }

  protected describe(): string {
    return `sendall on ${String(this.owner)}`;
  }
}

/**
 * Waits for a channel created by `net.connect` to connect. Interrupted (kill, Timeout) or timed
 * out, it destroys the half-open stream.
 */
export class ConnectOp extends WaitOp<void> {
  constructor(
    private readonly channel: StreamChannel,
    timeout: number | null | undefined,
    private readonly owner: Described,
  ) {
    super();
    this.timeoutSeconds = timeout;
  }

  protected tryNow(): void | typeof MUST_WAIT {
    const channel = this.channel;
    if (channel.connected) return;
    if (channel.error !== null) throw channel.error;
    if (channel.released) throw new SocketError('EBADF');
    if (this.timeoutSeconds === 0) throw new SocketError('EINPROGRESS');
    return MUST_WAIT;
  }

  protected enlist(): void {
    this.channel.connector = this;
  }

  protected delist(): void {
    if (this.channel.connector === this) this.channel.connector = null;
  }

  override cancelWait(): void {
    super.cancelWait();
    this.channel.stream.destroy();
  }

  protected override onTimeout(): void {
    this.channel.stream.destroy();
    this.raiseWith(new SocketTimeout());
  }

  protected override resumed(): void {
    this.delist();
  }

  protected describe(): string {
    return `connect on ${String(this.owner)}`;
  }
}

/** Starts a Node connection to `endpoint` (from `local` if the socket was bound first). */
export function openStream(endpoint: Endpoint, local: Endpoint | null): NetSocket {
  if (endpoint.path !== undefined) return netConnect({ path: endpoint.path, allowHalfOpen: true });
  const from =
    local !== null && local.path === undefined
      ? { localAddress: local.host, localPort: local.port }
      : {};
  return netConnect({ host: endpoint.host, port: endpoint.port, allowHalfOpen: true, ...from });
}
