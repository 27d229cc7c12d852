/**
 * SocketFile: Python's `socket.makefile()` — a buffered file object over a connected stream
 * socket, whose reads and writes are Ops. Layer: io.
 *
 * Binary modes ('rb', 'wb', 'rwb') read and write Buffers; text modes ('r', 'w', 'rw') strings
 * (UTF-8 unless `encoding` says otherwise; in text mode `read(n)` counts bytes, not characters).
 * Writes are buffered until `flush()`, a full buffer, or `close()`. As in Python, the file keeps
 * the connection open after `socket.close()` until the file itself is closed (or, like an
 * unreferenced Python file, garbage-collected).
 */

import { StringDecoder } from 'node:string_decoder';
import type { Op } from '../greenlet.ts';
import { nextLine, readAllLines } from '../internal/line-iteration.ts';
import type { socket } from './socket-object.ts';
import { EMPTY } from './stream-channel.ts';
import { RecvOp, startSend } from './stream-ops.ts';
import { bytesOf } from './validate.ts';

/** Options of `makefile(mode, options)`. */
export interface MakefileOptions {
  /** Write buffer size in bytes; 0 sends every write at once. Default 8192. */
  buffering?: number;
  /** Text encoding for text modes. Default 'utf8'. */
  encoding?: BufferEncoding;
}

const READ_CHUNK = 65536;

/** A file dropped without close() gives its hold on the socket back when it is collected. */
const abandoned = new FinalizationRegistry<socket>((sock) => sock._dropIoRef());
const NEWLINE = 0x0a;

/**
 * A file over a socket. Read with `yield* f.readline()`, iterate lines with `next()`.
 *
 * @example
 * const f = sock.makefile('rwb');
 * yield* f.write(Buffer.from('hello\n'));
 * yield* f.flush();
 * const line = yield* f.readline(); // a Buffer ending in '\n', or empty at EOF
 * f.close();
 */
export class SocketFile<T extends Buffer | string = Buffer | string> {
  readonly mode: string;
  readonly readable: boolean;
  readonly writable: boolean;
  private closedFlag = false;
  private buf: Buffer = EMPTY;
  private eof = false;
  private pendingWrites: Buffer[] = [];
  private pendingBytes = 0;
  private readonly bufferSize: number;
  private readonly decoder: StringDecoder | null;
  private readonly encoding: BufferEncoding;

  constructor(
    private readonly sock: socket,
    mode: string,
    options: MakefileOptions = {},
  ) {
    if (typeof mode !== 'string' || !/^[rwb]+$/.test(mode) || !/[rw]/.test(mode)) {
      throw new RangeError(`makefile(mode): invalid mode ${JSON.stringify(mode)}`);
    }
    this.mode = mode;
    this.readable = mode.includes('r');
    this.writable = mode.includes('w');
    this.bufferSize = options.buffering ?? 8192;
    this.encoding = options.encoding ?? 'utf8';
    this.decoder = mode.includes('b') ? null : new StringDecoder(this.encoding);
    sock._ioRefs++;
    abandoned.register(this, sock, this);
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Reads `n` bytes (fewer only at EOF); with no `n` (or n < 0), everything until EOF. */
  *read(n = -1): Generator<unknown, T, unknown> {
    this.checkReadable();
    if (n < 0) {
      while (yield* this.fill());
      return this.out(this.take(this.buf.length));
    }
    while (this.buf.length < n && (yield* this.fill()));
    return this.out(this.take(Math.min(n, this.buf.length)));
  }

  /** Reads one line, '\n' included (at most `limit` bytes); empty at EOF. */
  *readline(limit = -1): Generator<unknown, T, unknown> {
    this.checkReadable();
    let searched = 0;
    for (;;) {
      const at = this.buf.indexOf(NEWLINE, searched);
      if (at >= 0) return this.out(this.take(limit >= 0 ? Math.min(at + 1, limit) : at + 1));
      if (limit >= 0 && this.buf.length >= limit) return this.out(this.take(limit));
      searched = this.buf.length;
      if (!(yield* this.fill())) return this.out(this.take(this.buf.length));
    }
  }

  /** All remaining lines. */
  *readlines(): Generator<unknown, T[], unknown> {
    return yield* readAllLines(this);
  }

  /** Iterates lines by Op: `for (;;) { const r = yield* f.next(); if (r.done) break; use(r.value); }`. */
  *next(): Generator<unknown, IteratorResult<T, undefined>, unknown> {
    return yield* nextLine(this);
  }

  /** Buffers `data` (sending when the buffer fills); returns its length. */
  *write(data: T | Uint8Array): Generator<unknown, number, unknown> {
    this.checkWritable();
    const bytes =
      typeof data === 'string' ? Buffer.from(data, this.encoding) : bytesOf(data, 'write(data)');
    this.pendingWrites.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= this.bufferSize) yield* this.flush();
    return typeof data === 'string' ? data.length : bytes.length;
  }

  /** Sends everything written so far. */
  *flush(): Generator<unknown, void, unknown> {
    if (this.closedFlag) throw new RangeError('I/O operation on closed file');
    if (this.pendingBytes === 0) return;
    const data = this.takeWrites();
    yield* startSend(this.sock._channel(), data, this.sock.gettimeout(), this.sock);
  }

  /**
   * Closes the file. Unflushed data is handed to the connection without waiting. The socket
   * closes for real if it was closed already and this was its last file.
   */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    if (this.pendingBytes > 0) {
      const channel = this.sock._stream;
      if (channel !== null && !channel.released && channel.error === null)
        channel.write(this.takeWrites());
      else this.takeWrites();
    }
    this.buf = EMPTY;
    abandoned.unregister(this);
    this.sock._dropIoRef();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return `<SocketFile mode=${JSON.stringify(this.mode)} ${String(this.sock)}${this.closedFlag ? ' [closed]' : ''}>`;
  }

  /** Reads one more chunk into the buffer; false at EOF. */
  private *fill(): Generator<unknown, boolean, unknown> {
    if (this.eof) return false;
    const op: Op<Buffer> = new RecvOp(
      this.sock._channel(),
      READ_CHUNK,
      this.sock.gettimeout(),
      this.sock,
    );
    const data = yield* op;
    if (data.length === 0) {
      this.eof = true;
      return false;
    }
    this.buf = this.buf.length === 0 ? data : Buffer.concat([this.buf, data]);
    return true;
  }

  private take(n: number): Buffer {
    const out = this.buf.subarray(0, n);
    this.buf = n === this.buf.length ? EMPTY : this.buf.subarray(n);
    return out;
  }

  private out(bytes: Buffer): T {
    if (this.decoder === null) return bytes as T;
    const text = this.decoder.write(bytes);
    return (this.eof && this.buf.length === 0 ? text + this.decoder.end() : text) as T;
  }

  private takeWrites(): Buffer {
    const parts = this.pendingWrites;
    const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.pendingBytes);
    this.pendingWrites = [];
    this.pendingBytes = 0;
    return data;
  }

  private checkReadable(): void {
    if (this.closedFlag) throw new RangeError('I/O operation on closed file');
    if (!this.readable) throw new RangeError('File not open for reading');
  }

  private checkWritable(): void {
    if (this.closedFlag) throw new RangeError('I/O operation on closed file');
    if (!this.writable) throw new RangeError('File not open for writing');
  }
}
