/**
 * Popen's arguments and options, checked up front (each error names the option) and turned into
 * a plan for `child_process.spawn`: the program and argv (Python's `shell` and `executable`
 * rules), the three stdio slots, the session, text mode. Layer: os-facing (core/subprocess).
 */

import type { SpawnOptions, StdioNull, StdioPipe } from 'node:child_process';
import { Stream } from 'node:stream';
import { describeValue } from '../internal/validators.ts';
import { type Codec, resolveCodec, type TextOptions } from './codec.ts';
import { PipeReader } from './pipe-reader.ts';
import { PipeWriter } from './pipe-writer.ts';
import { type SignalLike, validateSignal } from './process-group.ts';

/**
 * Make a pipe to the child (Python's `subprocess.PIPE`).
 *
 * @example
 * const p = new Popen(['ls'], { stdout: PIPE }); // p.stdout is a PipeReader
 */
export const PIPE = -1;
/**
 * For `stderr`: send it where stdout goes (Python's `subprocess.STDOUT`).
 *
 * @example
 * const both = yield* checkOutput(['make'], { stderr: STDOUT }); // one stream, in order
 */
export const STDOUT = -2;
/**
 * Connect the stream to /dev/null (Python's `subprocess.DEVNULL`).
 *
 * @example
 * yield* call(['rm', '-rf', dir], { stdout: DEVNULL, stderr: DEVNULL });
 */
export const DEVNULL = -3;

/**
 * Where a child's stream goes: PIPE, DEVNULL, a file descriptor, a Node stream with a
 * descriptor, an object with an `fd` (a FileHandle), or null/undefined to share this process's.
 * stdin may also be another Popen's `stdout` (a pipeline); stdout and stderr another's `stdin`.
 */
export type StdioTarget =
  | number
  | PipeReader<any>
  | PipeWriter<any>
  | Stream
  | { fd: number }
  | null
  | undefined;

/** Popen's options (Python's keyword arguments, camelCased). */
export interface PopenOptions extends TextOptions {
  stdin?: StdioTarget;
  stdout?: StdioTarget;
  /** As stdout, or STDOUT to merge it into stdout. */
  stderr?: StdioTarget;
  cwd?: string;
  /** The child's whole environment (default: this process's). */
  env?: Record<string, string | undefined>;
  /** Run `args` (a string, or a list whose first item is the command) with /bin/sh -c. */
  shell?: boolean;
  /** The program to run instead of `args[0]` (which becomes its argv[0]), or the shell. */
  executable?: string;
  /** Start the child in a new session (setsid): it leads its own process group. */
  startNewSession?: boolean;
  /** 0: the child leads a new process group (only 0 is supported, via a new session). */
  processGroup?: 0 | null;
  /** Signal the child (its group, if it leads one) if this process exits first. `true`: SIGTERM. */
  killOnExit?: boolean | SignalLike;
}

export const POPEN_OPTION_NAMES = [
  'stdin',
  'stdout',
  'stderr',
  'cwd',
  'env',
  'shell',
  'executable',
  'startNewSession',
  'processGroup',
  'killOnExit',
  'text',
  'universalNewlines',
  'encoding',
  'errors',
];

/** What Popen hands to `spawn`, plus what it does around it. */
export interface SpawnPlan {
  file: string;
  argv: string[];
  /** The program as the user named it, for errors and the ENOENT check. */
  program: string;
  programArgs: string[];
  options: Omit<SpawnOptions, 'cwd' | 'stdio'> & {
    cwd?: string | undefined;
    stdio: Array<StdioPipe | StdioNull | number | Stream>;
  };
  /** stderr merged into a stdout pipe: run through `sh -c 'exec "$@" 2>&1'`, check first. */
  mergeThroughShell: boolean;
  /** stdin is another Popen's stdout. */
  stdinFrom: PipeReader<any> | null;
  leadsGroup: boolean;
  codec: Codec | null;
  killOnExit: SignalLike | null;
}

/** Rejects options this call does not know, with a hint for Python's snake_case names. */
export function rejectUnknownOptions(options: object, known: string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const hint = camel !== key && known.includes(camel) ? ` (did you mean ${camel}?)` : '';
    throw new TypeError(`${where}: unknown option ${JSON.stringify(key)}${hint}`);
  }
}

/** Validates `args` and returns it as a list (a string is one program name, or a shell command). */
export function normalizeArgs(args: unknown, where: string): string[] {
  if (typeof args === 'string') return [args];
  if (!Array.isArray(args)) {
    throw new TypeError(
      `${where}: args must be an array of strings or a string, got ${describeValue(args)}`,
    );
  }
  if (args.length === 0) throw new RangeError(`${where}: args must not be empty`);
  args.forEach((arg, i) => {
    if (typeof arg !== 'string') {
      throw new TypeError(`${where}: args[${i}] must be a string, got ${describeValue(arg)}`);
    }
  });
  return args as string[];
}

function optionalType(value: unknown, type: string, name: string): void {
  if (value !== undefined && value !== null && typeof value !== type) {
    throw new TypeError(`Popen: options.${name} must be a ${type}, got ${describeValue(value)}`);
  }
}

