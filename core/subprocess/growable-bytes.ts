/**
 * GrowableBytes: one contiguous byte store that grows in place, for output collected whole
 * (communicate). Layer: os-facing (core/subprocess).
 *
 * Why: keeping each chunk from the pipe and joining them at the end touches every byte twice in
 * fresh memory (the chunks, then the join), and fresh pages cost a page fault each. A resizable
 * ArrayBuffer reserves address space once and commits pages as it grows — Python's `realloc`
 * of a bytes object — so the chunks are copied once into pages touched once, and the chunks'
 * own memory is reused by the next read. The result is a Buffer viewing that store: no join.
 * With direct reads (direct-reads.ts) the pipe is read straight into the store's free room
 * (`room`, then `commit`), so there is no chunk to copy at all.
 */

import { constants } from 'node:buffer';

const MiB = 2 ** 20;
/** Address space reserved at first (not memory: pages are committed as the store grows). */
const FIRST_RESERVATION = 256 * MiB;
/** Smallest growth step. */
const MIN_STEP = MiB;

/** ES2024's resizable ArrayBuffer (Node 20 has it; the project's TypeScript lib is ES2023). */
interface ResizableBuffer extends ArrayBuffer {
  readonly maxByteLength: number;
  resize(byteLength: number): void;
}
const ResizableBuffer = ArrayBuffer as unknown as new (
  byteLength: number,
  options: { maxByteLength: number },
) => ResizableBuffer;

/** Bytes appended chunk by chunk into one growing store. */
export class GrowableBytes {
  length = 0;
  private store: ResizableBuffer;
  private view: Uint8Array;

  constructor(reservation = FIRST_RESERVATION) {
    this.store = new ResizableBuffer(0, {
      maxByteLength: Math.min(reservation, constants.MAX_LENGTH),
    });
    this.view = new Uint8Array(this.store);
  }

  /** Appends `chunk`; false if the store cannot grow that far (the caller keeps it elsewhere). */
  append(chunk: Uint8Array): boolean {
    const needed = this.length + chunk.length;
    if (needed > this.store.byteLength && !this.grow(needed)) return false;
    this.view.set(chunk, this.length);
    this.length = needed;
    return true;
  }

  /**
   * A view of `n` bytes of free room just past the end (the store grows first), for a read
   * straight into the store; null if the store cannot grow that far.
   */
  room(n: number): Uint8Array | null {
    const needed = this.length + n;
    if (needed > this.store.byteLength && !this.grow(needed)) return null;
    return new Uint8Array(this.store, this.length, n);
  }

  /**
   * Appends the first `n` bytes already written into `view`, a `room()` view; false (nothing
   * changes) if `view` is no longer the room at the end (something was appended since, or the
   * store moved).
   */
  commit(view: Uint8Array, n: number): boolean {
    if (view.buffer !== this.store || view.byteOffset !== this.length || n > view.length) {
      return false;
    }
    this.length += n;
    return true;
  }

  /** A Buffer viewing the bytes so far (later appends do not change it). */
  toBuffer(): Buffer {
    return Buffer.from(this.store, 0, this.length);
  }

  private grow(needed: number): boolean {
    const store = this.store;
    const target = Math.max(needed, store.byteLength * 2, MIN_STEP);
    try {
      if (needed <= store.maxByteLength) {
        store.resize(Math.min(target, store.maxByteLength));
        return true;
      }
      // Out of reserved room: move once to a reservation eight times larger.
      if (needed > constants.MAX_LENGTH) return false;
      const reservation = Math.min(constants.MAX_LENGTH, Math.max(needed, store.maxByteLength * 8));
      const bigger = new ResizableBuffer(Math.min(target, reservation), {
        maxByteLength: reservation,
      });
      const view = new Uint8Array(bigger);
      view.set(this.view.subarray(0, this.length));
      this.store = bigger;
      this.view = view;
      return true;
    } catch {
      return false; // the address space or memory ran out: fall back to chunks
    }
  }
}
