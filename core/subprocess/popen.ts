/**
 * Popen: a child process, Python's `subprocess.Popen` made cooperative. Layer: os-facing
 * (core/subprocess), on the native posix_spawn spawner or node:child_process (native-child.ts).
 *
 * `spawn` does the work; Popen adds Python's rules on top: errors from the constructor, the
 * exit status as `returncode` (minus the signal number for a signal), `wait`/`communicate` as
 * Ops that other greenlets run during, pipes as cooperative file objects, and the Waitable shape
 * (a Linkable that is ready once the child exited) for `wait([p1, p2])` and `iwait`. Children
 * never become zombies: libuv (or the native spawner) reaps each one as it exits, whether or not
 * anyone waits.
 */

import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Op } from '../greenlet.ts';
import { getHub } from '../hub.ts';
import { Linkable } from '../internal/linkable.ts';
import { validateSeconds, validateTimeout } from '../internal/validators.ts';
import { DoneOp } from '../internal/wait-op.ts';
import { type Codec, encodeInput } from './codec.ts';
import { communicate } from './communicate.ts';
import { CondOp, MUST_WAIT, Signal } from './cond-op.ts';
import { formatCommand, TimeoutExpired } from './errors.ts';
import { type NativeChild, startChild } from './native-child.ts';
import { type PopenOptions, planSpawn, type SpawnPlan } from './options.ts';
import { PipeReader } from './pipe-reader.ts';
import { PipeWriter } from './pipe-writer.ts';
import { killOnExit, type SignalLike, signalGroup, validateSignal } from './process-group.ts';
import {
  checkCwd,
  diagnoseSpawnFailure,
  findProgram,
  resolveOnPath,
  spawnError,
} from './spawn-failure.ts';

const hub = getHub();

/** Options of `Popen.stop()`. */
export interface StopOptions {
  /** Seconds between SIGTERM and SIGKILL (default 5). */
  grace?: number;
  /** Signal the whole process group (default: when the child leads one). */
  group?: boolean;
}

/** `communicate`'s arguments as one object (Python's keywords). */
export interface CommunicateOptions<T> {
  input?: T | Uint8Array | null;
  timeout?: number | null;
}

/**
 * A child process. The constructor starts it (raising at once, `code === 'ENOENT'`, for a
 * program that does not exist); `wait`, `communicate` and the pipes' reads and writes are Ops.
 * In text mode (`text`, `encoding`) pipes carry strings: write `new Popen<string>(...)`.
 *
 * @example
 * const p = new Popen(['sh', '-c', 'echo out; echo err >&2; exit 3'], { stdout: PIPE, stderr: PIPE });
 * const [out, err] = yield* p.communicate();
 * console.log(p.returncode, String(out), String(err)); // 3 'out\n' 'err\n'
 *
 * @example
 * // A pipeline: ls | grep ts, the first child's stdout read by the second directly.
 * const ls = new Popen(['ls'], { stdout: PIPE });
 * const grep = new Popen<string>(['grep', 'ts'], { stdin: ls.stdout, stdout: PIPE, text: true });
 * const [names] = yield* grep.communicate();
 */
export class Popen<T extends Buffer | string = Buffer> extends Linkable {
  /** The arguments as given. */
  readonly args: readonly string[] | string;
  readonly pid: number;
  /** Pipes, when PIPE was asked for; null otherwise. */
  readonly stdin: PipeWriter<T> | null;
  readonly stdout: PipeReader<T> | null;
  readonly stderr: PipeReader<T> | null;
  /** Whether the pipes carry strings. */
  readonly textMode: boolean;
  /** Whether the child leads its own process group (startNewSession / processGroup: 0). */
  readonly leadsGroup: boolean;
  /** @internal Poked when the child exits. */
  readonly _exitSignal = new Signal();
  private _returncode: number | null = null;
  private readonly child: ChildProcess | NativeChild;
  private readonly codec: Codec | null;
  private communicationStarted = false;
  private forgetOnExit: (() => void) | null = null;
  private escalation: NodeJS.Timeout | null = null;