function validateEnv(env: unknown): Record<string, string> | undefined {
  if (env === undefined || env === null) return undefined;
  if (typeof env !== 'object' || Array.isArray(env)) {
    throw new TypeError(
      `Popen: options.env must be an object of strings, got ${describeValue(env)}`,
    );
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      throw new TypeError(
        `Popen: options.env.${key} must be a string, got ${describeValue(value)}`,
      );
    }
    out[key] = value;
  }
  return out;
}

function newGroupWanted(options: PopenOptions): boolean {
  optionalType(options.startNewSession, 'boolean', 'startNewSession');
  const group = options.processGroup;
  if (group !== undefined && group !== null && group !== 0) {
    throw new RangeError(
      `Popen: options.processGroup must be 0 (a new group led by the child) or null, got ${describeValue(group)}`,
    );
  }
  return options.startNewSession === true || group === 0;
}

function killOnExitSignal(value: unknown): SignalLike | null {
  if (value === undefined || value === null || value === false) return null;
  if (value === true) return 'SIGTERM';
  return validateSignal(value, 'Popen: options.killOnExit');
}

type Slot = StdioPipe | StdioNull | number | Stream;

/** One stdio slot (0 stdin, 1 stdout, 2 stderr) as spawn takes it. */
function stdioSlot(value: unknown, index: number, name: string): Slot | PipeReader<any> {
  if (value === undefined || value === null) return 'inherit';
  if (value === PIPE) return 'pipe';
  if (value === DEVNULL) return 'ignore';
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0) return value;
    throw new RangeError(
      `Popen: options.${name} must be PIPE, DEVNULL, a file descriptor >= 0 or a stream, got ${value}`,
    );
  }
  if (value instanceof PipeReader) {
    if (index === 0) return value;
    throw new TypeError(`Popen: options.${name} cannot be a pipe's reading end (${value})`);
  }
  if (value instanceof PipeWriter) {
    if (index > 0) return value._stream as Stream;
    throw new TypeError(`Popen: options.stdin cannot be a pipe's writing end (${value})`);
  }
  if (value instanceof Stream) return value;
  const fd = (value as { fd?: unknown } | null)?.fd;
  if (typeof fd === 'number' && Number.isInteger(fd) && fd >= 0) return fd;
  throw new TypeError(
    `Popen: options.${name} must be PIPE, DEVNULL, a file descriptor, a stream or null, got ${describeValue(value)}`,
  );
}

/** Validates everything and plans the spawn. Throws TypeError/RangeError naming the option. */
export function planSpawn(args: unknown, options: PopenOptions): SpawnPlan {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Popen: options must be an object, got ${describeValue(options)}`);
  }
  rejectUnknownOptions(options, POPEN_OPTION_NAMES, 'Popen');
  const list = normalizeArgs(args, 'Popen');
  optionalType(options.cwd, 'string', 'cwd');
  optionalType(options.shell, 'boolean', 'shell');
  optionalType(options.executable, 'string', 'executable');
  const env = validateEnv(options.env);
  const codec = resolveCodec(options, 'Popen');
  const leadsGroup = newGroupWanted(options);
  const killOnExit = killOnExitSignal(options.killOnExit);
  if (list[0] === '' && options.executable === undefined) {
    throw new RangeError('Popen: args[0] (the program) must not be empty');
  }

  let file: string;
  let argv: string[];
  let argv0: string;
  if (options.shell === true) {
    file = options.executable ?? '/bin/sh';
    argv = ['-c', ...list];
    argv0 = file;
  } else {
    file = options.executable ?? list[0]!;
    argv = list.slice(1);
    argv0 = list[0]!;
  }

  const stdin = stdioSlot(options.stdin, 0, 'stdin');
  const stdout = stdioSlot(options.stdout, 1, 'stdout') as Slot;
  let stderr: Slot;
  let mergeThroughShell = false;
  if (options.stderr === STDOUT) {
    if (stdout === 'pipe') {
      mergeThroughShell = true;
      stderr = 'inherit';
    } else stderr = stdout === 'inherit' ? 1 : stdout;
  } else stderr = stdioSlot(options.stderr, 2, 'stderr') as Slot;

  const stdinFrom = stdin instanceof PipeReader ? stdin : null;
  const plan: SpawnPlan = {
    file,
    argv,
    program: file,
    programArgs: [argv0, ...argv],
    options: {
      cwd: options.cwd ?? undefined,
      env,
      argv0,
      detached: leadsGroup,
      stdio: [stdinFrom === null ? (stdin as Slot) : 'pipe', stdout, stderr],
    },
    mergeThroughShell,
    stdinFrom,
    leadsGroup,
    codec,
    killOnExit,
  };
  if (mergeThroughShell) {
    // Node cannot point fd 2 at the pipe it makes for fd 1; a shell can, exactly (one pipe,
    // the child's own interleaving) and then becomes the program (same pid).
    plan.argv = ['-c', 'exec "$@" 2>&1', 'sh', file, ...argv];
    plan.file = '/bin/sh';
    plan.options.argv0 = '/bin/sh';
  }
  return plan;
}
