/**
 * Greenlet: a lightweight thread of execution whose body is a generator function; `yield*` is
 * its switch point. Layer: scheduler.
 *
 * A body may also be a plain function (runs in one step) or an async function (runs as a
 * promise; killing it aborts `getcurrent().signal` and it dies when its promise settles).
 */

import { types } from 'node:util';
import { config } from './config.ts';
import {
  appendSpawnSite,
  type CapturedSite,
  captureSite,
  formatSite,
  GreenletExit,
} from './errors.ts';
import { GreenletSpawned, notify, spawnWatched } from './events.ts';
import { GetOp, JoinOp, PromisePark, StartTimer } from './greenlet-waits.ts';
import { getHub, KILL, NEXT, type Park, type Runnable, YIELDED } from './hub.ts';
import { isIterator, shortRepr } from './internal/body-values.ts';
import { Linkable, type LinkCallback } from './internal/linkable.ts';
import type { LiveNode } from './internal/live-list.ts';
import {
  isThenable,
  validateFunction,
  validateSeconds,
  validateTimeout,
} from './internal/validators.ts';
import { DONE } from './internal/wait-op.ts';
import { startMonitorFromEnv } from './monitor.ts';
import type { AnyFn, Op } from './op.ts';
import { STALE, TimeoutDelivery } from './timeout.ts';

export type { AnyFn, BodyResult, Op, OpLike } from './op.ts';

const hub = getHub();
const isPromise = types.isPromise as (value: unknown) => value is Promise<unknown>;
startMonitorFromEnv(); // GEVENT_MONITOR_THREAD_ENABLE: every greenlet user loads this module

const CREATED = 0;
/** `start()` was called; the first step has not run. */
const SCHEDULED = 1;
const RUNNING = 2;
const DEAD = 3;

const NO_ARGS: unknown[] = [];
let lastIdent = 0;
let deaths = 0;

/** Rarely used per-greenlet state, kept out of the object so a parked greenlet stays small. */
interface Extra {
  ident?: number;
  name?: string;
  /** Where the greenlet was created (`config.trackSpawnSites`), formatted on first use. */
  site?: CapturedSite | string;
  startTimer?: StartTimer;
  promise?: Promise<unknown>;
  abort?: AbortController;
  locals?: WeakMap<object, Record<PropertyKey, unknown>> | undefined;
  /** Kills that arrived while a wake was queued: thrown at the next switch point. */
  pendingKills?: unknown[] | undefined;
}

/** A greenlet died with kills still waiting: their Timeouts stop being pending. */
function discardPendingKills(extra: Extra): void {
  for (const kill of extra.pendingKills!) if (kill instanceof TimeoutDelivery) kill.discard();
  extra.pendingKills = undefined;
}

export type GreenletLinkTarget<T> =
  | LinkCallback<Greenlet<T>>
  | { set(value: T): void; setException(error: unknown): void };

/**
 * A greenlet. Usually made with `spawn(fn, ...args)`; subclass and override `*_run()` to give
 * the body as a method, as in gevent.
 *
 * @example
 * const g = spawn(function* (n: number) { yield* sleep(0.1); return n * 2; }, 21);
 * const value = yield* g.get(); // 42
 *
 * @example
 * class Worker extends Greenlet<string> {
 *   constructor(private readonly job: string) { super(); }
 *   protected override *_run() { yield* sleep(0.01); return `done ${this.job}`; }
 * }
 * const w = Worker.spawn('a'); // or new Worker('a').start()
 */
