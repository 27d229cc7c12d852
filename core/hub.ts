/**
 * The hub: a run queue of ready greenlets drained on Node's own event loop. Layer: scheduler.
 *
 * The hub is not a thread or a greenlet of its own: it is the code that runs between greenlet
 * steps. A step resumes one greenlet's generator until its next `yield*` switch point. The queue
 * is drained synchronously in one microtask; after `config.switchInterval` seconds of back-to-back
 * steps the drain stops and continues in a `setImmediate`, so Node's timers and sockets get their
 * turn (gevent's switch interval). A `setImmediate` hop per switch would cost ~5 us; a batch costs
 * one.
 * A wake from a Node I/O callback (`wakeFromCallback`) skips the microtask when the hub is idle
 * and drains at once, inside the callback: on a socket echo that hop was a tenth of our time.
 *
 * Entries are triples `(target, value, mode)`:
 * - NEXT: resume greenlet `target` with `value` (a wake from whatever it waits on);
 * - RAISE: resume it by throwing `value` at its switch point (an error from what it waits on);
 * - KILL: an asynchronous exception (kill, Timeout) — delivered at the greenlet's *current* switch
 *   point. If a wake is already queued for the greenlet, the kill waits until that wake has run
 *   and is thrown at the very next switch point, so a wake's payload (a queue item, a permit)
 *   is never lost to a kill. A Timeout's own firing is queued as a delivery (core/timeout.ts)
 *   that leaves the greenlet's wait in place until the greenlet claims it, so a Timeout
 *   cancelled in between leaves the greenlet waiting as before;
 * - CALL: run `target(value)` in hub context.
 *
 * Observability (issue 6) lives beside the queue, not in it: the live greenlets form an
 * intrusive list through two fields of each greenlet (O(1) at start and death), and a switch
 * trace or the monitor hook into the drain behind one branch on `hooked` per step.
 *
 * What greenlets and waits implement for the hub (`Park`, `Runnable`, the entry modes) is in
 * internal/hub-contract.ts, re-exported here; the deadlock report and error printer in
 * internal/hub-report.ts.
 */

import { config } from './config.ts';
import { BlockingSwitchOutError, LoopExit } from './errors.ts';
import {
  BLOCKED,
  CALL,
  KILL,
  NEXT,
  type Park,
  RAISE,
  type Runnable,
  STEP_SEQ,
  type StepWatch,
  type SwitchTrace,
  YIELDED,
} from './internal/hub-contract.ts';
import { describeDeadlock, printError } from './internal/hub-report.ts';
import { hubService } from './internal/hub-services.ts';
import { LiveList } from './internal/live-list.ts';

export * from './internal/hub-contract.ts';
export { registerHubService } from './internal/hub-services.ts';

import { type TimerEntry, TimerHeap } from './internal/timer-heap.ts';
import { validateTimeout } from './internal/validators.ts';

type Greenlet<T> = import('./greenlet.ts').Greenlet<T>;

const RESOLVED = Promise.resolve();
const INITIAL_CAPACITY = 1024;
const SHRINK_ABOVE = 65536;

export type ErrorHandler = (context: unknown, error: unknown) => void;

/** The per-process scheduler. Get it with `getHub()`. */
export class Hub {
  /** The greenlet whose step is running, or null while the hub itself runs. */
  current: Runnable | null = null;
  /** All deadlines (sleeps, Timeouts, timed waits) share this heap and one Node timer. */
  readonly timers = new TimerHeap();
  /** Greenlets started by `run()`: the ones a deadlock is reported to (gevent's main greenlet). */
  readonly roots = new Set<Runnable>();
  /** Total greenlet steps run, for statistics and benchmarks. */
  switches = 0;
  /** Prints an error nobody caught (a failed greenlet, a failing link). Replace to redirect. */
  handleError: ErrorHandler = printError;
  /** The running hub monitor (`startMonitor()`), or null. */
  monitor: import('./monitor.ts').HubMonitor | null = null;

  // The run queue is a ring of triples in three parallel arrays whose capacity is a power of
  // two: pushing and draining never grow, copy or truncate an array (all slow in V8) except
  // when the ring itself must double.
  private targets: unknown[] = new Array(INITIAL_CAPACITY).fill(undefined);
  private values: unknown[] = new Array(INITIAL_CAPACITY).fill(undefined);
  private modes: Uint8Array = new Uint8Array(INITIAL_CAPACITY);
  private mask = INITIAL_CAPACITY - 1;
  private head = 0;
  private count = 0;
  private drainScheduled = false;
  private draining = false;
  private idleWaiters: Array<() => void> = [];
  private readonly drainFn = () => this.drain();
  private readonly switchIntervalMs = config.switchInterval * 1000;
  // Observability: all of it costs one branch on `hooked` per step while nothing is hooked.
  private hooked = false;
  private trace: SwitchTrace | null = null;
  private watch: StepWatch | null = null;
  /** @internal The live greenlets, in start order (see core/internal/live-list.ts). */
  readonly _live = new LiveList<Runnable>();

