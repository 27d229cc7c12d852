/**
 * PipeReader: a child's stdout or stderr as a cooperative file object (`read`, `read1`,
 * `readline`, `readlines`, line iteration by Op, `close`). Layer: os-facing (core/subprocess).
 *
 * Underneath is the Node stream of the pipe, in flowing mode from the start, rewrapped when
 * possible so that libuv reads straight into memory chosen here (direct-reads.ts): into the
 * output store itself while communicate() collects, else into a scratch buffer that each read
 * is copied out of at its size (a pipe that reads big chunks gets a scratch of its own, handed
 * on as the chunk without a copy, as Node does). Backpressure is
 * real: when more than `HIGH_WATER` units wait unread (or more than the current read asked for),
 * the stream is paused, Node stops reading the pipe, and the child blocks on its next write.
 * `communicate()` switches the reader to collecting (no limit) and back, so a timeout or a kill
 * leaves every byte read so far in the buffer for the next call.
 */

import type { Readable, Writable } from 'node:stream';
import { ConcurrentObjectUseError } from '../errors.ts';
import type { Op } from '../greenlet.ts';
import { nextLine, readAllLines } from '../internal/line-iteration.ts';
import { describeValue } from '../internal/validators.ts';
import { ByteBuffer, type ReadBuffer, TextBuffer } from './buffers.ts';
import type { Codec } from './codec.ts';
import { CondOp, MUST_WAIT, Signal } from './cond-op.ts';
import { readDirectly } from './direct-reads.ts';

/**
 * Units (bytes, or characters in text mode) buffered before the pipe is paused: beyond this, a
 * child whose output nobody reads blocks on its next write.
 *
 * @example
 * p.stdout!.statistics().buffered <= HIGH_WATER + 64 * 1024; // plus at most one chunk in flight
 */
export const HIGH_WATER = 64 * 1024;

/** Bytes asked of each direct read into a scratch buffer (as Node's own reads). */
const READ_SIZE = 64 * 1024;
/** Bytes asked of each read into the communicate() store: a socket pair queues ~200 KiB. */
const STORE_READ_SIZE = 256 * 1024;

/**
 * The scratch buffer direct reads share until a reader shows it reads big chunks. Reads run one
 * at a time on this thread and each is copied out (or decoded) before the next, so one buffer
 * serves every pipe, and an idle pipe holds no read buffer of its own.
 */
let sharedScratch: Buffer | null = null;

function validateSize(size: unknown, name: string): number {
  if (size === undefined || size === null) return -1;
  if (typeof size !== 'number' || !Number.isInteger(size)) {
    throw new TypeError(`${name} must be an integer, got ${describeValue(size)}`);
  }
  return size;
}

/**
 * The reading end of a pipe from a child (`popen.stdout`, `popen.stderr`). Reads are Ops: the
 * greenlet waits while other greenlets run. Binary mode yields Buffers, text mode strings.
 *
 * @example
 * const p = new Popen(['sh', '-c', 'echo one; echo two'], { stdout: PIPE });
 * for (;;) {
 *   const r = yield* p.stdout!.next();   // line by line, as the child writes them
 *   if (r.done) break;
 *   console.log(String(r.value).trimEnd());
 * }
 */
export class PipeReader<T extends Buffer | string = Buffer> {
  /** Which pipe: 'stdout' or 'stderr'. */
  readonly name: string;
  /** @internal Poked on every change (data, end, close, error). */
  readonly _signal = new Signal();
  private readonly buffer: ReadBuffer<T>;
  private readonly empty: T;
  private readonly stream: Readable;
  /** Whether reads come through `onFilled` (direct reads) rather than 'data' events. */
  private readonly direct: boolean;
  private readonly binary: boolean;
  /** Whether this pipe has had a big read: then reads go to a scratch buffer of its own. */
  private bigReads = false;
  /** This pipe's own scratch buffer (see `bigReads`). */
  private scratch: Buffer | null = null;
  /** After `_pumpTo` in direct mode: where reads go. */
  private pumpTarget: Writable | null = null;
  private flowing = false;
  private paused = false;
  private collecting = false;
  private wanted = 0;
  private eof = false;
  private streamClosed = false;
  private userClosed = false;
  private handedOff: string | null = null;
  private error: unknown = null;
  private reader: CondOp<unknown> | null = null;

  constructor(stream: Readable, codec: Codec | null, name: string) {
    this.name = name;
    this.binary = codec === null;
    this.buffer = (codec === null
      ? new ByteBuffer()
      : new TextBuffer(codec)) as unknown as ReadBuffer<T>;
    this.empty = (codec === null ? Buffer.alloc(0) : '') as T;
    const socket = readDirectly(stream, { region: this.nextRegion, filled: this.onFilled });
    this.direct = socket !== null;
    this.stream = stream = socket ?? stream;
    stream.on('error', this.onError);
    stream.on('close', this.onClose);
    // Listen at once: when the child exits, Node resumes any stdio stream nobody listens to
    // and what it still holds would be dropped. Backpressure pauses the stream instead.
    this.startFlowing();
  }

