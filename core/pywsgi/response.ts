/**
 * `Response`: the sending half of a request — WSGI's `start_response` and `write`, and the
 * rules for the body the application returns. Layer: io (pywsgi).
 *
 * - `startResponse(status, headers)` validates at once (CR/LF refused) and sends nothing: the
 *   headers go out with the first body bytes, so an error before then can still become a 500.
 * - A body whose size is known (a string, a Buffer, an array of chunks) gets a computed
 *   `Content-Length` and goes out in one write with the headers.
 * - An iterable (a generator of chunks, a Set...) or streaming `write()`s go out as they come:
 *   `Transfer-Encoding: chunked` on HTTP/1.1, close-delimited on HTTP/1.0 (node:http decides,
 *   and honours a Content-Length the application gave).
 * - 204 and 304 responses refuse any body and a non-zero Content-Length.
 * - `write()` acts at once; the Op it returns waits while the client is slow (backpressure)
 *   and raises `ClientDisconnected` once the client is gone.
 */

// Imported rather than the global: a global `Buffer` is a property load on every use.
import { Buffer } from 'node:buffer';
import type { ServerResponse } from 'node:http';
import type { Op } from '../greenlet.ts';
import { DONE, MUST_WAIT, WaitOp } from '../internal/wait-op.ts';
import { until } from '../wait.ts';
import { ClientDisconnected, InvalidResponseError } from './errors.ts';
import { checkHeaders, checkStatus, type HeaderList } from './headers.ts';

/** A piece of a response body: text (sent as UTF-8) or bytes. */
export type Chunk = string | Uint8Array;

/** What an application returns: the body, or nothing when it used `write()`. */
export type Body = Chunk | Iterable<Chunk> | AsyncIterable<Chunk> | null | undefined | void;

/** WSGI's `write` callable: sends a chunk now; the Op waits for the client to keep up. */
export type Write = (data: Chunk) => Op<void>;

/**
 * WSGI's `start_response(status, headers, exc_info)`. Returns `write`. `excInfo` (the error being
 * handled) lets an error handler replace a status not yet sent; if the headers are already out
 * it is re-thrown, as PEP 3333 asks.
 *
 * @example
 * const write = startResponse('200 OK', [['Content-Type', 'text/plain']]);
 * yield* write('streamed ');          // chunked on HTTP/1.1
 * return ['and the rest'];
 */
export type StartResponse = (
  status: string | number,
  headers?: HeaderList,
  excInfo?: unknown,
) => Write;

function byteLength(chunk: Chunk): number {
  return typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
}

function checkChunk(chunk: unknown): Chunk {
  if (typeof chunk === 'string' || chunk instanceof Uint8Array) return chunk;
  throw new InvalidResponseError(
    `a body chunk must be a string or a Uint8Array, got ${chunk === null ? 'null' : typeof chunk}` +
      ' (an application that blocks with yield* must itself be a generator function: a plain' +
      ' function returning a generator returns a generator of body chunks)',
  );
}

function isEmpty(chunk: Chunk): boolean {
  return typeof chunk === 'string' ? chunk.length === 0 : chunk.byteLength === 0;
}

/**
 * The response of one request (made by the server; the application sees `startResponse`).
 *
 * @example
 * const response = new Response(res);      // res: a node:http ServerResponse
 * response.startResponse('200 OK', []);
 * response.finish(['hello']);              // known length: sent at once, returns null
 */
export class Response {
  /** The status code, once `startResponse` was called (0 before). */
  code = 0;
  private reason = '';
  private flat: string[] = [];
  private contentLength: string | null = null;
  /** Whether the status line and headers have gone out. */
  headersSent = false;
  /** Body bytes handed to node:http. */
  bytesWritten = 0;
  /** @internal The greenlet waiting for the client to drain its buffer. */
  drainWaiter: DrainOp | null = null;
  private listening = false;
  readonly startResponse: StartResponse;
  private writer: Write | null = null;

