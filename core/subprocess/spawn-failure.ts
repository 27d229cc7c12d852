/**
 * Why a spawn failed, found out synchronously so the Popen constructor can raise it (Python
 * raises FileNotFoundError from the constructor; Node only emits 'error' on a later tick).
 * Layer: os-facing (core/subprocess).
 *
 * Node tells at once *that* the spawn failed (the child has no pid) but not why. The reasons it
 * defers are few (ENOENT, EACCES, EAGAIN, EMFILE, ENFILE), so the cause is found the way the
 * exec would have failed: the working directory, then the program on PATH.
 */

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

const ERRNO: Record<string, number> = {
  ENOENT: -2,
  EACCES: -13,
  ENOTDIR: -20,
  EAGAIN: -11,
  EMFILE: -24,
};

/** An error in Node's shape for a failed spawn (code, errno, syscall, path, spawnargs). */
export function spawnError(
  code: string,
  file: string,
  args: readonly string[],
  detail: string,
  path = file,
): NodeJS.ErrnoException & { spawnargs: string[] } {
  return Object.assign(new Error(`spawn ${file} ${code}: ${detail}`), {
    code,
    errno: ERRNO[code],
    syscall: `spawn ${file}`,
    path,
    spawnargs: args.slice(),
  });
}

type Found = { ok: true } | { ok: false; code: 'ENOENT' | 'EACCES'; detail: string };

/** Whether `file` names a program that can run, resolved the way exec resolves it. */
export function findProgram(
  file: string,
  cwd: string | undefined,
  env: NodeJS.ProcessEnv | undefined,
): Found {
  const base = cwd ?? process.cwd();
  const candidates = file.includes('/')
    ? [isAbsolute(file) ? file : resolve(base, file)]
    : (env?.PATH ?? process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin')
        .split(delimiter)
        .map((dir) => join(dir === '' ? base : resolve(base, dir), file));
  let blocked: string | null = null;
  for (const candidate of candidates) {
    const state = programState(candidate);
    if (state === 'ok') return { ok: true };
    if (state !== 'missing') blocked ??= `${candidate} ${state}`;
  }
  if (blocked !== null)
    return { ok: false, code: 'EACCES', detail: `permission denied: ${blocked}` };
  const where = file.includes('/') ? '' : ' on PATH';
  return { ok: false, code: 'ENOENT', detail: `no such file or directory${where}` };
}

/**
 * The absolute path exec would run for a bare program name: the first PATH entry holding a
 * runnable file, as exec searches. Spawning that path, the child execs once instead of trying
 * each PATH entry after the fork (where every failed exec costs more). Null, leaving the search
 * to the child, when `file` is a path, PATH is not set, a relative entry comes first, or
 * nothing runnable is found (the spawn then fails and is diagnosed as before).
 *
 * @example
 * resolveOnPath('true', undefined); // '/usr/bin/true'
 */
export function resolveOnPath(file: string, env: NodeJS.ProcessEnv | undefined): string | null {
  if (file.includes('/') || file === '') return null;
  const path = env === undefined ? process.env.PATH : env.PATH;
  if (typeof path !== 'string') return null;
  for (const dir of path.split(delimiter)) {
    if (!isAbsolute(dir)) return null;
    const candidate = dir.endsWith('/') ? dir + file : `${dir}/${file}`;
    if (programState(candidate) === 'ok') return candidate;
  }
  return null;
}

function programState(path: string): 'ok' | 'missing' | 'is a directory' | 'is not executable' {
  try {
    const stats = statSync(path, { throwIfNoEntry: false }); // no exception for the usual miss
    if (stats === undefined) return 'missing';
    if (stats.isDirectory()) return 'is a directory';
    accessSync(path, constants.X_OK);
    return 'ok';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'is not executable';
  }
}

/** The error a working directory that cannot be entered gives, or null if it is fine. */
export function checkCwd(file: string, args: readonly string[], cwd: string | undefined) {
  if (cwd === undefined) return null;
  try {
    if (statSync(cwd).isDirectory()) return null;
    return spawnError('ENOTDIR', file, args, `cwd ${JSON.stringify(cwd)} is not a directory`, cwd);
  } catch {
    return spawnError('ENOENT', file, args, `cwd ${JSON.stringify(cwd)} does not exist`, cwd);
  }
}

/**
 * The error for a spawn Node refused: a bad cwd, a missing or non-executable program, or else
 * the system's process or file limits (`stdioMissing`: Node did not even make the pipes).
 */
export function diagnoseSpawnFailure(
  file: string,
  args: readonly string[],
  cwd: string | undefined,
  env: NodeJS.ProcessEnv | undefined,
  stdioMissing: boolean,
): NodeJS.ErrnoException {
  const badCwd = checkCwd(file, args, cwd);
  if (badCwd !== null) return badCwd;
  const found = findProgram(file, cwd, env);
  if (!found.ok) return spawnError(found.code, file, args, found.detail);
  return stdioMissing
    ? spawnError('EMFILE', file, args, 'too many open files')
    : spawnError('EAGAIN', file, args, 'the system could not start another process');
}
