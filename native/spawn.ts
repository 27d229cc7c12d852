/**
 * The loader of the native spawner addon (`build/Release/gevent_spawn.node`, native/src/spawn.cc):
 * children made as glibc's posix_spawn makes them, clone(CLONE_VM|CLONE_VFORK), so the cost does
 * not grow with this process's memory as libuv's fork's does, on the addon's own threads, so the
 * JS thread waits only until the child exists, not for its exec; reaped through pidfds that
 * libuv polls on the JS thread (only our own pids; libuv's children stay libuv's).
 * Layer: native (imports nothing of ours).
 *
 * Available on Linux >= 5.3 (pidfd_open) once the addon is built; `nativeSpawner()` returns null
 * anywhere else, and callers spawn through node:child_process as before.
 * Env: `GEVENT_NATIVE_SPAWN_ADDON=/path/to/gevent_spawn.node` loads the addon from that file;
 * `GEVENT_SPAWN_THREADS` (default 8) caps the spawn threads (each waits for one child's exec).
 */

import { loadAddon } from './load-addon.ts';

/** A stdio slot for `spawn`: PIPE (a socketpair), /dev/null, or this process's fd. */
export const SLOT_PIPE = -1;
export const SLOT_DEVNULL = -2;
/** `spawn` flag: the child starts a new session (and leads its process group). */
export const SPAWN_SETSID = 1;

/** What a spawner reports about one child, each once, `started` first. */
export interface SpawnEvents {
  /** The child exec'd; or (pid 0) its exec failed (it exited with 127), `errno` says why. */
  started(pid: number, errno: number): void;
  /** The child was reaped: its exit code, or -1 and the number of the signal that ended it. */
  exited(code: number, signal: number): void;
}

/** A started child: its pid and our ends of the PIPE slots (-1 where a slot is not a pipe). */
export interface QueuedSpawn {
  id: number;
  pid: number;
  fds: [number, number, number];
}

/** What spawns this build can do besides the basics (a spawn needing more goes elsewhere). */
export interface SpawnFeatures {
  /** A working directory for the child (glibc >= 2.29). */
  chdir: boolean;
  /** A new session for the child (glibc >= 2.26). */
  setsid: boolean;
}

/** The addon's exports (see native/src/spawn.cc for the contract). */
interface Binding {
  supported(): boolean;
  features(): SpawnFeatures;
  init(onEvent: (kind: number, id: number, a: number, b: number) => void, threads: number): void;
  spawn(
    id: number,
    file: string,
    argv: string[],
    envp: string[] | null,
    cwd: string | null,
    slots: number[],
    flags: number,
  ): [number, number, number, number] | number;
}

const DEFAULT_THREADS = 8;

/**
 * Starts children on the addon's threads (the caller waits until the child exists, not for its
 * exec) and tells when each exec'd (or failed to) and exited.
 *
 * @example
 * const spawner = nativeSpawner();
 * spawner?.spawn('/usr/bin/true', ['true'], null, null, [0, SLOT_PIPE, 2], 0, {
 *   started: (pid, errno) => console.log('started', pid, errno),
 *   exited: (code, signal) => console.log('exited', code, signal),
 * });
 */
export class NativeSpawner {
  /** What spawns this build can do besides the basics. */
  readonly features: SpawnFeatures;
  private readonly children = new Map<number, SpawnEvents>();
  private nextId = 0;

  constructor(
    private readonly binding: Binding,
    threads: number,
  ) {
    this.features = binding.features();
    binding.init((kind, id, a, b) => this.onEvent(kind, id, a, b), threads);
  }

  /** The number of children started and not yet reaped. */
  get running(): number {
    return this.children.size;
  }

  /**
   * Starts `file` (a path: no PATH search) with `argv` (argv[0] included), the environment
   * `envp` ('KEY=value' strings; null: this process's) in `cwd` (null: ours). Returns as soon as
   * the child exists (its exec goes on, on a spawn thread; a failed exec comes as `started` with
   * pid 0). Returns null when no child could be made, and throws (nothing started) when the
   * pipes cannot be made (EMFILE).
   */
  spawn(
    file: string,
    argv: string[],
    envp: string[] | null,
    cwd: string | null,
    slots: [number, number, number],
    flags: number,
    events: SpawnEvents,
  ): QueuedSpawn | null {
    const id = (this.nextId = (this.nextId + 1) >>> 0 || 1);
    const result = this.binding.spawn(id, file, argv, envp, cwd, slots, flags);
    if (typeof result === 'number') return null;
    this.children.set(id, events);
    const [pid, fd0, fd1, fd2] = result;
    return { id, pid, fds: [fd0, fd1, fd2] };
  }

  private onEvent(kind: number, id: number, a: number, b: number): void {
    const events = this.children.get(id);
    if (events === undefined) return;
    if (kind === 0) {
      if (a === 0) this.children.delete(id); // never started: nothing more comes
      events.started(a, b);
    } else {
      this.children.delete(id);
      events.exited(a, b);
    }
  }
}

let spawner: NativeSpawner | null | undefined;
let loadError: string | null = null;

/**
 * The native spawner, loaded on first call; null when the addon is not built, cannot load, or
 * this system lacks pidfds (see `nativeSpawnerError()` for why).
 *
 * @example
 * if (nativeSpawner() === null) console.log('children start through child_process');
 */
export function nativeSpawner(): NativeSpawner | null {
  if (spawner !== undefined) return spawner;
  spawner = null;
  if (process.platform !== 'linux') {
    loadError = `posix_spawn children are only used on Linux (this is ${process.platform})`;
    return null;
  }
  const found = loadAddon<Binding>('gevent_spawn', 'GEVENT_NATIVE_SPAWN_ADDON');
  if (found.binding === undefined) {
    loadError = `the native spawner addon could not be loaded (${found.failures.join('; ')})`;
    return null;
  }
  if (!found.binding.supported()) {
    loadError = 'pidfd_open is not available (Linux >= 5.3 needed)';
    return null;
  }
  const threads = Number(process.env.GEVENT_SPAWN_THREADS) || DEFAULT_THREADS;
  return (spawner = new NativeSpawner(found.binding, threads));
}

/**
 * Why `nativeSpawner()` returned null (null while it has not, or if it loaded).
 *
 * @example
 * nativeSpawner() ?? console.log(nativeSpawnerError());
 */
export function nativeSpawnerError(): string | null {
  return loadError;
}
