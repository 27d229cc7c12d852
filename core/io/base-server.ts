/**
 * BaseServer: what StreamServer and DatagramServer share — the accept loop greenlet, how each
 * unit of work (a connection, a datagram) gets its greenlet (`spawn`), and the life cycle
 * start / serveForever / stop (graceful drain) / close, with signals wired to stop. Layer: io.
 *
 * `spawn` is gevent's: `'default'` (a greenlet each, tracked so stop() can drain them), a
 * number (a Pool of that size: accepting pauses while it is full), a Pool or Group, a function
 * that spawns (`spawn`, `spawnRaw`), or null (the handler runs in the hub, where blocking raises
 * BlockingSwitchOutError).
 */

import { BlockingSwitchOutError, GreenletExit } from '../errors.ts';
import { Event } from '../event.ts';
import { Greenlet, type Op, type OpLike } from '../greenlet.ts';
import { getHub } from '../hub.ts';
import { describeValue, isThenable, validateTimeout } from '../internal/validators.ts';
import { DoneOp } from '../internal/wait-op.ts';
import { BaseGroup, Group, Pool } from '../pool.ts';
import { spawn } from '../spawn.ts';
import { until } from '../wait.ts';

const hub = getHub();

type AnyFn = (...args: any[]) => unknown;

/** Seconds `stop()` waits for killed handlers to die (a handler may catch GreenletExit). */
export const KILL_GRACE = 1;

/** gevent's `spawn` argument: a size (a Pool of it), a Pool or Group, a spawning function, or null. */
export type SpawnOption =
  | 'default'
  | number
  | Pool
  | Group
  | ((fn: AnyFn, ...args: any[]) => unknown)
  | null;

export interface BaseServerOptions {
  spawn?: SpawnOption;
}

/**
 * The Op of calling a handler that may be a generator function, an async function or a plain
 * one. A generator is iterated as it is (no wrapper generator: one layer less on every switch).
 */
export function callHandler(fn: AnyFn, self: unknown, args: unknown[]): OpLike<unknown> {
  const out = fn.apply(self, args);
  if (isGenerator(out)) return { [Symbol.iterator]: () => out };
  if (isThenable(out)) return until(out);
  return new DoneOp(out);
}

function isGenerator(value: unknown): value is Iterator<unknown, unknown, unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Iterator<unknown>).next === 'function' &&
    typeof (value as Iterator<unknown>).throw === 'function'
  );
}

/**
 * The base of StreamServer and DatagramServer (gevent's `BaseServer`); subclass it for another
 * kind of listener by implementing the abstract hooks.
 *
 * @example
 * const server: BaseServer = new StreamServer(['127.0.0.1', 0], handle);
 * yield* server.start();
 * yield* server.stop(5); // drain for up to 5 s, then kill what is left
 */
export abstract class BaseServer {
  /** Seconds `stop()` lets handlers finish before killing them (gevent's `stop_timeout`). */
  stopTimeout = 1;
  /** The greenlets running handlers (null when `spawn` is null or a custom function). */
  readonly pool: BaseGroup | null;
  private readonly spawnFn: ((fn: AnyFn, ...args: any[]) => unknown) | null;
  private readonly tracked = new Group();
  private acceptLoop: Greenlet<void> | null = null;
  private isStarted = false;
  private isClosed = false;
  private readonly stoppedEvent = new Event();

  constructor(options: BaseServerOptions = {}) {
    const option = options.spawn === undefined ? 'default' : options.spawn;
    this.spawnFn = null;
    if (option === 'default') this.pool = this.tracked;
    else if (typeof option === 'number') this.pool = new Pool(option);
    else if (option instanceof BaseGroup) this.pool = option;
    else if (option === null) this.pool = null;
    else if (typeof option === 'function') {
      this.pool = null;
      this.spawnFn = option;
    } else {
      throw new TypeError(
        `options.spawn must be 'default', a number, a Pool/Group, a function or null, got ${describeValue(option)}`,
      );
    }
  }

