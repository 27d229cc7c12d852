/**
 * `Input`: the cooperative reader of a request body (gevent's `wsgi.input`). Layer: io (pywsgi).
 *
 * It reads from node:http's IncomingMessage in paused mode: nothing is pulled off the socket
 * until the application reads, and node's own backpressure (16 KiB in the stream, then the
 * socket stops) bounds what a slow application buffers. Chunked request bodies are decoded by
 * node's parser, so `read`, `readline` and iteration work the same on both framings.
 *
 * `Expect: 100-continue` is answered on the first read only, so an application that replies
 * without reading (a 413 or 417) never invites the body. A client that disconnects mid-body
 * makes the blocked read raise `ClientDisconnected`.
 */

import type { IncomingMessage } from 'node:http';
import { ConcurrentObjectUseError } from '../errors.ts';
import type { Op } from '../greenlet.ts';
import { nextLine, readAllLines } from '../internal/line-iteration.ts';
import { MUST_WAIT, WaitOp } from '../internal/wait-op.ts';
import { ClientDisconnected } from './errors.ts';

const EMPTY = Buffer.alloc(0);

/**
 * The request body, read by Op. `read(n)` returns n bytes (fewer only at the end), `read()` the
 * rest, `readline()` one line with its `\n`; an empty Buffer means the body is finished.
 *
 * @example
 * const app = function* (request, startResponse) {
 *   const body = yield* request.input.read();       // the whole body
 *   startResponse('200 OK', [['Content-Type', 'text/plain']]);
 *   return [`got ${body.length} bytes`];
 * };
 *
 * @example
 * for (;;) {                                        // line by line, iteration by Op
 *   const r = yield* request.input.next();
 *   if (r.done) break;
 *   handle(r.value);
 * }
 */
export class Input {
  private buffer: Buffer = EMPTY;
  private incoming: Buffer[] = [];
  private incomingBytes = 0;
  private listening = false;
  private discarding = false;
  private failure: Error | null = null;
  private position = 0;
  /** @internal The op of the greenlet blocked in a read. */
  waiter: BodyWaitOp | null = null;

  constructor(
    private readonly req: IncomingMessage,
    private sendContinue: (() => void) | null,
  ) {}

  /** The request's Content-Length, or null (chunked or absent). */
  get contentLength(): number | null {
    const value = this.req.headers['content-length'];
    return value === undefined ? null : Number(value);
  }

  /** Bytes handed to the application so far. */
  get bytesRead(): number {
    return this.position;
  }

  /** Reads `size` bytes (fewer at the end of the body); with no size (or -1), the rest of it. */
  *read(size = -1): Generator<unknown, Buffer, unknown> {
    if (size === 0) return EMPTY;
    for (;;) {
      this.pull(size < 0 ? Number.POSITIVE_INFINITY : size);
      const available = this.buffer.length + this.incomingBytes;
      if ((size > 0 && available >= size) || this.atEnd()) return this.take(size);
      yield* this.waitForData();
    }
  }

  /** Reads one line, `\n` included (at most `limit` bytes); an empty Buffer at the end. */
  *readline(limit = -1): Generator<unknown, Buffer, unknown> {
    for (;;) {
      this.pull(Number.POSITIVE_INFINITY);
      this.merge();
      const newline = this.buffer.indexOf(10);
      if (newline >= 0 && (limit < 0 || newline < limit)) return this.take(newline + 1);
      if (limit >= 0 && this.buffer.length >= limit) return this.take(limit);
      if (this.atEnd()) return this.take(-1);
      yield* this.waitForData();
    }
  }

  /** Reads every remaining line. */
  *readlines(): Generator<unknown, Buffer[], unknown> {
    return yield* readAllLines(this);
  }

  /** The next line, as an iterator result: iteration by Op (`done` at the end of the body). */
  *next(): Generator<unknown, IteratorResult<Buffer, undefined>, unknown> {
    return yield* nextLine(this);
  }

  /** @internal After the response: read and drop what the application left, so keep-alive goes on. */
  discard(): void {
    this.discarding = true;
    this.buffer = EMPTY;
    this.incoming = [];
    this.incomingBytes = 0;
    if (this.listening) this.drop();
  }

  private waitForData(): Op<void> {
    if (this.failure !== null) throw this.failure;
    if (this.waiter?.waiting) {
      throw new ConcurrentObjectUseError('another greenlet is already reading this request body');
    }
    return new BodyWaitOp(this);
  }

  /** Moves chunks from the stream into `incoming` until `wanted` bytes are at hand. */
  private pull(wanted: number): void {
    if (!this.listening) this.listen();
    const req = this.req;
    while (this.buffer.length + this.incomingBytes < wanted) {
      const chunk = req.read() as Buffer | null;
      if (chunk === null) break;
      this.incoming.push(chunk);
      this.incomingBytes += chunk.length;
    }
  }

  private atEnd(): boolean {
    if (this.req.complete && this.req.readableLength === 0) return true;
    if (this.failure !== null) throw this.failure;
    return false;
  }

  private merge(): void {
    if (this.incomingBytes === 0) return;
    this.buffer = Buffer.concat([this.buffer, ...this.incoming]);
    this.incoming = [];
    this.incomingBytes = 0;
  }

  /** Hands out `size` bytes (all that is buffered when size < 0 or more than that). */
  private take(size: number): Buffer {
    this.merge();
    const buffer = this.buffer;
    const n = size < 0 || size > buffer.length ? buffer.length : size;
    this.buffer = n === buffer.length ? EMPTY : buffer.subarray(n);
    this.position += n;
    return n === buffer.length ? buffer : buffer.subarray(0, n);
  }

  private listen(): void {
    this.listening = true;
    const continueNow = this.sendContinue;
    this.sendContinue = null;
    continueNow?.();
    const req = this.req;
    const notify = () => {
      if (this.discarding) this.drop();
      else this.waiter?.wakeWith(undefined);
    };
    req.on('readable', notify);
    req.on('end', notify);
    req.on('error', () => this.fail());
    req.on('close', () => {
      if (!req.complete) this.fail();
      notify();
    });
  }

  private fail(): void {
    if (this.failure === null) {
      this.failure = new ClientDisconnected(
        `unexpected end of file while reading request at position ${this.position + this.buffer.length + this.incomingBytes}`,
      );
    }
    this.waiter?.raiseWith(this.failure);
  }

  private drop(): void {
    while (this.req.read() !== null) {
      // Read and forget: the response is done, this only lets the next request through.
    }
  }
}

/** Parks a reader until the body has more data, ends, or fails. */
class BodyWaitOp extends WaitOp<void> {
  constructor(private readonly input: Input) {
    super();
  }
  protected tryNow(): typeof MUST_WAIT {
    return MUST_WAIT;
  }
  protected enlist(): void {
    this.input.waiter = this;
  }
  protected delist(): void {
    if (this.input.waiter === this) this.input.waiter = null;
  }
  protected describe(): string {
    return 'the request body';
  }
}
