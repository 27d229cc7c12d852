/**
 * Read-side buffers of a pipe: what has arrived from the child and not been read yet, as byte
 * chunks (binary mode, no copying until a read spans chunks) or as decoded text (text mode).
 * While output is collected whole (communicate), bytes past COLLECT_IN_PLACE go into one
 * GrowableBytes store instead, so taking them all is not a join (and a direct read lands there
 * without a copy: `room`, `commit`). Layer: os-facing.
 */

import { type Codec, StreamDecoder } from './codec.ts';
import { GrowableBytes } from './growable-bytes.ts';

/** Collected output larger than this goes into a GrowableBytes store. */
const COLLECT_IN_PLACE = 1024 * 1024;

/** The buffer a PipeReader reads from; sizes are in bytes or characters. */
export interface ReadBuffer<T> {
  /** Units (bytes, or characters in text mode) buffered. */
  readonly size: number;
  /**
   * Adds a chunk from the child (text mode decodes it; may raise UnicodeDecodeError). Binary
   * mode keeps `chunk` itself: it must not be reused.
   */
  push(chunk: Uint8Array): void;
  /** Room for the next read straight into the in-place store, or null (read elsewhere). */
  room(n: number): Uint8Array | null;
  /** Counts `n` bytes read into a `room()` view; false if that view is stale (push a copy). */
  commit(view: Uint8Array, n: number): boolean;
  /** The stream ended: flush anything held back. */
  end(): void;
  /** Removes and returns the first `n` units (`n <= size`). */
  take(n: number): T;
  /** Removes and returns everything. */
  takeAll(): T;
  /** A copy of everything, left in place (a timeout's partial output). */
  peekAll(): T;
  /** Units up to and including the first newline, or -1 if no full line is buffered. */
  lineLength(): number;
  /** Everything left, as bytes, removed (to hand the rest of a stream to another child). */
  drainBytes(): Buffer[];
  /** Whether everything will be taken at once at the end (communicate). */
  collecting: boolean;
}

const NEWLINE = 0x0a;

/** Binary mode: a list of chunks. */
export class ByteBuffer implements ReadBuffer<Buffer> {
  size = 0;
  collecting = false;
  private chunks: Buffer[] = [];
  /** The bytes after `chunks`, collected in place (see COLLECT_IN_PLACE). */
  private tail: GrowableBytes | null = null;
  /** Bytes at the front already known to hold no newline. */
  private scanned = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.size += chunk.length;
    if (this.tail === null && this.collecting && this.size > COLLECT_IN_PLACE) this.startTail();
    if (this.tail === null || !this.tail.append(chunk)) {
      this.seal();
      this.chunks.push(chunk);
    }
  }

  room(n: number): Uint8Array | null {
    return this.tail?.room(n) ?? null;
  }

  commit(view: Uint8Array, n: number): boolean {
    if (this.tail === null || !this.tail.commit(view, n)) return false;
    this.size += n;
    return true;
  }

  end(): void {}

  take(n: number): Buffer {
    if (n >= this.size) return this.takeAll();
    this.seal();
    this.size -= n;
    this.scanned = Math.max(0, this.scanned - n);
    const first = this.chunks[0]!;
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) return this.chunks.shift()!;
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const count = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, count);
      filled += count;
      if (count === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(count);
    }
    return out;
  }

  takeAll(): Buffer {
    const tail = this.tail;
    let out: Buffer;
    if (tail !== null && this.chunks.length === 0) out = tail.toBuffer();
    else {
      this.seal();
      const chunks = this.chunks;
      out = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.size);
    }
    this.tail = null;
    this.chunks = [];
    this.size = 0;
    this.scanned = 0;
    return out;
  }

  peekAll(): Buffer {
    const tail = this.tail === null ? [] : [this.tail.toBuffer()];
    return Buffer.concat([...this.chunks, ...tail], this.size);
  }

  lineLength(): number {
    this.seal();
    let offset = 0;
    for (const chunk of this.chunks) {
      const start = Math.max(0, this.scanned - offset);
      if (start < chunk.length) {
        const i = chunk.indexOf(NEWLINE, start);
        if (i >= 0) return offset + i + 1;
      }
      offset += chunk.length;
    }
    this.scanned = this.size;
    return -1;
  }

  drainBytes(): Buffer[] {
    this.seal();
    const chunks = this.chunks;
    this.chunks = [];
    this.size = 0;
    this.scanned = 0;
    return chunks;
  }

  /** Moves what is buffered into a new in-place store (the chunks are copied once, here). */
  private startTail(): void {
    const tail = new GrowableBytes();
    for (const chunk of this.chunks) if (!tail.append(chunk)) return;
    this.tail = tail;
    this.chunks = [];
  }

  /** Ends in-place collection: the store becomes a chunk, later bytes become chunks again. */
  private seal(): void {
    const tail = this.tail;
    if (tail === null) return;
    this.tail = null;
    if (tail.length > 0) this.chunks.push(tail.toBuffer());
  }
}

/** Text mode: decoded text with universal newlines. */
export class TextBuffer implements ReadBuffer<string> {
  collecting = false;
  private text = '';
  private scanned = 0;
  private readonly decoder: StreamDecoder;

  constructor(private readonly codec: Codec) {
    this.decoder = new StreamDecoder(codec);
  }

  get size(): number {
    return this.text.length;
  }

  push(chunk: Uint8Array): void {
    this.text += this.decoder.decode(chunk);
  }

  room(): null {
    return null;
  }

  commit(): boolean {
    return false;
  }

  end(): void {
    this.text += this.decoder.end();
  }

  take(n: number): string {
    const out = this.text.slice(0, n);
    this.text = this.text.slice(n);
    this.scanned = Math.max(0, this.scanned - n);
    return out;
  }

  takeAll(): string {
    const out = this.text;
    this.text = '';
    this.scanned = 0;
    return out;
  }

  peekAll(): string {
    return this.text;
  }

  lineLength(): number {
    const i = this.text.indexOf('\n', this.scanned);
    if (i >= 0) return i + 1;
    this.scanned = this.text.length;
    return -1;
  }

  drainBytes(): Buffer[] {
    const encoding = this.codec.encoding === 'utf-8' ? 'utf8' : this.codec.encoding;
    const text = this.takeAll();
    return text.length === 0
      ? []
      : [Buffer.from(text, encoding === 'utf-16le' ? 'utf16le' : encoding)];
  }
}
