/**
 * StreamChannel: the state between one Node stream socket (net.Socket or tls.TLSSocket) and the
 * greenlets that read and write it. Layer: io.
 *
 * Reading: the Node stream starts paused and only flows once a greenlet first reads. Chunks are
 * kept here until `recv` takes them; past READ_HIGH_WATER buffered bytes the stream is paused
 * again (libuv stops reading, the kernel window fills and the peer is slowed), so a peer cannot
 * make us buffer without bound while nobody reads.
 *
 * Writing: every write carries the same callback; `issued`/`done` count writes so a sender waits
 * for exactly its own write to leave Node's buffer (it has reached the kernel), as Python's
 * `sendall` returns only when the data is in the kernel. A write libuv finishes synchronously
 * (the common case) needs no wait at all.
 *
 * At most one greenlet waits to read and one to write (gevent's rule); the ops that wait live in
 * `stream-ops.ts`.
 */

import type { Socket as NetSocket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type Address, fromNodeAddress } from './address.ts';
import { badFileError, SocketError, toSocketError } from './errors.ts';

/** Buffered bytes at which the stream is paused. */
export const READ_HIGH_WATER = 64 * 1024;
/** Buffered bytes at or below which a paused stream is resumed. */
const READ_LOW_WATER = 16 * 1024;
/** Seconds a closed socket may spend flushing what it still has to write before it is dropped. */
const CLOSE_LINGER_SECONDS = 10;

export const EMPTY: Buffer = Buffer.alloc(0);
/** `readNow` found nothing to return yet. */
export const NOTHING: unique symbol = Symbol('NOTHING');

/** What a channel wakes: the parked op of a greenlet. */
export interface ChannelWaiter {
  /** Still parked (not yet woken, timed out or cancelled). */
  readonly waiting: boolean;
  wakeWith(value: unknown): void;
  raiseWith(error: unknown): void;
}

/** A waiting reader: `recv(size)`. A chunk of at most `size` bytes may be handed to it directly. */
export interface ReadWaiter extends ChannelWaiter {
  readonly size: number;
  /** `wakeWith` from the socket's `data` event: may run the reader at once (see the hub). */
  wakeFromCallback(value: unknown): void;
}

/** A waiting writer, woken once write number `seq` has completed. */
export interface WriteWaiter extends ChannelWaiter {
  readonly seq: number;
}

/** The Node stream a channel drives: a net.Socket or a tls.TLSSocket. */
export type NodeStream = Duplex & {
  readonly writableLength: number;
  readonly destroyed: boolean;
  setNoDelay?(noDelay?: boolean): unknown;
};

export interface ChannelOptions {
  /** The stream is already connected (accepted, or wrapped after connect). */
  connected: boolean;
  /** Maps a Node error to the error greenlets see (ssl maps to SSLError). */
  mapError?: (error: unknown) => Error;
}

export class StreamChannel {
  /** @internal */ reader: ReadWaiter | null = null;
  /** @internal */ writer: WriteWaiter | null = null;
  /** @internal */ connector: ChannelWaiter | null = null;
  connected: boolean;
  /** Our side is closed: the Node stream is gone or going. */
  released = false;
  /** The peer finished sending (EOF), or the stream closed. */
  eof = false;
  /** shutdown(SHUT_RD) was called. */
  readShut = false;
  /** shutdown(SHUT_WR) was called. */
  writeShut = false;
  /** The first error the stream reported. */
  error: Error | null = null;
  private errorSeenByReader = false;
  /** Received chunks in slots first..last-1 (slots are reused, never truncated). */
  private chunks: Buffer[] = [];
  private first = 0;
  private last = 0;
  private bytes = 0;
  private reading = false;
  private paused = false;
  private issued = 0;
  private done = 0;
  readonly mapError: (error: unknown) => Error;

  constructor(
    readonly stream: NodeStream,
    options: ChannelOptions,
  ) {
    this.connected = options.connected;
    this.mapError = options.mapError ?? toSocketError;
    stream.pause();
    stream.on('error', this.onError);
    stream.on('close', this.onClose);
    if (!this.connected) stream.once('connect', this.onConnect);
  }

  /** Bytes received and not yet taken by `recv`. */
  get buffered(): number {
    return this.bytes;
  }

