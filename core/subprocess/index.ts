/**
 * gevent-ts/subprocess: Python's `subprocess` API, cooperative. Layer: os-facing.
 *
 * Layers inside (each imports only those above it):
 *   errors, codec, growable-bytes, buffers, cond-op (a WaitOp over Node-side state),
 *   process-group, spawn-failure → pipe-reader, pipe-writer → options → communicate → popen →
 *   run.
 * Underneath is node:child_process; every blocking call is an Op, so other greenlets run while
 * a greenlet waits for a child, its output, or room in its input pipe.
 *
 * @example
 * import { run } from 'gevent-ts';
 * import { checkOutput, Popen, PIPE, wait } from 'gevent-ts/subprocess';
 * await run(function* () {
 *   const [uname, ls] = [new Popen(['uname'], { stdout: PIPE }), new Popen(['ls'], { stdout: PIPE })];
 *   yield* wait([uname, ls], { timeout: 5 });
 *   console.log(String(yield* checkOutput(['echo', 'done'])));
 * });
 *
 * @module gevent-ts/subprocess
 */

export { wait } from '../wait.ts';
export type { Codec, TextOptions } from './codec.ts';
export {
  CalledProcessError,
  CompletedProcess,
  type Output,
  SubprocessError,
  TimeoutExpired,
  UnicodeDecodeError,
} from './errors.ts';
export { DEVNULL, PIPE, type PopenOptions, STDOUT, type StdioTarget } from './options.ts';
export { HIGH_WATER, PipeReader } from './pipe-reader.ts';
export { PipeWriter } from './pipe-writer.ts';
export { type CommunicateOptions, Popen, type StopOptions } from './popen.ts';
export type { SignalLike } from './process-group.ts';
export {
  type Args,
  type CallOptions,
  type CheckOutputOptions,
  call,
  checkCall,
  checkOutput,
  getoutput,
  getstatusoutput,
  type RunOptions,
  run,
  type TextModeOptions,
} from './run.ts';