export class Greenlet<T = unknown> extends Linkable implements Runnable, PromiseLike<T> {
  /** @internal What this greenlet is parked on, if anything. */
  _park: Park | null = null;
  /** @internal A wake for this greenlet is in the run queue. */
  _wakeQueued = false;
  private _it: Iterator<unknown, unknown, unknown> | null = null;
  private _fn: AnyFn | null;
  private _args: unknown[];
  private _state = CREATED;
  private _value: T | undefined = undefined;
  private _exception: unknown = undefined;
  private _extra: Extra | null = null;
  /** @internal Order of death among all greenlets (for completion-order results). */
  _deathOrder = 0;
  /** @internal The hub's list of live greenlets (see `hub.greenlets()`). */
  _prevLive: LiveNode | null = null;
  /** @internal */
  _nextLive: LiveNode | null = null;
  // Assigned in the constructor only (no class-field initializer), so the field's type is
  // settled by its first store.
  declare private _spawner: Greenlet<unknown> | null;

  constructor(fn?: AnyFn | null, ...args: unknown[]) {
    super();
    if (typeof fn !== 'function') {
      const hasRun = (this as unknown as { _run: unknown })._run !== Greenlet.prototype._run;
      if ((fn !== undefined && fn !== null) || !hasRun) {
        throw new TypeError('The run argument or this._run must be callable');
      }
    }
    this._fn = typeof fn === 'function' ? fn : null;
    this._args = args.length === 0 ? NO_ARGS : args;
    this._spawner = hub.current as Greenlet<unknown> | null;
    if (config.trackSpawnSites) this.extra().site = captureSite(Greenlet);
  }

  /** Creates a greenlet of this class and starts it. */
  static spawn<G extends Greenlet<any>, A extends unknown[]>(
    this: new (
      ...args: A
    ) => G,
    ...args: A
  ): G {
    const g = new this(...args);
    g.start();
    return g;
  }

  /** The body. Override as a generator method in a subclass; it receives the spawn arguments. */
  protected _run(...args: unknown[]): unknown {
    return this._fn!(...args);
  }

  /** Schedules the greenlet to run once the caller yields. Does nothing if already started or dead. */
  start(): void {
    if (!this.becomeScheduled()) return;
    hub.schedule(this);
    if (spawnWatched()) announceSpawn(this);
  }

  /**
   * @internal `start()` from a Node I/O callback (pywsgi's `request` event): when the hub is
   * idle the first step runs at once, inside the callback (see `Hub.scheduleFromCallback`).
   */
  _startFromCallback(): void {
    if (!this.becomeScheduled()) return;
    if (spawnWatched()) announceSpawn(this); // before: the first step may run right here
    hub.scheduleFromCallback(this);
  }

  /** Schedules the greenlet to start in `seconds`. */
  startLater(seconds: number): void {
    validateSeconds(seconds, 'seconds');
    if (!this.becomeScheduled()) return;
    const timer = new StartTimer(this);
    this.extra().startTimer = timer;
    hub.timers.add(timer, seconds);
    if (spawnWatched()) announceSpawn(this);
  }

  /** True from `start()` until the greenlet dies (false before start and after death). */
  get started(): boolean {
    return this._state === SCHEDULED || this._state === RUNNING;
  }

  get dead(): boolean {
    return this._state === DEAD;
  }

  /** Whether the greenlet has finished (same as `dead`). */
  ready(): boolean {
    return this._state === DEAD;
  }

  /** Finished without an exception (ending by `GreenletExit` counts as success). */
  successful(): boolean {
    return this._state === DEAD && this._exception === undefined;
  }

  /** The return value once finished successfully (the GreenletExit if killed). */
  get value(): T | undefined {
    return this._value;
  }

  /** The exception that ended the greenlet, if it failed. */
  get exception(): unknown {
    return this._exception;
  }

  /** A small number unique to this greenlet, assigned on first use. */
  get minimalIdent(): number {
    const extra = this.extra();
    return (extra.ident ??= ++lastIdent);
  }

  get name(): string {
    return this._extra?.name ?? `Greenlet-${this.minimalIdent}`;
  }

  set name(name: string) {
    this.extra().name = String(name);
  }