  constructor() {
    // 'beforeExit' fires when Node's loop has nothing left to do: the moment gevent's loop
    // would exit. It never keeps the process alive by itself.
    process.on('beforeExit', () => this.onLoopEmpty());
  }

  /** Wakes a parked greenlet with `value` (called by whatever it waits on). */
  wake(g: Runnable, value: unknown): void {
    g._park = null;
    g._wakeQueued = true;
    this.push(g, value, NEXT);
  }

  /**
   * `wake`, from a Node I/O callback (a socket's `data`, an HTTP `request`): when the hub is idle
   * (no drain running or pending) the queue runs at once, inside the callback, as a plain Node
   * handler would, instead of in a microtask after it. That microtask and its promise reaction
   * were a tenth of an echo round trip's user time. Anywhere else (inside a step or a drain) it
   * is an ordinary `wake`. Only for callbacks Node's loop invokes, never user-called code: the
   * woken greenlet must not run in the middle of a caller that does not expect a switch.
   */
  wakeFromCallback(g: Runnable, value: unknown): void {
    g._park = null;
    g._wakeQueued = true;
    this.enqueue(g, value, NEXT);
    this.drainIfIdle();
  }

  /** `schedule`, from a Node I/O callback: see `wakeFromCallback`. */
  scheduleFromCallback(g: Runnable): void {
    g._wakeQueued = true;
    this.enqueue(g, undefined, NEXT);
    this.drainIfIdle();
  }

  /** Wakes a parked greenlet by raising `error` at its switch point. */
  wakeRaise(g: Runnable, error: unknown): void {
    g._park = null;
    g._wakeQueued = true;
    this.push(g, error, RAISE);
  }

  /** Throws `exception` into `g` at its switch point (kill, Timeout): asynchronous. */
  throwInto(g: Runnable, exception: unknown): void {
    const park = g._park;
    if (park !== null) {
      if (park.cancelWait() === false) return;
      g._park = null;
    }
    this.push(g, exception, KILL);
  }

  /**
   * Queues a KILL entry for `g` and leaves its park alone: for a delivery the greenlet claims
   * when the entry runs, which cancels the park only then (a Timeout's own firing, core/timeout.ts).
   */
  queueKill(g: Runnable, delivery: unknown): void {
    this.push(g, delivery, KILL);
  }

  /** Queues `fn(arg)` to run in hub context once the current step yields. */
  callback<A>(fn: (arg: A) => void, arg: A): void {
    this.push(fn, arg, CALL);
  }

  /** Sends the current greenlet to the back of the run queue (`sleep(0)`). */
  yieldTurn(g: Runnable): void {
    g._park = YIELDED;
    this.push(g, undefined, NEXT);
  }

  /** Queues a fresh greenlet's first step. */
  schedule(g: Runnable): void {
    g._wakeQueued = true;
    this.push(g, undefined, NEXT);
  }

  /** Number of entries waiting in the run queue. */
  get pendingCount(): number {
    return this.count;
  }

  /** Greenlets started since the hub was created. */
  get spawnCount(): number {
    return this._live.linked;
  }

  /** Greenlets started and not yet dead. */
  get greenletCount(): number {
    return this._live.size;
  }

  /**
   * The live greenlets (started, not dead) in start order, as of the call.
   *
   * @example
   * for (const g of getHub().greenlets()) console.log(g.name, g.waitingOn());
   */
  greenlets(): IterableIterator<Greenlet<unknown>> {
    return (this._live.items() as unknown as Greenlet<unknown>[]).values();
  }

  /** @internal See `setSwitchTrace` (core/events.ts). Returns the previous trace. */
  _setSwitchTrace(trace: SwitchTrace | null): SwitchTrace | null {
    const previous = this.trace;
    this.trace = trace;
    this.hooked = this.trace !== null || this.watch !== null;
    return previous;
  }

  /** @internal Attaches (or with null detaches) the monitor's per-step watch. */
  _setStepWatch(watch: StepWatch | null): void {
    this.watch = watch;
    this.hooked = this.trace !== null || this.watch !== null;
  }

