/**
 * Children started by the native spawner (native/spawn.ts: vfork-style clones on the addon's
 * threads, reaped through pidfds) behind the part of ChildProcess's shape Popen uses, and the
 * choice between that spawner and node:child_process. Layer: os-facing (core/subprocess).
 *
 * Why: libuv starts a child with fork(), whose cost grows with this process's memory, and the
 * JS thread waits for each exec; the native spawner clones with CLONE_VM|CLONE_VFORK (as
 * glibc's posix_spawn and Python 3.11's subprocess do) on its own threads and returns once the
 * child exists, so spawns overlap. It is used when it loaded (Linux >= 5.3 with the addon built)
 * and the spawn is one it does as child_process would: a program given as a path or found on
 * PATH by Popen, stdio slots that are pipes, /dev/null or descriptors, a cwd that can be
 * entered. Anything else goes through child_process, and so does any spawn those checks say
 * would fail (child_process raises its own error, diagnosed by Popen as before). An exec that
 * fails anyway (a race) ends the child with status 127. `GEVENT_SUBPROCESS_SPAWNER=node` forces
 * child_process; native is the default.
 *
 * Parity with child_process: the pipes are AF_UNIX socketpairs wrapped in net.Socket (as libuv
 * makes them), the child starts with default signal dispositions and an empty signal mask, its
 * fds 0-2 blocking, in a new session for `detached`; stdin is destroyed when the child exits;
 * 'exit' is emitted with (code, null) or (null, signal name).
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { Socket, type SocketConstructorOpts } from 'node:net';
import { constants as osConstants } from 'node:os';
import {
  nativeSpawner,
  type QueuedSpawn,
  SLOT_DEVNULL,
  SLOT_PIPE,
  SPAWN_SETSID,
  type SpawnEvents,
} from '../../native/spawn.ts';
import type { SpawnPlan } from './options.ts';
import { checkCwd, findProgram } from './spawn-failure.ts';

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(osConstants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

/**
 * A child started by the native spawner, shaped like the ChildProcess members Popen uses. It
 * exists when the constructor runs; its exec may still be going on (on a spawn thread).
 *
 * @example
 * const child = startChild('/usr/bin/true', true, plan);
 * child.once('exit', (code, signal) => console.log(code, signal));
 */
export class NativeChild extends EventEmitter implements SpawnEvents {
  readonly stdin: Socket | null;
  readonly stdout: Socket | null;
  readonly stderr: Socket | null;
  readonly stdio: Array<Socket | null>;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  /** Why the child's exec failed (after the checks Popen makes first: a rare race). */
  startErrno = 0;

  constructor(
    readonly pid: number,
    fds: readonly number[],
  ) {
    super();
    this.stdin = fds[0]! >= 0 ? openSocket(fds[0]!, false) : null;
    this.stdout = fds[1]! >= 0 ? openSocket(fds[1]!, true) : null;
    this.stderr = fds[2]! >= 0 ? openSocket(fds[2]!, true) : null;
    this.stdio = [this.stdin, this.stdout, this.stderr];
  }

  /** Sends `signal` unless the child was reaped already; false if it could not be sent. */
  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    if (this.exitCode !== null || this.signalCode !== null) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw error;
    }
  }

  /** @internal From the spawner: the child exec'd (or, pid 0, its exec failed). */
  started(pid: number, errno: number): void {
    if (pid !== 0) return;
    // The exec failed after Popen's checks passed (a rare race): the child exited with 127, as
    // a shell's does; it was reaped already.
    this.startErrno = errno;
    this.exited(127, 0);
  }

  /** @internal From the spawner: the child was reaped. */
  exited(code: number, signal: number): void {
    if (signal !== 0) this.signalCode = SIGNAL_NAMES.get(signal) ?? null;
    else this.exitCode = code;
    this.stdin?.destroy(); // as child_process does: nothing more can be written to it
    this.emit('exit', this.exitCode, this.signalCode);
  }
}

/** Our end of a socketpair as child_process wraps it; readable ones do not start reading yet. */
function openSocket(fd: number, readable: boolean): Socket {
  const options = { fd, readable, manualStart: true };
  return new Socket(options as SocketConstructorOpts);
}

