/**
 * Signals for children and their process groups, and `killOnExit`: children that must not
 * outlive this process. Layer: os-facing (core/subprocess).
 *
 * A child started with `startNewSession` (or `processGroup: 0`) leads a group of its own, so
 * `kill(-pid)` reaches everything it started, such as the `sleep` under a `sh -c` wrapper.
 * killOnExit children are signalled from the process's 'exit' event, and from SIGINT, SIGTERM
 * and SIGHUP while this module is their only listener (it then re-raises the signal, so the
 * process still dies of it as it would have). A parent killed by SIGKILL cannot clean up: that
 * needs the OS's parent-death signal, which Node does not expose.
 */

import { constants } from 'node:os';
import { describeValue } from '../internal/validators.ts';

/** A signal by name ('SIGTERM') or number (15). */
export type SignalLike = NodeJS.Signals | number;

/** Validates a signal and returns it as Node accepts it. */
export function validateSignal(sig: unknown, name: string): SignalLike {
  if (typeof sig === 'string' && sig in constants.signals) return sig as NodeJS.Signals;
  if (typeof sig === 'number' && Number.isInteger(sig) && sig >= 0 && sig < 65) return sig;
  throw new TypeError(
    `${name} must be a signal name such as 'SIGTERM' or a signal number, got ${describeValue(sig)}`,
  );
}

/** Sends `sig` to process group `pgid`; a group that is gone already is not an error. */
export function signalGroup(pgid: number, sig: SignalLike): void {
  if (!(pgid > 1)) return; // never kill(0) (our own group) or kill(-1) (everything)
  try {
    process.kill(-pgid, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Sends `sig` to one process; a process that is gone already is not an error. */
export function signalProcess(pid: number, sig: SignalLike): void {
  if (!(pid > 0)) return; // never kill(0) (our own group) or kill(-1) (everything)
  try {
    process.kill(pid, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

interface Doomed {
  pid: number;
  group: boolean;
  signal: SignalLike;
}

const doomed = new Set<Doomed>();
const FATAL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let installed = false;

function killAllDoomed(): void {
  for (const child of doomed) {
    try {
      if (child.group) signalGroup(child.pid, child.signal);
      else signalProcess(child.pid, child.signal);
    } catch {
      // Exiting: nothing useful can be done about a child that cannot be signalled.
    }
  }
  doomed.clear();
}

function onFatalSignal(sig: NodeJS.Signals): void {
  killAllDoomed();
  // Only listener: without us the signal would have ended the process, so end it the same way.
  if (process.listenerCount(sig) === 1) {
    uninstall();
    process.kill(process.pid, sig);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllDoomed);
  for (const sig of FATAL_SIGNALS) process.on(sig, onFatalSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', killAllDoomed);
  for (const sig of FATAL_SIGNALS) process.off(sig, onFatalSignal);
}

/**
 * Registers a child to be sent `signal` (its whole group when `group`) if this process exits
 * first. Returns the function that unregisters it (call it when the child has exited). The
 * process-wide handlers are installed only while such children exist.
 */
export function killOnExit(pid: number, group: boolean, signal: SignalLike): () => void {
  const entry: Doomed = { pid, group, signal };
  doomed.add(entry);
  install();
  return () => {
    doomed.delete(entry);
    if (doomed.size === 0) uninstall();
  };
}
