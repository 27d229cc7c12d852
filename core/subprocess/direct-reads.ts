/**
 * Direct reads: a child's stdout or stderr socket rewrapped so that libuv reads straight into
 * memory the PipeReader chooses (net.Socket's documented `onread` option) instead of into a
 * fresh 64 KiB Buffer per read. Layer: os-facing (core/subprocess).
 *
 * Why: `communicate()` returns the output as one Buffer. Read the usual way, each read lands in
 * a new chunk that is then copied into the result, so every byte is written twice, into two sets
 * of fresh pages (and a first touch of a page costs more than the copy on the VMs this project
 * is measured on). Read directly, the kernel writes each byte once, into the result itself:
 * Python's `readinto`. Reads that are not collected go to one reused scratch buffer and are
 * copied out at their size, so a small read no longer pins a 64 KiB allocation either.
 *
 * How: Node builds a child's stdio sockets as `new net.Socket({ handle, readable })`. We build
 * the same socket with `onread` added and move the pipe's handle to it from Node's socket,
 * before any byte was read. `handle` is Node's own private option, so everything is checked
 * first; if anything looks different, nothing is touched and the caller reads the stream the
 * usual way (`'data'` events).
 */

import { Socket, type SocketConstructorOpts } from 'node:net';
import type { Readable } from 'node:stream';

/** Where reads go: a region for the next read; the call once `n` bytes landed in it. */
export interface ReadTarget {
  /** The memory for the next read (kept by libuv until that read completes). */
  region(): Uint8Array;
  /** `n` bytes (n > 0) were read into `region`, the value `region()` returned before. */
  filled(region: Uint8Array, n: number): void;
}

/** The parts of Node's stream handle (a Pipe) this module relies on. */
interface StreamHandle {
  reading: boolean;
  readStop(): number;
  useUserBuffer(buffer: Uint8Array): void;
}

function isStreamHandle(value: unknown): value is StreamHandle {
  const handle = value as Partial<StreamHandle> | null | undefined;
  return (
    typeof handle === 'object' &&
    handle !== null &&
    typeof handle.readStop === 'function' &&
    typeof handle.useUserBuffer === 'function'
  );
}

/**
 * Moves `stream`'s pipe to a new socket whose reads go where `target` says, and returns that
 * socket (which emits 'end', 'close' and 'error' but no 'data'); `stream` is destroyed without
 * closing the pipe. Returns null, leaving `stream` as it was, if `stream` is not an untouched
 * socket over a Node stream handle.
 *
 * @example
 * const child = spawn('cat', [], { stdio: ['pipe', 'pipe', 'inherit'] });
 * let scratch = Buffer.alloc(65536);
 * const out = readDirectly(child.stdout!, {
 *   region: () => scratch,
 *   filled: (region, n) => console.log(n, 'bytes'),
 * }) ?? child.stdout!;
 * out.resume(); // reading starts; 'end' comes at end of file
 */
export function readDirectly(stream: Readable, target: ReadTarget): Socket | null {
  if (!(stream instanceof Socket) || stream.destroyed || stream.readableLength > 0) return null;
  const owner = stream as unknown as { _handle: unknown };
  const handle = owner._handle;
  if (!isStreamHandle(handle) || stream.bytesRead !== 0) return null;
  // Reading was started by Node's socket; the new one starts it again with its own buffer.
  handle.reading = false;
  handle.readStop();
  owner._handle = null;
  stream.destroy();
  const options = {
    handle,
    readable: true,
    onread: {
      buffer: () => target.region(),
      callback: (n: number, region: Uint8Array) => {
        target.filled(region, n);
        return true;
      },
    },
  };
  return new Socket(options as SocketConstructorOpts);
}