  /**
   * The greenlet that was running when this one was created (null: created from plain code or
   * a hub callback). Kept while this greenlet lives; dropped at its death if the spawner is
   * dead by then, so chains of dead spawners are not kept alive.
   *
   * @example
   * const child = spawn(work);
   * child.spawningGreenlet === getcurrent(); // true inside a greenlet
   */
  get spawningGreenlet(): Greenlet<unknown> | null {
    return this._spawner;
  }

  /**
   * Where this greenlet was created: a few `    at file:line:col` lines (the caller's frames,
   * past this library's own), or undefined when spawn sites are not tracked
   * (`config.trackSpawnSites`, env `GEVENT_TRACK_SPAWN_SITES=1`).
   *
   * @example
   * config.trackSpawnSites = true;
   * console.log(spawn(work).spawningStack); // "    at main (file:///app/main.js:12:3)"
   */
  get spawningStack(): string | undefined {
    const extra = this._extra;
    const site = extra?.site;
    if (site === undefined) return undefined;
    if (typeof site === 'string') return site;
    return (extra!.site = formatSite(site));
  }

  /**
   * A short description of what this greenlet is parked on (e.g. `<Queue qsize=0 getters=1>`),
   * or null when it is not waiting (running, queued to run, not started or dead).
   *
   * @example
   * for (const g of getHub().greenlets()) console.log(g.name, g.waitingOn());
   */
  waitingOn(): string | null {
    const park = this._park;
    if (park === null) return null;
    return park.describeWait?.() ?? 'something';
  }

  /**
   * An AbortSignal aborted when the greenlet is killed, with the kill's exception as reason.
   * The way to make an async-function greenlet cancellable.
   */
  get signal(): AbortSignal {
    const extra = this.extra();
    extra.abort ??= new AbortController();
    return extra.abort.signal;
  }

  /** Waits until the greenlet finishes or `timeout` seconds pass. Never raises its exception. */
  join(timeout?: number | null): Op<void> {
    return new JoinOp(this, validateTimeout(timeout));
  }

  /**
   * Waits for the greenlet and returns its value, or re-raises its exception. With
   * `block: false` or an expired `timeout` it raises `Timeout`.
   */
  get(options: { block?: boolean; timeout?: number | null } = {}): Op<T> {
    return new GetOp(this, options.block ?? true, validateTimeout(options.timeout));
  }

  /**
   * Throws `exception` (default: a new GreenletExit; a class is instantiated) into the greenlet
   * at its switch point. Acts at once; iterating the returned Op waits for the death (for at
   * most `timeout` seconds) unless `block` is false. A greenlet that never started dies at once
   * without running its body.
   */
  kill(
    exception: unknown = new GreenletExit(),
    options: { block?: boolean; timeout?: number | null } = {},
  ): Op<void> {
    const timeout = validateTimeout(options.timeout);
    const thrown =
      typeof exception === 'function' ? new (exception as new () => unknown)() : exception;
    if (this._state === CREATED || this._state === SCHEDULED) {
      this.cancelStart();
      this.die(undefined, thrown, true, hub.current === null);
    } else if (this._state === RUNNING) {
      if (hub.current === this) throw thrown;
      this.abortSignal(thrown);
      hub.throwInto(this, thrown);
    }
    return options.block === false ? DONE : new JoinOp(this, timeout);
  }

  /** Calls `callback(greenlet)` (or fills an AsyncResult) when the greenlet dies. */
  link(callback: GreenletLinkTarget<T>): void {
    if (typeof callback === 'function') {
      this.rawlink(callback);
      return;
    }
    if (
      callback === null ||
      typeof callback !== 'object' ||
      typeof callback.set !== 'function' ||
      typeof callback.setException !== 'function'
    ) {
      throw new TypeError('link(callback): callback must be a function or an AsyncResult');
    }
    const target = callback;
    this.rawlink(
      Object.assign(
        (g: Greenlet<T>) => {
          if (g.successful()) target.set(g._value as T);
          else target.setException(g._exception);
        },
        { target },
      ),
    );
  }