  /** Whether `close()` was called or the pipe was given to another child. */
  get closed(): boolean {
    return this.userClosed || this.handedOff !== null;
  }

  /**
   * Reads `size` bytes (characters in text mode), fewer only at end of file; with no size,
   * everything up to end of file. An empty result means end of file.
   */
  read(size?: number | null): Op<T> {
    const n = validateSize(size, 'read(size)');
    if (n === 0) return this.op(() => this.empty, 'read(0)');
    return this.op(() => {
      if (n > 0 && this.buffer.size >= n) return this.buffer.take(n);
      if (this.eof) return this.buffer.takeAll();
      return this.mustWait(n > 0 ? n : Number.POSITIVE_INFINITY);
    }, `read(${n})`);
  }

  /** Reads whatever is available, at most `size` units (waits for at least one, or EOF). */
  read1(size?: number | null): Op<T> {
    const n = validateSize(size, 'read1(size)');
    if (n === 0) return this.op(() => this.empty, 'read1(0)');
    return this.op(() => {
      const available = this.buffer.size;
      if (available > 0) return this.buffer.take(n > 0 ? Math.min(n, available) : available);
      if (this.eof) return this.empty;
      return this.mustWait(1);
    }, `read1(${n})`);
  }

  /**
   * Reads one line, including its `\n` (the last line may lack it), at most `limit` units.
   * An empty result means end of file.
   */
  readline(limit?: number | null): Op<T> {
    const max = validateSize(limit, 'readline(limit)');
    return this.op(() => {
      const line = this.buffer.lineLength();
      if (line >= 0) return this.buffer.take(max >= 0 ? Math.min(line, max) : line);
      if (max >= 0 && this.buffer.size >= max) return this.buffer.take(max);
      if (this.eof) return this.buffer.takeAll();
      return this.mustWait(this.buffer.size + 1);
    }, 'readline()');
  }

  /** Reads every remaining line. */
  *readlines(): Generator<unknown, T[], unknown> {
    return yield* readAllLines(this);
  }

  /** The next line, or `{ done: true }` at end of file: iteration by Op. */
  *next(): Generator<unknown, IteratorResult<T, undefined>, unknown> {
    return yield* nextLine(this);
  }