  /** The peer's address in Python's form (ENOTCONN once the stream has no peer). */
  peerAddress(family: number): Address {
    const stream = this.stream as NodeStream & {
      remoteAddress?: string;
      remotePort?: number;
      remoteFamily?: string;
    };
    if (stream.remoteAddress === undefined) throw new SocketError('ENOTCONN');
    const info = {
      address: stream.remoteAddress,
      port: stream.remotePort,
      family: stream.remoteFamily,
    };
    return fromNodeAddress(info, family);
  }

  /** The local address in Python's form. */
  localAddress(family: number): Address {
    const stream = this.stream as NodeStream & { address(): { address?: string } | null };
    return fromNodeAddress(stream.address(), family);
  }

  /** Starts the stream flowing into this channel (on the first read). */
  startReading(): void {
    if (this.reading || this.released) return;
    this.reading = true;
    this.stream.on('data', this.onData);
    this.stream.on('end', this.onEnd);
    this.stream.resume();
  }

  /**
   * Up to `n` received bytes, EMPTY at EOF, or NOTHING if the caller has to wait. Raises
   * EBADF on a closed socket and, once, the error that ended the stream.
   */
  readNow(n: number): Buffer | typeof NOTHING {
    if (this.released) throw badFileError();
    if (this.bytes > 0) return this.take(n);
    if (this.readShut) return EMPTY;
    if (this.error !== null && !this.errorSeenByReader) {
      this.errorSeenByReader = true;
      throw this.error;
    }
    if (this.eof || this.error !== null) return EMPTY;
    return NOTHING;
  }

  /** Raises if nothing may be written now (closed, shut down, failed). */
  checkWritable(): void {
    if (this.released) throw badFileError();
    if (this.error !== null) throw this.error;
    if (this.writeShut) throw new SocketError('EPIPE');
  }

  /** Hands `data` to the stream; returns the write's number for `writeDone`. */
  write(data: Buffer | Uint8Array | string): number {
    this.stream.write(data, this.onWritten);
    return ++this.issued;
  }

  /** The number of the latest write handed to the stream (0: none yet), for `writeDone`. */
  get lastWrite(): number {
    return this.issued;
  }

  /** Bytes Node holds that the kernel has not taken yet. */
  get unsent(): number {
    return this.stream.writableLength;
  }

  /** Whether Node holds a high-water mark or more of data the kernel has not taken yet. */
  writeBacklogFull(): boolean {
    const stream = this.stream;
    return stream.writableLength >= stream.writableHighWaterMark;
  }

  /** Whether write number `seq` has left Node's buffer. */
  writeDone(seq: number): boolean {
    return this.done >= seq || this.stream.writableLength === 0;
  }

  /** shutdown(): stop reading (recv returns EOF) and/or writing (sends FIN after queued data). */
  shutdown(read: boolean, write: boolean): void {
    if (read && !this.readShut) {
      this.readShut = true;
      this.dropBuffered();
      this.reader?.wakeWith(undefined);
    }
    if (write && !this.writeShut) {
      this.writeShut = true;
      if (!this.stream.destroyed) this.stream.end();
    }
  }

  /** Wakes every parked greenlet by raising `error` (close from another greenlet). */
  interruptWaiters(error: Error): void {
    this.reader?.raiseWith(error);
    this.writer?.raiseWith(error);
    this.connector?.raiseWith(error);
  }

  /**
   * Closes our side. With unread input it resets at once, as Linux does. Otherwise data still
   * queued in Node is flushed first (Python's close leaves sent data to the kernel), for at
   * most CLOSE_LINGER_SECONDS, or the stream is destroyed at once.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    // Unread input (here, or left in the kernel while reading was paused): Linux answers such a
    // close with a reset at once, dropping unsent data, so the peer is not left waiting.
    const unread = this.bytes > 0 || this.paused;
    this.dropBuffered();
    const stream = this.stream;
    stream.removeListener('data', this.onData);
    if (stream.destroyed) return;
    if (unread) {
      resetOrDestroy(stream);
    } else if (this.connected && stream.writableLength > 0 && this.error === null) {
      const timer = setTimeout(() => stream.destroy(), CLOSE_LINGER_SECONDS * 1000);
      timer.unref();
      stream.once('close', () => clearTimeout(timer));
      stream.end();
    } else {
      stream.destroy();
    }
  }

  /**
   * Detaches the Node stream for another layer (ssl): removes our listeners and gives back the
   * bytes already received. The channel is unusable afterwards.
   */
  detach(): NodeStream {
    const stream = this.stream;
    stream.pause();
    stream.removeListener('data', this.onData);
    stream.removeListener('end', this.onEnd);
    stream.removeListener('close', this.onClose);
    stream.removeListener('connect', this.onConnect);
    stream.removeListener('error', this.onError);
    // The next layer adds its own; until then an error must not crash the process.
    stream.on('error', ignoreError);
    for (let i = this.last - 1; i >= this.first; i--) stream.unshift(this.chunks[i]!);
    this.dropBuffered();
    this.released = true;
    return stream;
  }