  constructor(args: readonly string[] | string, options: PopenOptions = {}) {
    super();
    const plan = planSpawn(args, options);
    if (plan.mergeThroughShell) checkProgram(plan);
    const stdinFrom = plan.stdinFrom;
    const handOff = stdinFrom?._streamForHandOff() ?? null;
    if (handOff !== null) plan.options.stdio[0] = handOff;
    const file = resolveOnPath(plan.file, plan.options.env) ?? plan.file;
    const child = startChild(file, file !== plan.file, plan);
    child.on('error', ignoreLateError);
    if (child.pid === undefined) {
      const { cwd, env } = plan.options;
      const noPipes = plan.options.stdio.includes('pipe') && child.stdio.every((s) => s === null);
      throw diagnoseSpawnFailure(plan.program, plan.programArgs, cwd, env, noPipes);
    }
    this.child = child;
    this.args = args;
    this.pid = child.pid;
    this.codec = plan.codec;
    this.textMode = plan.codec !== null;
    this.leadsGroup = plan.leadsGroup;
    this.stdin =
      stdinFrom === null && child.stdin ? new PipeWriter<T>(child.stdin, plan.codec) : null;
    this.stdout = child.stdout ? new PipeReader<T>(child.stdout, plan.codec, 'stdout') : null;
    this.stderr = child.stderr ? new PipeReader<T>(child.stderr, plan.codec, 'stderr') : null;
    if (stdinFrom !== null) {
      if (handOff !== null) stdinFrom._handedOver(String(this));
      else stdinFrom._pumpTo(child.stdin!, String(this));
    }
    if (plan.killOnExit !== null) {
      this.forgetOnExit = killOnExit(this.pid, this.leadsGroup, plan.killOnExit);
    }
    child.once('exit', this.onExit);
  }

  /** The exit status once the child exited (minus the signal number if a signal ended it). */
  get returncode(): number | null {
    return this._returncode;
  }

  /** The exit status, or null while the child runs. Never waits. */
  poll(): number | null {
    return this._returncode;
  }

  /** Ready (for `wait([...])`, `iwait`, `rawlink`) once the child has exited. */
  ready(): boolean {
    return this._returncode !== null;
  }

  /**
   * Waits for the child to exit and returns its status. Raises TimeoutExpired after `timeout`
   * seconds (the child keeps running).
   */
  wait(timeout?: number | null): Op<number> {
    const seconds = validateTimeout(timeout, 'wait(timeout)');
    return new CondOp<number>({
      poll: () => this._returncode ?? MUST_WAIT,
      signals: [this._exitSignal],
      timeout: seconds,
      expire: () => new TimeoutExpired(this.args, seconds as number),
      describe: () => `wait() on ${this}`,
    });
  }

  /**
   * Sends `input` (then closes stdin), reads stdout and stderr to their end and waits for the
   * exit; returns `[stdout, stderr]` (null for a stream that is not a pipe). Acts at once: the
   * input is handed to the pipe when called. TimeoutExpired (with the output so far) leaves the
   * child running; calling again continues and returns all the output.
   */
  communicate(
    input?: T | Uint8Array | null | CommunicateOptions<T>,
    timeout?: number | null,
  ): Op<[T | null, T | null]> {
    if (isCommunicateOptions(input)) {
      timeout = input.timeout;
      input = input.input;
    }
    const seconds = validateTimeout(timeout, 'communicate(timeout)');
    const hasInput = input !== undefined && input !== null;
    const bytes = hasInput ? encodeInput(this.codec, input, 'communicate(input)') : null;
    return this._communicateBytes(bytes, seconds);
  }

  /** @internal communicate() with input already encoded and the timeout validated. */
  _communicateBytes(
    bytes: Buffer | null,
    timeout: number | null | undefined,
  ): Op<[T | null, T | null]> {
    if (bytes !== null && this.communicationStarted) {
      throw new RangeError('communicate(input): cannot send input after starting communication');
    }
    const op = communicate(this, bytes, timeout, this.communicationStarted);
    this.communicationStarted = true;
    return op as Op<[T | null, T | null]>;
  }