  /** Like `link`, but only when the greenlet succeeds. */
  linkValue(callback: LinkCallback<Greenlet<T>>): void {
    validateFunction(callback, 'linkValue(callback)');
    this.rawlink(
      Object.assign((g: Greenlet<T>) => g.successful() && callback(g), { target: callback }),
    );
  }

  /** Like `link`, but only when the greenlet fails. */
  linkException(callback: LinkCallback<Greenlet<T>>): void {
    validateFunction(callback, 'linkException(callback)');
    this.rawlink(
      Object.assign((g: Greenlet<T>) => !g.successful() && callback(g), { target: callback }),
    );
  }

  /** `await greenlet`: its value, or its exception thrown. */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this._promise().then(onfulfilled, onrejected);
  }

  override toString(): string {
    const fn = this._fn?.name || (this._fn ? '<anonymous>' : '_run');
    const args = this._args.map(shortRepr).join(', ');
    const name = this._extra?.name;
    const named = name === undefined ? '' : ` "${name}"`;
    return `<${this.constructor.name}${named} at 0x${this.minimalIdent.toString(16)}: ${fn}(${args})>`;
  }

  /** @internal The promise behind `then`. */
  _promise(): Promise<T> {
    const extra = this.extra();
    if (extra.promise === undefined) {
      extra.promise = new Promise<T>((resolve, reject) => {
        const settle = () =>
          this.successful() ? resolve(this._value as T) : reject(this._exception);
        if (this.dead) settle();
        else this._links = [...(this._links ?? []), settle];
      });
    }
    return extra.promise as Promise<T>;
  }

  /** @internal Per-greenlet storage of `local()` objects. */
  _locals(): WeakMap<object, Record<PropertyKey, unknown>> {
    const extra = this.extra();
    return (extra.locals ??= new WeakMap());
  }

  /** @internal Runs one step: resumes the body with `value` (NEXT), or throws it in. */
  _resume(value: unknown, mode: number): void {
    if (this._state === DEAD) {
      if (value instanceof TimeoutDelivery) value.discard(); // its Timeout is no longer pending
      return;
    }
    if (mode === KILL) {
      if (this._wakeQueued) {
        // A wake is still queued: it runs first, so what it carries is not lost; the kill is
        // thrown at the switch point that follows it (see deliverPendingKill).
        (this.extra().pendingKills ??= []).push(value);
        return;
      }
      if (value instanceof TimeoutDelivery) {
        // A Timeout's own timer: its park was left in place until this claim (core/timeout.ts).
        value = value.claim();
        if (value === STALE) {
          // Cancelled before delivery: keep waiting, and do not strand a kill queued behind it.
          if (this._extra?.pendingKills !== undefined) this.deliverPendingKill();
          return;
        }
      }
      const park = this._park;
      if (park !== null) {
        if (park.cancelWait() === false) return; // an async body: as in hub.throwInto
        this._park = null;
      }
    } else if (this._wakeQueued) {
      this._wakeQueued = false;
    } else if (this._park === YIELDED) {
      this._park = null;
    } else {
      return; // the turn of a sleep(0) that a kill has since replaced
    }
    hub.current = this;
    let step: IteratorResult<unknown, unknown>;
    try {
      const it = this._it;
      if (it !== null) step = mode === NEXT ? it.next(value) : it.throw!(value);
      else if (this._state === SCHEDULED) {
        this._state = RUNNING;
        const out = this._run(...this._args);
        if (!isIterator(out)) {
          hub.current = null;
          this.afterPlainBody(out);
          return;
        }
        this._it = out;
        step = out.next();
      } else {
        // An async body woken by its own promise (see afterPlainBody).
        hub.current = null;
        if (mode === NEXT) this.die(value, undefined, false, true);
        else this.die(undefined, value, true, true);
        return;
      }
    } catch (error) {
      hub.current = null;
      this.die(undefined, error, true, true);
      return;
    }
    hub.current = null;
    if (step.done) {
      this.die(step.value, undefined, false, true);
      return;
    }
    if (this._park === null && !this._wakeQueued) this.parkOnYielded(step.value);
    if (this._extra?.pendingKills !== undefined) this.deliverPendingKill();
  }

  /** Throws the oldest kill that waited for a queued wake, now that the greenlet parked again. */
  private deliverPendingKill(): void {
    const extra = this._extra!;
    const kills = extra.pendingKills!;
    const exception = kills.shift();
    if (kills.length === 0) extra.pendingKills = undefined;
    if (exception instanceof TimeoutDelivery) hub.queueKill(this, exception);
    else hub.throwInto(this, exception);
  }

  /** A bare `yield promise` waits for it; a bare `yield` is `sleep(0)`. */
  private parkOnYielded(yielded: unknown): void {
    if (yielded === undefined) {
      hub.yieldTurn(this);
    } else if (isThenable(yielded)) {
      this._park = new PromisePark(this, yielded, false);
    } else {
      hub.wakeRaise(
        this,
        new TypeError(
          `a greenlet may only yield a promise (or nothing); use yield* for an Op, got ${typeof yielded}`,
        ),
      );
    }
  }

  /**
   * A plain function finished at once; an async one returned a Promise to wait for. (Only a real
   * Promise: a Greenlet or AsyncResult returned by a plain body is its value, as in gevent.
   * `isPromise` also knows a promise from another realm, such as a REPL's or a vm context's.)
   */
  private afterPlainBody(out: unknown): void {
    if (isPromise(out)) this._park = new PromisePark(this, out, true);
    else this.die(out, undefined, false, true);
  }

  private die(value: unknown, error: unknown, failed: boolean, inHub: boolean): void {
    this._state = DEAD;
    this._deathOrder = ++deaths;
    this._it = null;
    this._park = null;
    hub._live.unlink(this);
    const spawner = this._spawner;
    if (spawner !== null && spawner._state === DEAD) this._spawner = null;
    const extra = this._extra;
    if (extra !== null) {
      extra.locals = undefined;
      if (extra.pendingKills !== undefined) discardPendingKills(extra);
    }
    if (failed && !(error instanceof GreenletExit)) {
      this._exception = error;
      appendSpawnSite(
        error,
        this.name,
        this.spawningStack,
        spawner === null ? 'plain code' : String(spawner),
      );
      // A root's exception goes to the caller of run(), as gevent's main greenlet raises it.
      if (!hub.roots.delete(this)) hub.reportError(this, error);
    } else {
      this._value = (failed ? error : value) as T;
      if (hub.roots.size > 0) hub.roots.delete(this);
    }
    this._args = NO_ARGS; // after the report, which shows them
    this._notifyLinks(inHub);
  }

  /** Aborts `signal` with the kill's exception: the way an async body learns of a kill. */
  private abortSignal(reason: unknown): void {
    const asyncBody = this._park instanceof PromisePark && this._park.isBody;
    if (this._extra?.abort === undefined && !asyncBody) return;
    (this.extra().abort ??= new AbortController()).abort(reason);
  }

  private cancelStart(): void {
    const timer = this._extra?.startTimer;
    if (timer !== undefined) hub.timers.cancel(timer);
  }

  /** CREATED -> SCHEDULED, joining the hub's live list; false if already started or dead. */
  private becomeScheduled(): boolean {
    if (this._state !== CREATED) return false;
    this._state = SCHEDULED;
    hub._live.link(this);
    return true;
  }

  private extra(): Extra {
    return (this._extra ??= {});
  }
}

/**
 * Emits GreenletSpawned. A subscriber that throws is reported as the greenlet's error and does
 * not reach the spawner: the greenlet is already started by then, and an exception escaping
 * `spawn()` (or pywsgi's request event) would leave it running with no handle, or unscheduled.
 */
function announceSpawn(g: Greenlet<unknown>): void {
  try {
    notify(new GreenletSpawned(g));
  } catch (error) {
    hub.reportError(g, error);
  }
}