  /**
   * Resolves the next time Node's loop is idle: nothing left but this request. Used by `idle()`.
   */
  onIdle(fn: () => void): () => void {
    const handle = setImmediate(fn);
    return () => clearImmediate(handle);
  }

  /** Registers `fn` to run when the loop runs out of work (`hub.join()`, `wait()`). */
  onLoopExit(fn: () => void): () => void {
    this.idleWaiters.push(fn);
    return () => {
      const i = this.idleWaiters.indexOf(fn);
      if (i >= 0) this.idleWaiters.splice(i, 1);
    };
  }

  /**
   * Waits until the loop has nothing left to do (every greenlet finished or blocked for good, no
   * timers or sockets left) and returns true; false if `timeout` seconds pass first.
   *
   * @example
   * spawn(worker);
   * yield* getHub().join(); // true once everything is done
   */
  *join(timeout?: number | null): Generator<unknown, boolean, unknown> {
    const seconds = validateTimeout(timeout);
    const g = currentGreenlet(this);
    const park = new CallbackPark(g, 'the loop to run out of work');
    const stopWaiting = this.onLoopExit(() => park.fire(true));
    let timer: TimerEntry | null = null;
    if (seconds !== undefined && seconds !== null) {
      // Unref'd: the timer alone must not count as "work left" for the loop.
      timer = { at: 0, seq: 0, cancelled: false, ref: false, fire: () => park.fire(false) };
      this.timers.add(timer, seconds);
    }
    park.cancel = () => {
      stopWaiting();
      if (timer !== null) this.timers.cancel(timer);
    };
    g._park = park;
    return (yield) as boolean;
  }

  /**
   * The DNS resolver chosen by `GEVENT_RESOLVER` (see gevent-ts/resolver), available once that
   * module (or gevent-ts/monkey) has been imported.
   */
  get resolver(): import('./resolver/base.ts').BaseResolver {
    return hubService('resolver') as import('./resolver/base.ts').BaseResolver;
  }

  /** The default ThreadPool (`GEVENT_THREADPOOL_SIZE` threads), once gevent-ts/threadpool is imported. */
  get threadpool(): import('../threadpool/pool.ts').ThreadPool {
    return hubService('threadpool') as import('../threadpool/pool.ts').ThreadPool;
  }

  toString(): string {
    return `<Hub pending=${this.pendingCount} timers=${this.timers.size} switches=${this.switches}>`;
  }

  private push(target: unknown, value: unknown, mode: number): void {
    this.enqueue(target, value, mode);
    if (!this.drainScheduled && !this.draining) {
      this.drainScheduled = true;
      // A resolved promise's then() rather than queueMicrotask(): Node's queueMicrotask makes an
      // AsyncResource per call, which showed up in profiles of socket-heavy work.
      RESOLVED.then(this.drainFn);
    }
  }

  private enqueue(target: unknown, value: unknown, mode: number): void {
    if (this.count > this.mask) this.grow();
    const i = (this.head + this.count) & this.mask;
    this.targets[i] = target;
    this.values[i] = value;
    this.modes[i] = mode;
    this.count++;
  }

  /** Drains now if no drain is running or pending; else that drain takes the new entry. */
  private drainIfIdle(): void {
    if (!this.drainScheduled && !this.draining) this.drain();
  }

  private drain(): void {
    this.drainScheduled = false;
    this.draining = true;
    // Most drains run a step or two: the clock is read only once a drain reaches 64 steps, and
    // the switch interval counts from there (64 steps are microseconds, well under it).
    let deadline = 0;
    let steps = 0;
    while (this.count > 0) {
      const i = this.head;
      const target = this.targets[i];
      const value = this.values[i];
      const mode = this.modes[i]!;
      this.targets[i] = this.values[i] = undefined;
      this.head = (i + 1) & this.mask;
      this.count--;
      if (this.hooked) this.hookedStep(target, value, mode);
      else if (mode === CALL) this.runCallback(target as (arg: unknown) => void, value);
      else (target as Runnable)._resume(value, mode);
      if ((++steps & 63) === 0) {
        const now = performance.now();
        if (deadline === 0) deadline = now + this.switchIntervalMs;
        else if (now > deadline) break;
      }
    }
    this.switches += steps;
    this.draining = false;
    if (this.count > 0) {
      this.drainScheduled = true;
      setImmediate(this.drainFn);
    } else if (this.mask >= SHRINK_ABOVE) {
      this.shrink(); // a burst is over: give its memory back
    }
  }