  constructor(readonly raw: ServerResponse) {
    this.startResponse = (status, headers, excInfo) => this.start(status, headers, excInfo);
  }

  /** WSGI's `write` callable (what `startResponse` returns). */
  get write(): Write {
    this.writer ??= (data) => this.writeChunk(data);
    return this.writer;
  }

  /** Whether the status line and headers have gone out. */
  get started(): boolean {
    return this.code !== 0;
  }

  private start(status: string | number, headers: HeaderList | undefined, excInfo: unknown): Write {
    if (excInfo !== undefined && excInfo !== null && this.headersSent) throw excInfo;
    const checkedStatus = checkStatus(status);
    const checked = checkHeaders(headers);
    const code = checkedStatus.code;
    if (
      (code === 204 || code === 304) &&
      checked.contentLength !== null &&
      checked.contentLength !== '0'
    ) {
      throw new InvalidResponseError(
        `Invalid Content-Length for ${code} response: ${JSON.stringify(checked.contentLength)} (must be absent or zero)`,
      );
    }
    this.code = code;
    this.reason = checkedStatus.reason;
    this.flat = checked.flat;
    this.contentLength = checked.contentLength;
    return this.write;
  }

  private writeChunk(data: Chunk): Op<void> {
    const chunk = checkChunk(data);
    this.checkCanSend(chunk);
    if (isEmpty(chunk)) return DONE;
    if (!this.headersSent) this.sendHeaders();
    this.bytesWritten += byteLength(chunk);
    if (this.raw.write(chunk)) return DONE;
    return new DrainOp(this);
  }

  private checkCanSend(chunk: Chunk): void {
    if (this.code === 0)
      throw new InvalidResponseError('The application did not call startResponse()');
    if ((this.code === 204 || this.code === 304) && !isEmpty(chunk)) {
      throw new InvalidResponseError(`The ${this.code} response must have no body`);
    }
    if (this.raw.destroyed) throw new ClientDisconnected('the client closed the connection');
    if (this.raw.writableEnded) throw new InvalidResponseError('write() after the response ended');
  }

  private sendHeaders(): void {
    this.headersSent = true;
    this.raw.writeHead(this.code, this.reason, this.flat);
  }

  /**
   * Sends the body the application returned and ends the response. A body of known length is
   * sent at once (returns null); an iterable returns the Op that sends it chunk by chunk.
   */
  finish(body: unknown): Op<void> | null {
    if (this.code === 0)
      throw new InvalidResponseError('The application did not call startResponse()');
    if (body === undefined || body === null) {
      this.end(null);
    } else if (typeof body === 'string' || body instanceof Uint8Array) {
      this.checkCanSend(body);
      this.end(body);
    } else if (Array.isArray(body)) {
      this.endWithArray(body);
    } else if (typeof (body as Iterable<Chunk>)[Symbol.iterator] === 'function') {
      return this.sendIterable(body as Iterable<Chunk>);
    } else if (typeof (body as AsyncIterable<Chunk>)[Symbol.asyncIterator] === 'function') {
      return this.sendAsyncIterable(body as AsyncIterable<Chunk>);
    } else {
      throw new InvalidResponseError(
        `the application returned a ${typeof body}: return a string, a Uint8Array, an array or an iterable of chunks`,
      );
    }
    return null;
  }

  /** Ends the response with `chunk` as the whole rest of the body (a known length). */
  private end(chunk: Chunk | null): void {
    if (this.raw.destroyed) return;
    if (!this.headersSent) {
      const length = chunk === null ? 0 : byteLength(chunk);
      if (this.contentLength === null && this.code !== 204 && this.code !== 304) {
        this.flat.push('Content-Length', String(length));
      }
      this.sendHeaders();
      this.bytesWritten += length;
    } else if (chunk !== null) {
      this.bytesWritten += byteLength(chunk);
    }
    if (chunk === null || isEmpty(chunk)) this.raw.end();
    else this.raw.end(chunk);
  }

