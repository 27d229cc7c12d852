/**
 * Test support for subprocess tests: what the OS says about processes and descriptors
 * (/proc), so tests can assert that children were reaped, killed, and left no fds behind.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { sleep } from '../../../core/index.ts';

/** 'alive', 'zombie' (exited, not reaped) or 'gone' — of process `pid` as /proc shows it. */
export function processState(pid: number): 'alive' | 'zombie' | 'gone' {
  const stat = readStat(pid);
  if (stat === null) return 'gone';
  return stat.state === 'Z' ? 'zombie' : 'alive';
}

/** The parent pid and state of `pid`, or null if there is no such process. */
function readStat(pid: number): { ppid: number; state: string } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0]!, ppid: Number(fields[1]) };
}

/** Pids whose parent is this process (alive or zombie). */
export function childPids(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat !== null && stat.ppid === process.pid) out.push(Number(name));
  }
  return out;
}

/** Number of open file descriptors of this process. */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/**
 * Waits (bounded: `seconds`, polling every 10 ms) until `pid` is no longer running (gone or a
 * zombie left to its new parent); returns its last state.
 */
export function* waitNotRunning(pid: number, seconds = 5): Generator<unknown, string, unknown> {
  const end = performance.now() + seconds * 1000;
  let state = processState(pid);
  while (state === 'alive' && performance.now() < end) {
    yield* sleep(0.01);
    state = processState(pid);
  }
  return state;
}

/** Kills `pid` if it still runs (cleanup after a failed assertion). */
export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