  /** True between `start()` and `stop()`/`close()`. */
  get started(): boolean {
    return this.isStarted && !this.isClosed;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Binds and starts accepting. */
  *start(): Generator<unknown, void, unknown> {
    if (this.isClosed) throw new Error(`${this} is closed and cannot be started again`);
    if (this.isStarted) return;
    yield* this.bindListener();
    this.isStarted = true;
    this.startAccepting();
  }

  /** Starts (if needed) and waits until the server is stopped. Killed, it stops the server. */
  *serveForever(): Generator<unknown, void, unknown> {
    if (!this.isStarted) yield* this.start();
    try {
      yield* this.stoppedEvent.wait();
    } finally {
      if (!this.isClosed) {
        const self = this;
        spawn(function* stopAfterServeForever() {
          yield* self.stop();
        });
      }
    }
  }

  /** Resumes taking connections (after `stopAccepting`). */
  startAccepting(): void {
    if (this.acceptLoop !== null || this.isClosed || !this.isStarted) return;
    this.acceptLoop = spawn(this.acceptForever.bind(this));
  }

  /**
   * Stops taking new connections; the listener stays open. Connections wait in the listening
   * socket's queue, up to the backlog (at least 128); further ones are closed at once.
   */
  stopAccepting(): void {
    const loop = this.acceptLoop;
    this.acceptLoop = null;
    loop?.kill(undefined, { block: false });
  }

  /** Stops accepting and closes the listener at once; running handlers are left alone. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.stopAccepting();
    this.closeListener();
    this.onClosing();
    this.stoppedEvent.set();
  }

  /**
   * Graceful stop: closes the listener at once (new connections are refused), lets running
   * handlers finish for up to `timeout` seconds (default `stopTimeout`), then kills the rest
   * and waits up to `KILL_GRACE` more for them to die (gevent's `pool.kill(timeout=1)`).
   */
  *stop(timeout?: number | null): Generator<unknown, void, unknown> {
    const seconds = validateTimeout(timeout) ?? this.stopTimeout;
    this.close();
    const group = this.pool ?? this.tracked;
    const me = hub.current as Greenlet<unknown> | null;
    if (me !== null && group.has(me)) group.discard(me);
    if (!(yield* group.join({ timeout: seconds })))
      yield* group.kill({ block: true, timeout: KILL_GRACE });
  }

  /**
   * Makes `signals` (default SIGTERM and SIGINT) call `stop(timeout)` once. Returns a function
   * that removes the handlers (they are removed by themselves when the server stops).
   *
   * @example
   * server.stopOnSignals(); // Ctrl-C drains the server instead of killing the process
   */
  stopOnSignals(
    signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
    options: { timeout?: number } = {},
  ): () => void {
    const self = this;
    const remove = () => {
      for (const signal of signals) process.off(signal, onSignal);
    };
    const onSignal = () => {
      remove();
      spawn(function* stopOnSignal() {
        yield* self.stop(options.timeout);
      });
    };
    for (const signal of signals) process.on(signal, onSignal);
    this.stoppedEvent.rawlink(remove);
    return remove;
  }

  /** Waits until the server has been stopped or closed. */
  waitStopped(timeout?: number | null): Op<boolean> {
    return this.stoppedEvent.wait(timeout);
  }

  /** Opens the listener. */
  protected abstract bindListener(): Generator<unknown, void, unknown>;
  /** Waits for the next unit of work and returns the handler's arguments. */
  protected abstract acceptOne(): Generator<unknown, unknown[], unknown>;
  /** Closes the listener. */
  protected abstract closeListener(): void;
  /** The body run for each unit of work (in its own greenlet). */
  protected abstract serveOne(...args: unknown[]): Generator<unknown, unknown, unknown>;
  /** Cleans up after a unit of work the server could not hand to a handler. */
  protected abstract discardOne(args: unknown[]): void;
  /**
   * Hook: a body to spawn for `args` instead of `serveOne`, with the clean-up to run when its
   * greenlet dies (null: use serveOne).
   */
  protected directBody(_args: unknown[]): { body: AnyFn; done: () => void } | null {
    return null;
  }
  /** Hook: runs when the server closes (StreamServer closes idle connections here). */
  protected onClosing(): void {}

  private *acceptForever(): Generator<unknown, void, unknown> {
    for (;;) {
      let args: unknown[];
      try {
        args = yield* this.acceptOne();
      } catch (error) {
        if (this.isClosed || error instanceof GreenletExit) return;
        hub.reportError(this, error);
        continue;
      }
      try {
        yield* this.dispatch(args);
      } catch (error) {
        this.discardOne(args);
        if (error instanceof GreenletExit) throw error;
        hub.reportError(this, error);
      }
    }
  }

  private *dispatch(args: unknown[]): Generator<unknown, void, unknown> {
    if (this.pool !== null) {
      // The handler itself is the greenlet's body where possible: one generator layer less on
      // every switch of every connection. A Pool's spawn waits for a free slot meanwhile.
      const direct = this.directBody(args);
      const spawned = this.pool.spawn(direct?.body ?? this.serveOne.bind(this), ...args);
      const g = spawned instanceof Greenlet ? spawned : yield* spawned;
      if (direct !== null) g.rawlink(direct.done);
    } else if (this.spawnFn !== null) {
      const g = this.spawnFn(this.serveOne.bind(this), ...args);
      if (g instanceof Greenlet) this.tracked.add(g);
    } else {
      hub.callback(() => this.serveInHub(args), undefined);
    }
  }

  /** `spawn: null`: run the handler in hub context; a blocking call there raises. */
  private serveInHub(args: unknown[]): void {
    const it = this.serveOne(...args);
    try {
      if (!it.next().done) {
        throw new BlockingSwitchOutError(
          'Impossible to call blocking function in the event loop callback',
        );
      }
    } catch (error) {
      try {
        it.return(undefined);
      } finally {
        hub.reportError(this, error);
      }
    }
  }

  toString(): string {
    return `<${this.constructor.name}${this.isClosed ? ' closed' : this.isStarted ? ' started' : ''}>`;
  }
}