  private endWithArray(chunks: unknown[]): void {
    if (chunks.length === 1) {
      const only = checkChunk(chunks[0]);
      this.checkCanSend(only);
      this.end(only);
      return;
    }
    const parts: Chunk[] = [];
    let total = 0;
    for (const item of chunks) {
      const chunk = checkChunk(item);
      this.checkCanSend(chunk);
      if (isEmpty(chunk)) continue;
      parts.push(chunk);
      total += byteLength(chunk);
    }
    if (parts.length <= 1 || this.headersSent || this.contentLength !== null) {
      for (const part of parts.slice(0, -1)) this.writeChunk(part);
      this.end(parts[parts.length - 1] ?? null);
      return;
    }
    this.flat.push('Content-Length', String(total));
    const raw = this.raw;
    raw.cork();
    for (const part of parts) this.writeChunk(part);
    raw.end();
    raw.uncork();
  }

  private *sendIterable(body: Iterable<Chunk>): Generator<unknown, void, unknown> {
    const iterator = body[Symbol.iterator]();
    let finished = false;
    try {
      for (;;) {
        const step = iterator.next();
        if (step.done) break;
        yield* this.writeChunk(step.value);
      }
      finished = true;
    } finally {
      if (!finished) iterator.return?.();
      closeBody(body);
    }
    this.end(null);
  }

  private *sendAsyncIterable(body: AsyncIterable<Chunk>): Generator<unknown, void, unknown> {
    const iterator = body[Symbol.asyncIterator]();
    let finished = false;
    try {
      for (;;) {
        const step = yield* until(iterator.next());
        if (step.done) break;
        yield* this.writeChunk(step.value);
      }
      finished = true;
    } finally {
      if (!finished) void iterator.return?.()?.catch(() => {});
      closeBody(body);
    }
    this.end(null);
  }

  /** @internal Replaces whatever was started with a canned error response, if nothing went out yet. */
  sendError(code: number, reason: string): boolean {
    const raw = this.raw;
    if (this.headersSent || raw.headersSent || raw.destroyed) {
      this.abort();
      return false;
    }
    this.code = code;
    this.headersSent = true;
    this.bytesWritten = reason.length;
    raw.writeHead(code, reason, [
      'Content-Type',
      'text/plain',
      'Connection',
      'close',
      'Content-Length',
      String(reason.length),
    ]);
    raw.end(reason);
    return true;
  }

  /**
   * @internal Closes the connection without finishing the body, so the client sees a truncated
   * response; what was already written (still corked by node until the next tick) goes out first.
   */
  abort(): void {
    const socket = this.raw.socket;
    if (socket !== null && !socket.destroyed) socket.destroySoon();
    else this.raw.destroy();
  }

  /** @internal Listens once for drain/close on behalf of blocked writers. */
  listen(): void {
    if (this.listening) return;
    this.listening = true;
    const wake = () => this.drainWaiter?.wakeWith(undefined);
    this.raw.on('drain', wake);
    this.raw.on('close', wake);
  }
}

/** gevent calls `close()` on the application's iterable when the response is done. */
function closeBody(body: unknown): void {
  const close = (body as { close?: unknown }).close;
  if (typeof close === 'function') close.call(body);
}

/** Waits until the client has taken what was written (or is gone: ClientDisconnected). */
class DrainOp extends WaitOp<void> {
  constructor(private readonly response: Response) {
    super();
  }
  protected tryNow(): void | typeof MUST_WAIT {
    const raw = this.response.raw;
    if (raw.destroyed) throw new ClientDisconnected('the client closed the connection');
    return raw.writableNeedDrain ? MUST_WAIT : undefined;
  }
  protected enlist(): void {
    this.response.listen();
    this.response.drainWaiter = this;
  }
  protected delist(): void {
    if (this.response.drainWaiter === this) this.response.drainWaiter = null;
  }
  protected override resumed(): void {
    if (this.response.raw.destroyed)
      throw new ClientDisconnected('the client closed the connection');
  }
  protected describe(): string {
    return 'the client to read the response';
  }
}