/** Which spawner GEVENT_SUBPROCESS_SPAWNER asks for (native unless it says node). */
function nativeWanted(): boolean {
  return process.env.GEVENT_SUBPROCESS_SPAWNER !== 'node';
}

/** The native spawner's slot for a planned stdio entry, or null if it cannot do it. */
function slotOf(entry: unknown, index: number): number | null {
  if (entry === 'pipe') return SLOT_PIPE;
  if (entry === 'ignore') return SLOT_DEVNULL;
  if (entry === 'inherit' || entry === undefined || entry === null) return index;
  if (typeof entry === 'number' && Number.isInteger(entry) && entry >= 0) return entry;
  return null; // a Stream: child_process takes its handle
}

/** 'KEY=value' strings for an env object (null: this process's environment, unchanged). */
function envPairs(env: NodeJS.ProcessEnv | undefined): string[] | null {
  if (env === undefined) return null;
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined) pairs.push(`${key}=${value}`);
  }
  return pairs;
}

/** Whether this process may chdir into `dir` (a directory without search permission fails). */
function canEnter(dir: string): boolean {
  try {
    accessSync(dir, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Linux's limits on exec's strings (one string, all of them), in UTF-16 units x 3 (UTF-8). */
const MAX_ARG_UNITS = 131_072 / 3;
const MAX_ALL_UNITS = 1_048_576 / 3;

/** Whether exec might refuse these strings (E2BIG): child_process then raises it at once. */
function mayBeTooBig(strings: readonly string[]): boolean {
  let total = 0;
  for (const text of strings) {
    if (text.length >= MAX_ARG_UNITS) return true;
    total += text.length + 1;
  }
  return total >= MAX_ALL_UNITS;
}

/** Starts the child natively; null when the spawner is not there or would differ. */
function startNative(file: string, checked: boolean, plan: SpawnPlan): NativeChild | null {
  if (!file.includes('/') || !nativeWanted()) return null;
  const spawner = nativeSpawner();
  if (spawner === null) return null;
  const { stdio, env, cwd, argv0, detached } = plan.options;
  if (cwd !== undefined && !spawner.features.chdir) return null;
  if (detached === true && !spawner.features.setsid) return null;
  const slots: [number, number, number] = [0, 1, 2];
  for (let i = 0; i < 3; i++) {
    const slot = slotOf(stdio[i], i);
    if (slot === null) return null;
    slots[i] = slot;
  }
  // The exec runs later on a spawn thread: what would make it fail is checked now, and such a
  // spawn goes to child_process, which fails it at once as it always has (diagnosed by Popen).
  if (cwd !== undefined && (checkCwd(file, plan.argv, cwd) !== null || !canEnter(cwd))) return null;
  if (!checked && !findProgram(file, cwd, env).ok) return null;
  const argv = [argv0 ?? file, ...plan.argv];
  const envp = envPairs(env);
  if (mayBeTooBig(argv) || (envp !== null && mayBeTooBig(envp))) return null; // E2BIG
  let child: NativeChild | null = null; // events come from the loop, after it is set
  const events: SpawnEvents = {
    started: (pid, errno) => child?.started(pid, errno),
    exited: (code, signal) => child?.exited(code, signal),
  };
  let queued: QueuedSpawn | null;
  try {
    queued = spawner.spawn(
      file,
      argv,
      envp,
      cwd ?? null,
      slots,
      detached === true ? SPAWN_SETSID : 0,
      events,
    );
  } catch {
    return null; // no descriptors for the pipes: child_process reports it
  }
  if (queued === null) return null; // no process could be made: child_process reports it
  child = new NativeChild(queued.pid, queued.fds);
  return child;
}

/**
 * Starts the planned child with the native spawner when it can, else with child_process.spawn.
 * `file` is the program; `checked`: Popen found it runnable on PATH already.
 *
 * @example
 * const child = startChild(file, file !== plan.file, plan);
 * if (!(child instanceof NativeChild) && child.pid === undefined) throw diagnose(...);
 */
export function startChild(
  file: string,
  checked: boolean,
  plan: SpawnPlan,
): ChildProcess | NativeChild {
  return startNative(file, checked, plan) ?? spawn(file, plan.argv, plan.options);
}
