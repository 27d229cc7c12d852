/**
 * `communicate()`: send the input, read stdout and stderr to the end, wait for the exit — all at
 * once, so a child that writes a lot before reading all its input cannot deadlock. Layer:
 * os-facing (core/subprocess).
 *
 * The input goes to Node in one `end(input)` (Node writes it as the pipe takes it, without a
 * copy; a child that stops reading ends the pipe, which is not an error here); the readers collect without limit while a call waits. A timeout (TimeoutExpired) or a
 * kill leaves the child running and everything read so far buffered: the next call continues
 * where this one stopped, as in Python. Nothing is held twice: output chunks are joined once, at
 * the end.
 */

import type { Op } from '../greenlet.ts';
import { CondOp, MUST_WAIT, type Signal } from './cond-op.ts';
import { type Output, TimeoutExpired } from './errors.ts';
import type { PipeReader } from './pipe-reader.ts';
import type { PipeWriter } from './pipe-writer.ts';

/** The parts of a Popen that communicate works with. */
export interface CommunicateTarget {
  readonly args: readonly string[] | string;
  readonly returncode: number | null;
  readonly stdin: PipeWriter<any> | null;
  readonly stdout: PipeReader<any> | null;
  readonly stderr: PipeReader<any> | null;
  /** @internal Poked when the child exits. */
  readonly _exitSignal: Signal;
}

/** Starts (or continues) a communication and returns the Op that waits for its end. */
export function communicate(
  target: CommunicateTarget,
  input: Buffer | null,
  timeout: number | null | undefined,
  started: boolean,
): Op<[Output, Output]> {
  const { stdin, stdout, stderr } = target;
  if (!started && stdin !== null) stdin.end(input);
  const readers = [stdout, stderr].filter((r): r is PipeReader<any> => r !== null);
  const signals = [target._exitSignal, ...readers.map((r) => r._signal)];
  if (stdin !== null) signals.push(stdin._signal);
  const setCollecting = (on: boolean) => {
    for (const reader of readers) reader._collect(on);
  };
  setCollecting(true);

  const done = () =>
    target.returncode !== null &&
    (stdin === null || stdin._done) &&
    readers.every((reader) => reader._done);

  return new CondOp<[Output, Output]>({
    poll: () => {
      for (const reader of readers) {
        const error = reader._error;
        if (error !== null && !reader.closed) throw error;
      }
      if (!done()) return MUST_WAIT;
      setCollecting(false);
      return [takeOutput(stdout), takeOutput(stderr)];
    },
    signals,
    timeout,
    abandon: () => setCollecting(false),
    expire: () =>
      new TimeoutExpired(target.args, timeout as number, peekOutput(stdout), peekOutput(stderr)),
    describe: () => `communicate() with ${String(target)}`,
  });
}

function takeOutput(reader: PipeReader<any> | null): Output {
  return reader === null || reader.closed ? null : reader._takeAll();
}

function peekOutput(reader: PipeReader<any> | null): Output {
  return reader === null || reader.closed ? null : reader._peekAll();
}
