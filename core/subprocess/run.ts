/**
 * The high-level calls: run, call, checkCall, checkOutput, getoutput, getstatusoutput (Python's,
 * with its rules). Layer: os-facing (core/subprocess), on Popen.
 *
 * Each validates its options when called and starts the child when its Op is iterated. Whatever
 * ends the wait early — the timeout (TimeoutExpired), a kill or a gevent Timeout thrown into the
 * greenlet — the child is stopped (its whole group if it leads one) and reaped before the error
 * propagates, and the pipes are closed: no orphan, no zombie, no open descriptor.
 */

import type { Op } from '../greenlet.ts';
import { describeValue, validateSeconds, validateTimeout } from '../internal/validators.ts';
import { encodeInput, resolveCodec } from './codec.ts';
import { CalledProcessError, CompletedProcess } from './errors.ts';
import {
  PIPE,
  POPEN_OPTION_NAMES,
  type PopenOptions,
  rejectUnknownOptions,
  STDOUT,
} from './options.ts';
import { Popen } from './popen.ts';

/** Options of `run` (Popen's, plus Python's run keywords). */
export interface RunOptions extends PopenOptions {
  /** Sent to the child's stdin (which becomes a pipe); a string in text mode. */
  input?: Buffer | Uint8Array | string | null;
  /** Capture stdout and stderr (both become pipes). */
  captureOutput?: boolean;
  /** Seconds before the child is killed and TimeoutExpired raised. */
  timeout?: number | null;
  /** Raise CalledProcessError for a non-zero exit status. */
  check?: boolean;
  /**
   * How to stop the child when the wait ends early: null (default, Python's way) sends SIGKILL
   * at once; a number sends SIGTERM and SIGKILL that many seconds later.
   */
  killGrace?: number | null;
}

/** Options that make the output text (the result types are strings). */
export type TextModeOptions =
  | { text: true }
  | { universalNewlines: true }
  | { encoding: string }
  | { errors: 'strict' | 'replace' };

/** A command: an argument list, or a string (run by the shell with `shell: true`). */
export type Args = readonly string[] | string;

const RUN_OPTION_NAMES = [
  ...POPEN_OPTION_NAMES,
  'input',
  'captureOutput',
  'timeout',
  'check',
  'killGrace',
];

interface RunPlan {
  popen: PopenOptions;
  input: Buffer | null;
  timeout: number | null | undefined;
  check: boolean;
  killGrace: number | null;
}

