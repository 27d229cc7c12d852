/**
 * PipeWriter: a child's stdin as a cooperative file object (`write`, `flush`, `close`).
 * Layer: os-facing (core/subprocess).
 *
 * Calls act at once, as the project's convention for requests: `write` hands the bytes to the
 * Node stream when called, `close` ends it. The Op each returns only waits: for the stream to
 * drain below its high-water mark (backpressure: a child that does not read makes the writer
 * wait, not the process's memory grow), or for the end to be flushed.
 */

import type { Writable } from 'node:stream';
import type { Op } from '../greenlet.ts';
import { DoneOp } from '../internal/wait-op.ts';
import { type Codec, encodeInput } from './codec.ts';
import { CondOp, MUST_WAIT, Signal } from './cond-op.ts';

/** The error a write to a pipe the child closed gets (Python's BrokenPipeError). */
export function brokenPipe(): NodeJS.ErrnoException {
  return Object.assign(new Error('write EPIPE: the child closed its end of the pipe'), {
    code: 'EPIPE',
    errno: -32,
    syscall: 'write',
  });
}

/**
 * The writing end of a pipe to a child (`popen.stdin`). Binary mode takes Buffers or
 * Uint8Arrays, text mode strings.
 *
 * @example
 * const p = new Popen(['cat'], { stdin: PIPE, stdout: PIPE });
 * yield* p.stdin!.write(Buffer.from('hello\n')); // waits while the pipe is full
 * yield* p.stdin!.close();
 * console.log(String(yield* p.stdout!.read())); // 'hello\n'
 */
export class PipeWriter<T extends Buffer | string = Buffer> {
  /** @internal Poked on every change (drain, finish, close, error). */
  readonly _signal = new Signal();
  private needDrain = false;
  private ended = false;
  private finished = false;
  private streamClosed = false;
  private error: NodeJS.ErrnoException | null = null;

  constructor(
    private readonly stream: Writable,
    private readonly codec: Codec | null,
  ) {
    stream.on('drain', this.onChange);
    stream.on('finish', this.onFinish);
    stream.on('close', this.onClose);
    stream.on('error', this.onError);
  }

  /** Whether `close()` was called (or the stream is gone). */
  get closed(): boolean {
    return this.ended || this.streamClosed;
  }

  /**
   * Writes `data` at once and returns an Op that waits until the pipe can take more. Iterating
   * it returns the number of bytes (characters in text mode) written, or raises the pipe's
   * error (`code === 'EPIPE'` once the child closed its end).
   */
  write(data: T | Uint8Array): Op<number> {
    const bytes = encodeInput(this.codec, data, 'write(data)');
    const units = (data as { length: number }).length;
    if (this.ended) throw new RangeError('write to a closed stdin pipe');
    this.raiseIfBroken();
    if (!this.stream.write(bytes)) this.needDrain = true;
    if (!this.needDrain) return new DoneOp(units);
    return new CondOp<number>({
      poll: () => {
        if (this.error !== null) throw this.error;
        if (!this.needDrain) return units;
        if (this.streamClosed) throw brokenPipe();
        return MUST_WAIT;
      },
      signals: [this._signal],
      describe: () => `write(${units}) on ${this}`,
    });
  }

  /** Waits until everything written so far has been handed to the pipe. */
  flush(): Op<void> {
    return new CondOp<void>({
      poll: () => {
        if (this.error !== null) throw this.error;
        if (this.stream.writableLength === 0 || this.finished) return undefined;
        if (this.streamClosed) throw brokenPipe();
        return MUST_WAIT;
      },
      signals: [this._signal],
      describe: () => `flush() on ${this}`,
    });
  }

  /**
   * Closes the pipe (the child reads end of file) once what was written is flushed. Acts at
   * once; the Op waits for the flush and raises its error, if any.
   */
  close(): Op<void> {
    this.end(null);
    return new CondOp<void>({
      poll: () => {
        if (this.error !== null) throw this.error;
        return this.finished || this.streamClosed ? undefined : MUST_WAIT;
      },
      signals: [this._signal],
      describe: () => `close() on ${this}`,
    });
  }

  [Symbol.dispose](): void {
    this.ended = true;
    this.stream.destroy();
  }

  /** Counters for tests and debugging. */
  statistics(): { pendingBytes: number; needDrain: boolean; finished: boolean } {
    const { needDrain, finished } = this;
    return { pendingBytes: this.stream.writableLength, needDrain, finished };
  }

  toString(): string {
    const state = this.streamClosed ? 'closed' : this.ended ? 'closing' : 'open';
    return `<PipeWriter stdin ${state} pending=${this.stream.writableLength}>`;
  }

  /** @internal Ends the stream, after `last` if given (communicate's input). Idempotent. */
  end(last: Buffer | null): void {
    if (this.ended) return;
    this.ended = true;
    if (this.stream.destroyed) return;
    if (last !== null && last.length > 0) this.stream.end(last);
    else this.stream.end();
  }

  /** @internal The Node stream (to give another child as its stdout). */
  get _stream(): Writable {
    return this.stream;
  }

  /** @internal The stream closed: nothing more will be written. */
  get _done(): boolean {
    return this.streamClosed;
  }

  private raiseIfBroken(): void {
    if (this.error !== null) throw this.error;
    if (this.stream.destroyed || this.streamClosed) throw brokenPipe();
  }

  private readonly onChange = (): void => {
    this.needDrain = false;
    this._signal.notify();
  };

  private readonly onFinish = (): void => {
    this.finished = true;
    this.needDrain = false;
    this._signal.notify();
  };

  private readonly onClose = (): void => {
    this.streamClosed = true;
    this._signal.notify();
  };

  private readonly onError = (error: NodeJS.ErrnoException): void => {
    this.error ??= error;
    this._signal.notify();
  };
}