  /** Takes up to `n` bytes: the head chunk (or part of it) when it suffices, else a copy. */
  private take(n: number): Buffer {
    const chunks = this.chunks;
    const head = chunks[this.first]!;
    let out: Buffer;
    if (head.length > n) {
      out = head.subarray(0, n);
      chunks[this.first] = head.subarray(n);
    } else if (head.length === n || this.first === this.last - 1) {
      out = head;
      chunks[this.first++] = EMPTY;
    } else {
      out = this.gather(n);
    }
    this.bytes -= out.length;
    if (this.bytes === 0) {
      // Start over at slot 0 (truncating the array with `length = 0` is a slow path in V8).
      if (this.last > 1024) this.chunks = [];
      this.first = this.last = 0;
    }
    if (this.paused && this.bytes <= READ_LOW_WATER) {
      this.paused = false;
      this.stream.resume();
    }
    return out;
  }

  /** Copies whole chunks (and a piece of the last) into one Buffer of at most `n` bytes. */
  private gather(n: number): Buffer {
    const chunks = this.chunks;
    const size = Math.min(n, this.bytes);
    const out = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const chunk = chunks[this.first]!;
      const part = Math.min(chunk.length, size - filled);
      chunk.copy(out, filled, 0, part);
      filled += part;
      if (part === chunk.length) chunks[this.first++] = EMPTY;
      else chunks[this.first] = chunk.subarray(part);
    }
    return out;
  }

  private dropBuffered(): void {
    this.chunks = [];
    this.first = this.last = 0;
    this.bytes = 0;
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.readShut) return;
    const reader = this.reader;
    if (reader !== null && this.bytes === 0 && chunk.length <= reader.size && reader.waiting) {
      // The common case of a parked recv and nothing buffered: the chunk is its result as is
      // (RecvOp.resumed), without a stop in the buffer.
      this.reader = null;
      reader.wakeFromCallback(chunk);
      return;
    }
    this.chunks[this.last++] = chunk;
    this.bytes += chunk.length;
    if (this.bytes >= READ_HIGH_WATER && !this.paused) {
      this.paused = true;
      this.stream.pause();
    }
    if (reader !== null) {
      this.reader = null;
      reader.wakeWith(undefined);
    }
  };

  private readonly onEnd = (): void => {
    this.eof = true;
    this.reader?.wakeWith(undefined);
    this.connector?.wakeWith(undefined);
  };

  private readonly onConnect = (): void => {
    this.connected = true;
    this.connector?.wakeWith(undefined);
  };

  private readonly onError = (error: unknown): void => {
    if (this.released) return;
    const mapped = this.mapError(error);
    this.error ??= mapped;
    this.connector?.raiseWith(mapped);
    this.reader?.raiseWith(mapped);
    this.writer?.raiseWith(mapped);
  };

  private readonly onClose = (): void => {
    this.eof = true;
    this.reader?.wakeWith(undefined);
    this.connector?.raiseWith(this.error ?? new SocketError('ECONNRESET'));
    this.writer?.raiseWith(this.error ?? new SocketError('EPIPE'));
  };

  private readonly onWritten = (error?: Error | null): void => {
    this.done++;
    const writer = this.writer;
    if (error) {
      if (this.released) return;
      const mapped = this.mapError(error);
      this.error ??= mapped;
      writer?.raiseWith(mapped);
    } else if (writer !== null && this.done >= writer.seq) {
      writer.wakeWith(undefined);
    }
  };
}

function ignoreError(): void {}

/** Closes with a TCP reset where there is one to send (a TCP socket), else just destroys. */
function resetOrDestroy(stream: NodeStream): void {
  const socket = stream as Partial<NetSocket> & NodeStream;
  try {
    if (typeof socket.resetAndDestroy === 'function') {
      socket.resetAndDestroy();
      return;
    }
  } catch {
    // Not a TCP handle (a Unix socket, a TLS layer's own stream): a plain close.
  }
  stream.destroy();
}