function planRun(options: RunOptions, where: string): RunPlan {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${where}: options must be an object, got ${describeValue(options)}`);
  }
  rejectUnknownOptions(options, RUN_OPTION_NAMES, where);
  const { input, captureOutput, timeout, check, killGrace, ...popen } = options;
  const hasInput = input !== undefined && input !== null;
  if (hasInput && popen.stdin !== undefined && popen.stdin !== null) {
    throw new RangeError(`${where}: stdin and input arguments may not both be used`);
  }
  if (captureOutput === true) {
    if ((popen.stdout ?? null) !== null || (popen.stderr ?? null) !== null) {
      throw new RangeError(
        `${where}: stdout and stderr arguments may not be used with captureOutput`,
      );
    }
    popen.stdout = PIPE;
    popen.stderr = PIPE;
  }
  if (hasInput) popen.stdin = PIPE;
  if (killGrace !== undefined && killGrace !== null)
    validateSeconds(killGrace, `${where}: options.killGrace`);
  const codec = resolveCodec(popen, where);
  return {
    popen,
    input: hasInput ? encodeInput(codec, input, `${where}: options.input`) : null,
    timeout: validateTimeout(timeout, `${where}: options.timeout`),
    check: check === true,
    killGrace: killGrace ?? null,
  };
}

function* runPlanned(
  args: Args,
  plan: RunPlan,
): Generator<unknown, CompletedProcess<any>, unknown> {
  const p = new Popen<any>(args, plan.popen);
  try {
    let output: [unknown, unknown];
    try {
      output = yield* p._communicateBytes(plan.input, plan.timeout);
    } catch (error) {
      // Timeout, kill or anything else: the child must not outlive the call. Reap it first.
      p._forceStop(plan.killGrace);
      yield* p.wait();
      throw error;
    }
    const done = new CompletedProcess<any>(args, p.returncode!, output[0], output[1]);
    if (plan.check) done.checkReturncode();
    return done;
  } finally {
    p.close();
  }
}

/**
 * Runs a command and waits for it: Python's `subprocess.run`. Returns a CompletedProcess;
 * raises TimeoutExpired (after killing and reaping the child) and, with `check`,
 * CalledProcessError.
 *
 * @example
 * const cp = yield* run(['ls', '-l'], { captureOutput: true, text: true, timeout: 5 });
 * console.log(cp.returncode, cp.stdout);
 */
export function run(
  args: Args,
  options: RunOptions & TextModeOptions,
): Op<CompletedProcess<string>>;
export function run(args: Args, options?: RunOptions): Op<CompletedProcess<Buffer>>;
export function run(args: Args, options: RunOptions = {}): Op<CompletedProcess<any>> {
  return runPlanned(args, planRun(options, 'run()'));
}

/** Options of `call` and `checkCall`. */
export type CallOptions = Omit<RunOptions, 'input' | 'captureOutput' | 'check'>;

function* returncodeOf(args: Args, plan: RunPlan): Generator<unknown, number, unknown> {
  return (yield* runPlanned(args, plan)).returncode;
}

/**
 * Runs a command and returns its exit status: Python's `subprocess.call`.
 *
 * @example
 * const status = yield* call(['grep', '-q', 'root', '/etc/passwd']); // 0
 */
export function call(args: Args, options: CallOptions = {}): Op<number> {
  rejectUnknownOptions(options, RUN_OPTION_NAMES.filter(notRunOnly), 'call()');
  return returncodeOf(args, planRun(options, 'call()'));
}

/**
 * Runs a command; raises CalledProcessError unless it exits with 0: `subprocess.check_call`.
 *
 * @example
 * yield* checkCall(['mkdir', '-p', '/tmp/out']);
 */
export function checkCall(args: Args, options: CallOptions = {}): Op<0> {
  rejectUnknownOptions(options, RUN_OPTION_NAMES.filter(notRunOnly), 'checkCall()');
  return zeroAfter(args, { ...planRun(options, 'checkCall()'), check: true });
}

function* zeroAfter(args: Args, plan: RunPlan): Generator<unknown, 0, unknown> {
  yield* runPlanned(args, plan);
  return 0;
}

function notRunOnly(name: string): boolean {
  return name !== 'input' && name !== 'captureOutput' && name !== 'check';
}

/** Options of `checkOutput` (stdout is always captured). */
export type CheckOutputOptions = Omit<RunOptions, 'stdout' | 'captureOutput' | 'check'>;

function* stdoutOf(args: Args, plan: RunPlan): Generator<unknown, unknown, unknown> {
  return (yield* runPlanned(args, plan)).stdout;
}

/**
 * Runs a command and returns its stdout; raises CalledProcessError (with the output) unless it
 * exits with 0: Python's `subprocess.check_output`.
 *
 * @example
 * const kernel = yield* checkOutput(['uname', '-s'], { text: true }); // 'Linux\n'
 */
export function checkOutput(args: Args, options: CheckOutputOptions & TextModeOptions): Op<string>;
export function checkOutput(args: Args, options?: CheckOutputOptions): Op<Buffer>;
export function checkOutput(args: Args, options: CheckOutputOptions = {}): Op<Buffer | string> {
  const where = 'checkOutput()';
  for (const name of ['stdout', 'captureOutput', 'check']) {
    if (options !== null && typeof options === 'object' && name in options) {
      throw new RangeError(`${where}: the ${name} option is not allowed, it is always overridden`);
    }
  }
  const withInput =
    options !== null && typeof options === 'object' && 'input' in options && options.input == null
      ? { ...options, input: resolveCodec(options, where) === null ? Buffer.alloc(0) : '' }
      : options;
  const plan = planRun({ ...withInput, stdout: PIPE }, where);
  return stdoutOf(args, { ...plan, check: true }) as Op<Buffer | string>;
}

/**
 * Runs `cmd` in the shell and returns `[status, output]`, stderr merged into stdout and one
 * trailing newline removed: Python's `subprocess.getstatusoutput`.
 *
 * @example
 * const [status, text] = yield* getstatusoutput('ls /nonexistent'); // [2, 'ls: cannot access ...']
 */
export function* getstatusoutput(
  cmd: string,
  options: { encoding?: string; errors?: 'strict' | 'replace' } = {},
): Generator<unknown, [number, string], unknown> {
  if (typeof cmd !== 'string') {
    throw new TypeError(`getstatusoutput(cmd): cmd must be a string, got ${describeValue(cmd)}`);
  }
  let status = 0;
  let data: string;
  try {
    data = yield* checkOutput(cmd, { ...options, shell: true, text: true, stderr: STDOUT });
  } catch (error) {
    if (!(error instanceof CalledProcessError)) throw error;
    status = error.returncode;
    data = String(error.output ?? '');
  }
  return [status, data.endsWith('\n') ? data.slice(0, -1) : data];
}

/**
 * Runs `cmd` in the shell and returns its output (stderr merged, one trailing newline removed),
 * whatever the exit status: Python's `subprocess.getoutput`.
 *
 * @example
 * const today = yield* getoutput('date +%F');
 */
export function* getoutput(
  cmd: string,
  options: { encoding?: string; errors?: 'strict' | 'replace' } = {},
): Generator<unknown, string, unknown> {
  return (yield* getstatusoutput(cmd, options))[1];
}