  /** A step while a switch trace or the monitor is hooked in (rare: kept out of `drain`). */
  private hookedStep(target: unknown, value: unknown, mode: number): void {
    const greenlet = mode === CALL ? null : (target as Greenlet<unknown>);
    if (this.trace !== null && greenlet !== null) this.callTrace(mode, greenlet);
    const watch = this.watch;
    if (watch === null) {
      if (greenlet === null) this.runCallback(target as (arg: unknown) => void, value);
      else greenlet._resume(value, mode);
      return;
    }
    // The counter moves at the start and at the end of the step: if the worker finds it
    // standing still at `seq`, this step is what blocked.
    const cells = watch.cells;
    const seq = (cells[STEP_SEQ]! + 1) | 0;
    cells[STEP_SEQ] = seq;
    watch.stepSeq = seq;
    watch.stepGreenlet = greenlet;
    if (greenlet === null) this.runCallback(target as (arg: unknown) => void, value);
    else greenlet._resume(value, mode);
    cells[STEP_SEQ] = (seq + 1) | 0;
    // A plain read: a flag seen one step late is still reported (the monitor re-checks it).
    if (cells[BLOCKED] !== 0) watch.blockedAfterStep();
  }

  private callTrace(mode: number, greenlet: Greenlet<unknown>): void {
    const trace = this.trace!;
    try {
      trace(mode === NEXT ? 'switch' : 'throw', greenlet);
    } catch (error) {
      // A failing trace would fail every step: it is removed, and the error reported once.
      if (this.trace === trace) this._setSwitchTrace(null);
      this.reportError(trace, error);
    }
  }

  private shrink(): void {
    this.targets = new Array(INITIAL_CAPACITY).fill(undefined);
    this.values = new Array(INITIAL_CAPACITY).fill(undefined);
    this.modes = new Uint8Array(INITIAL_CAPACITY);
    this.mask = INITIAL_CAPACITY - 1;
    this.head = 0;
  }

  /** Doubles the ring, unrolling it so the oldest entry is at 0. */
  private grow(): void {
    const capacity = this.mask + 1;
    const targets = new Array(capacity * 2).fill(undefined);
    const values = new Array(capacity * 2).fill(undefined);
    const modes = new Uint8Array(capacity * 2);
    for (let k = 0; k < capacity; k++) {
      const i = (this.head + k) & this.mask;
      targets[k] = this.targets[i];
      values[k] = this.values[i];
      modes[k] = this.modes[i]!;
    }
    this.targets = targets;
    this.values = values;
    this.modes = modes;
    this.mask = capacity * 2 - 1;
    this.head = 0;
  }

  private runCallback(fn: (arg: unknown) => void, arg: unknown): void {
    try {
      fn(arg);
    } catch (error) {
      this.reportError(fn, error);
    }
  }

  /** Reports through `handleError`, which must itself never break the hub. */
  reportError(context: unknown, error: unknown): void {
    try {
      this.handleError(context, error);
    } catch (secondary) {
      printError(this, secondary);
    }
  }

  private onLoopEmpty(): void {
    let delivered = false;
    if (this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const fn of waiters) this.runCallback(fn as (arg: unknown) => void, undefined);
      delivered = true;
    } else {
      for (const root of this.roots) {
        if (root._park === null || root.dead) continue;
        this.throwInto(root, new LoopExit(describeDeadlock(this, root)));
        delivered = true;
      }
    }
    // Node exits after 'beforeExit' unless the loop has a handle again (microtasks do not count):
    // one more turn lets a greenlet that blocks again get its LoopExit or join() result too.
    if (delivered) setImmediate(noop);
  }
}

function noop(): void {}

let theHub: Hub | null = null;

/** The process's hub, created on first use. */
export function getHub(): Hub {
  return (theHub ??= new Hub());
}

/** The running greenlet, or throws: blocking outside a greenlet has nothing to switch to. */
export function currentGreenlet(hub: Hub): Runnable {
  const g = hub.current;
  if (g === null) {
    throw new BlockingSwitchOutError(
      'Impossible to call blocking function in the event loop callback: ' +
        'iterate Ops only inside a greenlet (spawn() or run())',
    );
  }
  return g;
}

/** A park ended by a callback (an immediate, the loop emptying, a timer). */
export class CallbackPark implements Park {
  cancel: () => void = () => {};
  constructor(
    private readonly g: Runnable,
    private readonly what: string,
  ) {}
  fire(value: unknown): void {
    if (this.g._park !== this) return;
    this.cancel();
    getHub().wake(this.g, value);
  }
  cancelWait(): void {
    this.cancel();
  }
  describeWait(): string {
    return this.what;
  }
}