  /**
   * Sends a signal to the child (nothing once it has exited), or with `group` to its whole
   * process group (the child must lead one: startNewSession or processGroup: 0).
   */
  sendSignal(sig: SignalLike, options: { group?: boolean } = {}): void {
    const signal = validateSignal(sig, 'sendSignal(sig)');
    if (options.group === true) {
      if (!this.leadsGroup) {
        throw new RangeError(
          'sendSignal(sig, { group: true }): the child does not lead a process group ' +
            '(start it with startNewSession: true or processGroup: 0)',
        );
      }
      signalGroup(this.pid, signal);
      return;
    }
    if (this._returncode === null) this.child.kill(signal);
  }

  /** SIGTERM. */
  terminate(): void {
    this.sendSignal('SIGTERM');
  }

  /** SIGKILL. */
  kill(): void {
    this.sendSignal('SIGKILL');
  }

  /**
   * SIGTERM now and SIGKILL after `grace` seconds if still running (to the whole group when the
   * child leads one, so grandchildren go too). Acts at once; the Op waits for the exit.
   *
   * @example
   * const status = yield* p.stop({ grace: 2 }); // -15, or -9 if it ignored SIGTERM
   */
  stop(options: StopOptions = {}): Op<number> {
    const grace = options.grace ?? 5;
    validateSeconds(grace, 'stop(options.grace)');
    const group = options.group ?? this.leadsGroup;
    if (this._returncode !== null && !group) return new DoneOp(this._returncode);
    this.sendSignal('SIGTERM', { group });
    if (this.escalation === null) {
      this.escalation = setTimeout(() => this.escalate(group), grace * 1000);
      this.escalation.unref();
    }
    return this.wait();
  }

  /** Closes the pipes at once (unread output is dropped). The child is not waited for. */
  close(): void {
    this.stdin?.[Symbol.dispose]();
    this.stdout?.close();
    this.stderr?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  override toString(): string {
    return `<Popen pid=${this.pid} returncode=${this._returncode} args=${formatCommand(this.args)}>`;
  }

  /** @internal Stops the child for run()'s cleanup: SIGKILL now, or stop() with a grace. */
  _forceStop(grace: number | null): void {
    if (grace !== null) {
      this.stop({ grace });
      return;
    }
    if (this.leadsGroup) signalGroup(this.pid, 'SIGKILL');
    else this.sendSignal('SIGKILL');
  }

  private escalate(group: boolean): void {
    this.escalation = null;
    if (group) signalGroup(this.pid, 'SIGKILL');
    else if (this._returncode === null) this.child.kill('SIGKILL');
  }

  private readonly onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
    this._returncode = code ?? -(signal === null ? 0 : (constants.signals[signal] ?? 0));
    this.forgetOnExit?.();
    this.forgetOnExit = null;
    if (this.escalation !== null && !this.leadsGroup) {
      clearTimeout(this.escalation);
      this.escalation = null;
    }
    this._exitSignal.notify();
    this._notifyLinks(hub.current === null);
  };
}

/** Spawn errors after the constructor (a kill that failed) are not the caller's to handle. */
function ignoreLateError(): void {}

/** The `sh -c 'exec "$@"'` wrapper would turn a missing program into status 127: check first. */
function checkProgram(plan: SpawnPlan): void {
  const { cwd, env } = plan.options;
  const badCwd = checkCwd(plan.program, plan.programArgs, cwd);
  if (badCwd !== null) throw badCwd;
  const found = findProgram(plan.program, cwd, env);
  if (!found.ok) throw spawnError(found.code, plan.program, plan.programArgs, found.detail);
}

function isCommunicateOptions(value: unknown): value is CommunicateOptions<any> {
  return (
    value !== null &&
    typeof value === 'object' &&
    !(value instanceof Uint8Array) &&
    ('input' in value || 'timeout' in value || Object.keys(value).length === 0)
  );
}
