/**
 * signalHandler: gevent's `gevent.signal_handler` — run a function in a new greenlet each time
 * the process receives a signal. Layer: primitives (uses spawn; no I/O of its own).
 *
 * Node delivers signals to `process.on(signal)` listeners from its own event loop, in plain code;
 * the listener installed here only spawns a greenlet, so the handler itself may block (sleep,
 * join, stop a server) like any other greenlet. A failure in the handler is reported through
 * the hub (`hub.handleError`) and does not affect later deliveries.
 *
 * Like gevent's signal watcher (libev `ref=False`), a listener does not keep the process alive.
 */

import { constants } from 'node:os';
import type { AnyFn, Greenlet } from './greenlet.ts';
import { describeValue, validateFunction } from './internal/validators.ts';
import { spawn } from './spawn.ts';

/** Signals Node (and the OS) will not let a process catch. */
const UNCATCHABLE = new Set(['SIGKILL', 'SIGSTOP']);

/**
 * Turns `signal` (a name such as `'SIGUSR2'` or a number such as 12) into a signal name Node can
 * listen to, or throws: TypeError for a value of the wrong type, RangeError for an unknown or
 * uncatchable signal.
 */
function toSignalName(signal: unknown): NodeJS.Signals {
  const known = constants.signals as Record<string, number>;
  if (typeof signal === 'number') {
    const name = Object.keys(known).find((key) => known[key] === signal);
    if (name === undefined)
      throw new RangeError(`signalHandler(signal): unknown signal number ${signal}`);
    return checkCatchable(name);
  }
  if (typeof signal !== 'string') {
    throw new TypeError(
      `signalHandler(signal): signal must be a signal name such as 'SIGUSR2' or a number, got ${describeValue(signal)}`,
    );
  }
  if (!Object.hasOwn(known, signal)) {
    throw new RangeError(
      `signalHandler(signal): unknown signal ${JSON.stringify(signal)} (expected a name such as 'SIGTERM', 'SIGINT', 'SIGUSR2')`,
    );
  }
  return checkCatchable(signal);
}

function checkCatchable(name: string): NodeJS.Signals {
  if (UNCATCHABLE.has(name)) {
    throw new RangeError(`signalHandler(signal): ${name} cannot be caught by any process`);
  }
  return name as NodeJS.Signals;
}

/**
 * The handle `signalHandler` returns: keep it to `cancel()` the handler later.
 *
 * @example
 * const handle = signalHandler('SIGUSR2', reload);
 * handle.cancel(); // later deliveries no longer spawn `reload`
 */
export class SignalHandler {
  /** The signal's name. */
  readonly signal: NodeJS.Signals;
  /** How many deliveries spawned a greenlet. */
  deliveries = 0;
  private fn: AnyFn | null;
  private args: unknown[];
  private readonly listener = (): void => {
    this.deliver();
  };

  /** @internal Use `signalHandler()`. */
  constructor(signal: NodeJS.Signals, fn: AnyFn, args: unknown[]) {
    this.signal = signal;
    this.fn = fn;
    this.args = args;
    process.on(signal, this.listener);
  }

  /** True once `cancel()` has been called. */
  get cancelled(): boolean {
    return this.fn === null;
  }

  /**
   * Removes the listener: later deliveries no longer spawn the handler (greenlets already
   * spawned keep running). Drops the references to the function and its arguments. Idempotent.
   * With no listener left for SIGINT/SIGTERM, Node's default (exit) applies again.
   */
  cancel(): void {
    if (this.fn === null) return;
    process.off(this.signal, this.listener);
    this.fn = null;
    this.args = [];
  }

  /** Spawns the handler for one delivery. */
  private deliver(): Greenlet<unknown> | null {
    if (this.fn === null) return null;
    this.deliveries++;
    return spawn(this.fn, ...this.args) as Greenlet<unknown>;
  }

  toString(): string {
    const state = this.cancelled ? ' cancelled' : '';
    return `<SignalHandler ${this.signal}${state} deliveries=${this.deliveries}>`;
  }
}

/**
 * Calls `fn(...args)` in a new greenlet each time the process receives `signal` (gevent's
 * `gevent.signal_handler`). `fn` may be a generator function (it can block: sleep, join, stop a
 * server), or a plain or async function. Returns a handle whose `cancel()` removes the handler.
 *
 * Installing a handler for SIGINT or SIGTERM replaces Node's default action for that signal
 * (exit), exactly as a Python signal handler does in gevent: the process keeps running after
 * Ctrl-C unless the handler stops it (close servers, `process.exit()`). Cancel the handle to
 * restore the default. SIGKILL and SIGSTOP cannot be caught; SIGUSR1 is Node's inspector signal.
 *
 * @example
 * import { run, signalHandler } from 'gevent-ts';
 * await run(function* () {
 *   const server = new StreamServer(['127.0.0.1', 8080], handle);
 *   yield* server.start();
 *   const onTerm = signalHandler('SIGTERM', function* () {
 *     console.log('stopping');
 *     yield* server.stop(5);
 *   });
 *   yield* server.serveForever();
 *   onTerm.cancel();
 * });
 */
export function signalHandler<F extends AnyFn>(
  signal: NodeJS.Signals | number,
  fn: F,
  ...args: Parameters<F>
): SignalHandler {
  const name = toSignalName(signal);
  validateFunction(fn, 'signalHandler(signal, fn)');
  return new SignalHandler(name, fn, args);
}
