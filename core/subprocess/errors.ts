/**
 * The subprocess module's results and errors: CompletedProcess, CalledProcessError,
 * TimeoutExpired (Python's names and fields), and UnicodeDecodeError for text mode.
 * Layer: os-facing (core/subprocess); imports only core/errors.
 */

import { constants } from 'node:os';
import { GeventError } from '../errors.ts';

/** What a child produced on a captured stream: bytes, text, or null when it was not captured. */
export type Output = Buffer | string | null;

/** How a command is shown in messages: the argument list or the shell string, as given. */
export function formatCommand(cmd: readonly string[] | string): string {
  return JSON.stringify(cmd);
}

/** The name of a signal number, such as `SIGKILL` for 9 (or `signal 99` if unknown). */
export function signalName(signum: number): string {
  for (const [name, value] of Object.entries(constants.signals)) {
    if (value === signum) return name;
  }
  return `signal ${signum}`;
}

/**
 * Base class of the subprocess errors (Python's `SubprocessError`).
 *
 * @example
 * try { yield* checkOutput(['false']); } catch (e) { if (e instanceof SubprocessError) ... }
 */
export class SubprocessError extends GeventError {
  override readonly code: string = 'ERR_SUBPROCESS';
}

/**
 * A child exited with a non-zero status where success was required (`checkCall`,
 * `checkOutput`, `run({ check: true })`, `CompletedProcess.checkReturncode()`). A child killed
 * by a signal has a negative `returncode` (minus the signal number).
 *
 * @example
 * try { yield* checkOutput(['sh', '-c', 'echo oops; exit 3']); }
 * catch (e) { if (e instanceof CalledProcessError) console.log(e.returncode, String(e.output)); }
 */
export class CalledProcessError extends SubprocessError {
  override readonly code: string = 'ERR_CALLED_PROCESS';
  readonly returncode: number;
  readonly cmd: readonly string[] | string;
  /** The captured stdout (same as `stdout`), or null if it was not captured. */
  readonly output: Output;
  readonly stderr: Output;

  constructor(
    returncode: number,
    cmd: readonly string[] | string,
    output: Output = null,
    stderr: Output = null,
  ) {
    const how =
      returncode < 0
        ? `died with ${signalName(-returncode)}.`
        : `returned non-zero exit status ${returncode}.`;
    super(`Command ${formatCommand(cmd)} ${how}`);
    this.returncode = returncode;
    this.cmd = cmd;
    this.output = output;
    this.stderr = stderr;
  }

  /** Python's alias of `output`. */
  get stdout(): Output {
    return this.output;
  }
}

/**
 * A `wait`, `communicate` or `run` timeout expired. `run()` kills (and reaps) the child before
 * raising it; `Popen.wait`/`communicate` leave the child running, and `communicate` may be
 * called again to collect the rest. `output`/`stdout`/`stderr` hold what was read so far (in
 * the Popen's mode: text in text mode), or null if the stream was not captured.
 *
 * @example
 * try { yield* run(['sleep', '10'], { timeout: 0.5 }); }
 * catch (e) { if (e instanceof TimeoutExpired) console.log(`gave up after ${e.timeout} s`); }
 */
export class TimeoutExpired extends SubprocessError {
  override readonly code: string = 'ERR_SUBPROCESS_TIMEOUT';
  readonly cmd: readonly string[] | string;
  readonly timeout: number;
  readonly output: Output;
  readonly stderr: Output;

  constructor(
    cmd: readonly string[] | string,
    timeout: number,
    output: Output = null,
    stderr: Output = null,
  ) {
    super(`Command ${formatCommand(cmd)} timed out after ${timeout} seconds`);
    this.cmd = cmd;
    this.timeout = timeout;
    this.output = output;
    this.stderr = stderr;
  }

  /** Python's alias of `output`. */
  get stdout(): Output {
    return this.output;
  }
}

/**
 * Text mode met bytes that are not valid in the encoding (Python's `UnicodeDecodeError`). The
 * decoder's own error is the `cause`.
 *
 * @example
 * try { yield* checkOutput(['printf', '\\377'], { text: true }); }
 * catch (e) { if (e instanceof UnicodeDecodeError) console.log(e.encoding); }
 */
export class UnicodeDecodeError extends SubprocessError {
  override readonly code: string = 'ERR_ENCODING_INVALID_ENCODED_DATA';
  readonly encoding: string;

  constructor(encoding: string, cause: unknown) {
    super(`the child's output is not valid ${encoding}`, { cause });
    this.encoding = encoding;
  }
}

/**
 * The outcome of `run()`: the arguments, the exit status and the captured output (null for a
 * stream that was not captured).
 *
 * @example
 * const cp = yield* run(['echo', 'hi'], { captureOutput: true, text: true });
 * cp.checkReturncode();
 * console.log(cp.stdout); // 'hi\n'
 */
export class CompletedProcess<T extends Buffer | string = Buffer | string> {
  readonly args: readonly string[] | string;
  readonly returncode: number;
  readonly stdout: T | null;
  readonly stderr: T | null;

  constructor(
    args: readonly string[] | string,
    returncode: number,
    stdout: T | null = null,
    stderr: T | null = null,
  ) {
    this.args = args;
    this.returncode = returncode;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** Raises CalledProcessError if the exit status is not zero. */
  checkReturncode(): void {
    if (this.returncode !== 0) {
      throw new CalledProcessError(this.returncode, this.args, this.stdout, this.stderr);
    }
  }

  toString(): string {
    const parts = [`args=${formatCommand(this.args)}`, `returncode=${this.returncode}`];
    if (this.stdout !== null) parts.push(`stdout=${JSON.stringify(String(this.stdout))}`);
    if (this.stderr !== null) parts.push(`stderr=${JSON.stringify(String(this.stderr))}`);
    return `CompletedProcess(${parts.join(', ')})`;
  }
}