  /** Closes the pipe at once; what was not read is dropped. Idempotent. */
  close(): void {
    if (this.userClosed) return;
    this.userClosed = true;
    this.buffer.takeAll();
    this.stream.destroy();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Counters for tests and debugging. */
  statistics(): { buffered: number; paused: boolean; eof: boolean; collecting: boolean } {
    const { buffer, paused, eof, collecting } = this;
    return { buffered: buffer.size, paused, eof, collecting };
  }

  toString(): string {
    const state = this.closed ? 'closed' : this.eof ? 'eof' : 'open';
    return `<PipeReader ${this.name} ${state} buffered=${this.buffer.size}>`;
  }

  /** @internal The stream closed (after end of file or an error): nothing more will come. */
  get _done(): boolean {
    return this.streamClosed || this.closed;
  }

  /** @internal An error of the stream or of text decoding, if one happened. */
  get _error(): unknown {
    return this.error;
  }

  /** @internal Collecting: keep reading without limit (communicate); off restores backpressure. */
  _collect(on: boolean): void {
    this.collecting = on;
    this.buffer.collecting = on;
    if (on) this.startFlowing();
    else if (!this.paused && this.buffer.size >= HIGH_WATER) this.pause();
  }

  /** @internal Removes and returns everything buffered. */
  _takeAll(): T {
    return this.buffer.takeAll();
  }

  /** @internal A copy of everything buffered (a timeout's partial output). */
  _peekAll(): T {
    return this.buffer.peekAll();
  }

  /**
   * @internal The stream to give another child as its stdin, or null when data already read
   * into the parent must be pumped through (see `_pumpTo`).
   */
  _streamForHandOff(): Readable | null {
    this.checkUsable(null);
    const untouched = this.buffer.size === 0 && this.stream.readableLength === 0 && !this.eof;
    return untouched ? this.stream : null;
  }

  /** @internal The child now reads the pipe itself: close the parent's copy. */
  _handedOver(to: string): void {
    this.handedOff = to;
    this.stream.destroy();
  }

  /** @internal Sends what was buffered, then the rest of the stream, into `dest`. */
  _pumpTo(dest: Writable, to: string): void {
    this.handedOff = to;
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.flowing = false;
    dest.on('error', () => this.stream.destroy());
    for (const chunk of this.buffer.drainBytes()) dest.write(chunk);
    if (this.eof) dest.end();
    else {
      dest.once('close', () => this.stream.destroy());
      if (!this.direct) {
        this.stream.pipe(dest);
        return;
      }
      this.pumpTarget = dest;
      this.stream.once('end', () => dest.end());
      this.stream.resume();
    }
  }

  private op<R>(take: () => R | typeof MUST_WAIT, what: string): Op<R> {
    const op: CondOp<R> = new CondOp<R>({
      poll: () => {
        let result: R | typeof MUST_WAIT;
        try {
          this.checkUsable(op);
          result = take();
        } catch (error) {
          if (this.reader === op) this.finishRead();
          throw error;
        }
        if (result === MUST_WAIT) this.reader = op;
        else this.finishRead();
        return result;
      },
      abandon: () => {
        if (this.reader === op) this.finishRead();
      },
      signals: [this._signal],
      describe: () => `${what} on ${this}`,
    });
    return op;
  }

  private checkUsable(op: CondOp<unknown> | null): void {
    if (this.handedOff !== null) {
      throw new RangeError(`${this.name} was given to ${this.handedOff}: read it there`);
    }
    if (this.userClosed) throw new RangeError(`I/O operation on closed ${this.name} pipe`);
    if (this.reader !== null && this.reader !== op) {
      throw new ConcurrentObjectUseError(`${this.name} is already being read by another greenlet`);
    }
    if (this.error !== null) throw this.error;
  }

  /** Asks for `units` buffered units and starts the stream flowing. */
  private mustWait(units: number): typeof MUST_WAIT {
    this.wanted = units;
    this.startFlowing();
    return MUST_WAIT;
  }

  private finishRead(): void {
    this.reader = null;
    this.wanted = 0;
    if (this.paused && this.buffer.size < HIGH_WATER) this.resume();
  }

  private startFlowing(): void {
    if (!this.flowing) {
      this.flowing = true;
      if (!this.direct) this.stream.on('data', this.onData);
      this.stream.on('end', this.onEnd);
      this.stream.resume();
    } else if (this.paused) this.resume();
  }

  private pause(): void {
    this.paused = true;
    this.stream.pause();
  }

  private resume(): void {
    this.paused = false;
    this.stream.resume();
  }

  /** Direct reads: the next read goes into the output store if it takes them, else scratch. */
  private readonly nextRegion = (): Uint8Array => {
    const room = this.buffer.room(STORE_READ_SIZE);
    if (room !== null) return room;
    if (this.bigReads) return (this.scratch ??= Buffer.allocUnsafeSlow(READ_SIZE));
    return (sharedScratch ??= Buffer.allocUnsafeSlow(READ_SIZE));
  };

  /** Direct reads: `n` bytes arrived in `region` (from `nextRegion`). */
  private readonly onFilled = (region: Uint8Array, n: number): void => {
    if (this.pumpTarget !== null) {
      if (!this.pumpTarget.write(Buffer.from(region.subarray(0, n)))) {
        this.stream.pause();
        this.pumpTarget.once('drain', () => this.stream.resume());
      }
      return;
    }
    if (this.error === null && this.buffer.commit(region, n)) this.afterData();
    else this.onData(this.binary ? this.ownChunk(region, n) : region.subarray(0, n));
  };

  /** The bytes of a direct read as a Buffer the byte buffer may keep. */
  private ownChunk(region: Uint8Array, n: number): Buffer {
    const big = n >= READ_SIZE / 2;
    if (big && region === this.scratch) {
      this.scratch = null; // the chunk keeps this scratch; the next read gets a new one
      return Buffer.from(region.buffer, region.byteOffset, n);
    }
    this.bigReads ||= big;
    return Buffer.from(region.subarray(0, n)); // a copy: small ones come from Node's pool
  }

  private readonly onData = (chunk: Uint8Array): void => {
    if (this.error === null) {
      try {
        this.buffer.push(chunk);
      } catch (error) {
        this.error = error;
      }
    }
    this.afterData();
  };

  private afterData(): void {
    if (!this.collecting && this.buffer.size >= Math.max(HIGH_WATER, this.wanted)) this.pause();
    this._signal.notify();
  }

  private readonly onEnd = (): void => {
    try {
      this.buffer.end();
    } catch (error) {
      this.error ??= error;
    }
    this.eof = true;
    this._signal.notify();
  };

  private readonly onClose = (): void => {
    this.streamClosed = true;
    this.eof = true;
    this._signal.notify();
  };

  private readonly onError = (error: unknown): void => {
    if (!this.closed) this.error ??= error;
    this._signal.notify();
  };
}
