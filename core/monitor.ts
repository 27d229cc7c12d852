/**
 * The hub monitor (gevent's monitor thread): a worker thread that notices when the main thread
 * has not switched for longer than `maxBlockingTime`, plus a memory threshold and periodic
 * monitoring functions. Layer: scheduler.
 *
 * How it sees a block: while a monitor runs, the hub bumps a counter in a SharedArrayBuffer at
 * the start and end of each step, and a main-thread heartbeat (an unref'd timer every
 * maxBlockingTime/4) bumps it while the loop idles, so waiting in epoll never counts. The worker
 * (core/monitor-worker.ts) polls the counter every maxBlockingTime/4; when it stands still for
 * longer than maxBlockingTime it writes a one-line notice to fd 2 at once and sets a shared flag.
 * When the main thread resumes, the hub (after the step) or the heartbeat (outside any step)
 * sees the flag and reports the episode once: `EventLoopBlocked`, a gevent-style report to the
 * output, and `monitor.reports`. Like gevent's, a block shorter than maxBlockingTime plus one
 * poll may go unseen; one that is seen is never blamed on the wrong greenlet.
 * Without a monitor all of this costs the hub one branch per step.
 */

import { Worker } from 'node:worker_threads';
import { config } from './config.ts';
import {
  EventLoopBlocked,
  MemoryUsageThresholdExceeded,
  MemoryUsageUnderThreshold,
  notify,
  type RuntimeEvent,
} from './events.ts';
import type { Greenlet } from './greenlet.ts';
import { BLOCKED, getHub, type Hub, STEP_SEQ, type StepWatch } from './hub.ts';
import { type MonitorWorkerSetup, monitorWorkerSource } from './monitor-worker.ts';

const INT_CELLS = { seq: STEP_SEQ, blocked: BLOCKED, blockedSeq: 2, memorySeq: 3 };
const INT32_COUNT = 4;
const FLOAT_CELLS = { stallSince: 0, rss: 1 };
const FLOAT_OFFSET = INT32_COUNT * 4;
const KEPT_REPORTS = 50;
const MIN_PERIOD_MS = 5;

/**
 * Options of `startMonitor`; each defaults to its `config` setting.
 *
 * @example
 * startMonitor({ maxBlockingTime: 0.25, maxMemoryUsage: 2 ** 30, output: null });
 */
export interface MonitorOptions {
  /** Seconds without a switch that count as blocked. Default `config.maxBlockingTime`. */
  maxBlockingTime?: number;
  /** Resident bytes above which `MemoryUsageThresholdExceeded` is emitted; null: none. */
  maxMemoryUsage?: number | null;
  /** Seconds between memory samples. Default `config.memoryMonitorPeriod`. */
  memoryMonitorPeriod?: number;
  /**
   * Where blocked-hub reports are printed (default `process.stderr`; null: not printed). The
   * worker's immediate one-line notice goes to fd 2 only with the default.
   */
  output?: { write(text: string): unknown } | null;
}

/**
 * A function run every `period` seconds by `addMonitoringFunction`, with the hub.
 *
 * @example
 * const logLive: MonitoringFunction = (hub) => console.log(`${hub.greenletCount} live`);
 */
export type MonitoringFunction = (hub: Hub) => void;

/** The longest monitoring period: Node's timers take at most 2^31-1 ms (about 24.8 days). */
const MAX_PERIOD = 2_147_483;

function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The running monitor: `startMonitor()` makes it, `getHub().monitor` holds it.
 *
 * @example
 * const monitor = startMonitor({ maxBlockingTime: 0.2 });
 * subscribe((e) => { if (e instanceof EventLoopBlocked) console.warn(e.greenlet?.name); });
 * // ... later
 * await monitor.stop();
 */
export class HubMonitor implements StepWatch {
  /** The last 50 blocked-hub reports, oldest first. */
  readonly reports: EventLoopBlocked[] = [];
  /** Seconds without a switch that count as blocked. */
  readonly maxBlockingTime: number;
  /** Memory threshold in resident bytes (null: none); may be changed while running. */
  maxMemoryUsage: number | null;
  /**
   * Resolves once the worker watches (blocks before that go unseen). It does not keep the
   * process alive: a program with nothing else to do exits without waiting for it.
   */
  readonly ready: Promise<void>;
  /** @internal The shared cells the hub bumps. */
  readonly cells: Int32Array;
  /** @internal Set by the hub before each step while this monitor is attached. */
  stepSeq = 0;
  /** @internal */
  stepGreenlet: Greenlet<unknown> | null = null;
  private readonly floats: Float64Array;
  private readonly output: { write(text: string): unknown } | null;
  private readonly worker: Worker;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly functions = new Map<MonitoringFunction, NodeJS.Timeout>();
  private memorySeq = 0;
  /** Highest usage seen while above the threshold; 0 while under it. */
  private memoryPeak = 0;
  private stopped: Promise<void> | null = null;

  /** @internal Use `startMonitor()`. */
  constructor(
    private readonly hub: Hub,
    options: MonitorOptions = {},
  ) {
    this.maxBlockingTime = positive(
      options.maxBlockingTime ?? config.maxBlockingTime,
      'maxBlockingTime',
    );
    this.maxMemoryUsage = memoryLimit(
      options.maxMemoryUsage === undefined ? config.maxMemoryUsage : options.maxMemoryUsage,
    );
    const memoryPeriod = positive(
      options.memoryMonitorPeriod ?? config.memoryMonitorPeriod,
      'memoryMonitorPeriod',
    );
    this.output = outputOf(options.output);
    const buffer = new SharedArrayBuffer(FLOAT_OFFSET + 2 * 8);
    this.cells = new Int32Array(buffer, 0, INT32_COUNT);
    this.floats = new Float64Array(buffer, FLOAT_OFFSET, 2);
    const periodMs = Math.max(MIN_PERIOD_MS, (this.maxBlockingTime * 1000) / 4);
    const setup: MonitorWorkerSetup = {
      buffer,
      cells: INT_CELLS,
      floats: FLOAT_CELLS,
      floatOffset: FLOAT_OFFSET,
      int32Count: INT32_COUNT,
      maxBlockingMs: this.maxBlockingTime * 1000,
      pollMs: periodMs,
      memoryPeriodMs: memoryPeriod * 1000,
      notice: this.output === process.stderr,
    };
    this.worker = new Worker(monitorWorkerSource(), {
      eval: true,
      execArgv: [],
      workerData: setup,
    });
    this.worker.unref();
    this.ready = new Promise((resolve) => this.worker.once('message', () => resolve()));
    this.worker.on('error', (error) => {
      this.hub.reportError(this, error);
      void this.stop();
    });
    this.heartbeat = setInterval(() => this.beat(), periodMs);
    this.heartbeat.unref();
    hub._setStepWatch(this);
  }

  /** Whether the monitor runs (it stops with `stop()`). */
  get running(): boolean {
    return this.stopped === null;
  }

  /**
   * Runs `fn(hub)` every `period` seconds; the same `fn` again replaces its period, and a null
   * period removes it (gevent's `add_monitoring_function`). Unlike gevent's, these run on the
   * main thread from unref'd timers: they cannot run while the hub is blocked, they never keep
   * the process alive, and they must not block (they run outside any greenlet). An error is
   * reported through `hub.handleError`.
   *
   * @example
   * monitor.addMonitoringFunction((hub) => console.log(`${hub.greenletCount} greenlets`), 5);
   * monitor.addMonitoringFunction(logCount, null); // removes it
   */
  addMonitoringFunction(fn: MonitoringFunction, period: number | null): void {
    if (typeof fn !== 'function') {
      throw new TypeError(
        `addMonitoringFunction(fn, period): fn must be a function, got ${typeof fn}`,
      );
    }
    if (period !== null && !(typeof period === 'number' && period > 0 && period <= MAX_PERIOD)) {
      throw new RangeError(
        `addMonitoringFunction(fn, period): period must be a positive number of seconds up to ${MAX_PERIOD} (Node's timer limit) or null, got ${String(period)}`,
      );
    }
    clearInterval(this.functions.get(fn));
    this.functions.delete(fn);
    if (period === null || !this.running) return;
    const timer = setInterval(() => this.callMonitoringFunction(fn), period * 1000);
    timer.unref();
    this.functions.set(fn, timer);
  }

  /** The functions added by `addMonitoringFunction`, in the order they were added. */
  monitoringFunctions(): MonitoringFunction[] {
    return [...this.functions.keys()];
  }

  /**
   * Stops watching: detaches from the hub, clears its timers and terminates the worker. The
   * promise resolves once the worker has exited. Calling it again returns the same promise.
   */
  stop(): Promise<void> {
    if (this.stopped !== null) return this.stopped;
    this.hub._setStepWatch(null);
    if (this.hub.monitor === this) this.hub.monitor = null;
    clearInterval(this.heartbeat);
    for (const timer of this.functions.values()) clearInterval(timer);
    this.functions.clear();
    this.stepGreenlet = null;
    this.stopped = this.worker.terminate().then(
      () => undefined,
      () => undefined,
    );
    return this.stopped;
  }

  toString(): string {
    return `<HubMonitor maxBlockingTime=${this.maxBlockingTime}s ${this.running ? 'running' : 'stopped'}>`;
  }

  /** @internal The hub saw the flag after a step (or the heartbeat did): report the episode. */
  blockedAfterStep(): void {
    if (Atomics.load(this.cells, BLOCKED) === 0) return;
    const inThisStep = Atomics.load(this.cells, INT_CELLS.blockedSeq) === this.stepSeq;
    const greenlet = inThisStep ? this.stepGreenlet : null;
    const blockingTime = Math.max(
      this.maxBlockingTime,
      (nowMs() - this.floats[FLOAT_CELLS.stallSince]!) / 1000,
    );
    Atomics.store(this.cells, BLOCKED, 0);
    const info = describeBlock(this, greenlet, blockingTime);
    const event = new EventLoopBlocked(greenlet, blockingTime, info);
    this.reports.push(event);
    if (this.reports.length > KEPT_REPORTS) this.reports.shift();
    this.print(`${info.join('\n')}\n`);
    this.emit(event);
  }

  /** The heartbeat: keeps the counter moving while idle, reports blocks, checks memory. */
  private beat(): void {
    const cells = this.cells;
    cells[STEP_SEQ] = (cells[STEP_SEQ]! + 1) | 0;
    this.blockedAfterStep();
    const memorySeq = Atomics.load(cells, INT_CELLS.memorySeq);
    if (memorySeq !== this.memorySeq) {
      this.memorySeq = memorySeq;
      this.checkMemory(this.floats[FLOAT_CELLS.rss]!);
    }
  }

  /** Emits on crossings only: above the threshold once, then back under it once. */
  private checkMemory(usage: number): void {
    const limit = this.maxMemoryUsage;
    if (limit === null) return;
    if (usage > limit) {
      if (this.memoryPeak === 0) {
        this.emit(new MemoryUsageThresholdExceeded(usage, limit, process.memoryUsage()));
      }
      this.memoryPeak = Math.max(this.memoryPeak, usage);
    } else if (this.memoryPeak !== 0) {
      const peak = this.memoryPeak;
      this.memoryPeak = 0;
      this.emit(new MemoryUsageUnderThreshold(usage, limit, peak, process.memoryUsage()));
    }
  }

  private callMonitoringFunction(fn: MonitoringFunction): void {
    try {
      fn(this.hub);
    } catch (error) {
      this.hub.reportError(fn, error);
    }
  }

  private emit(event: RuntimeEvent): void {
    try {
      notify(event);
    } catch (error) {
      this.hub.reportError(this, error);
    }
  }

  private print(text: string): void {
    try {
      this.output?.write(text);
    } catch (error) {
      this.hub.reportError(this, error);
    }
  }
}

/** gevent's report: a banner, who blocked, for how long, where it was spawned. */
function describeBlock(
  monitor: HubMonitor,
  greenlet: Greenlet<unknown> | null,
  seconds: number,
): string[] {
  const who =
    greenlet === null
      ? 'The hub (code outside any greenlet: a callback, a timer or the loop itself)'
      : `Greenlet ${greenlet}`;
  const lines = [
    '='.repeat(80),
    `${new Date().toISOString()} : ${who} appears to be blocked`,
    `    Reported by ${monitor}`,
    `    Blocked for ${seconds.toFixed(3)} s without a switch`,
  ];
  if (greenlet !== null) {
    lines.push(`    Name: ${greenlet.name}`);
    const parent = greenlet.spawningGreenlet;
    if (parent !== null) lines.push(`    Spawned by: ${parent}`);
    const site = greenlet.spawningStack;
    if (site === undefined) lines.push('    Spawned at: not tracked (GEVENT_TRACK_SPAWN_SITES=1)');
    else lines.push('    Spawned at:', ...site.split('\n'));
  }
  const hub = getHub();
  lines.push(`    Hub: ${hub}, ${hub.greenletCount} live greenlets`);
  return lines;
}

function positive(value: unknown, name: string): number {
  if (typeof value !== 'number' || !(value > 0) || value === Infinity) {
    throw new RangeError(
      `startMonitor(options): ${name} must be a positive number of seconds, got ${String(value)}`,
    );
  }
  return value;
}

function memoryLimit(value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !(value > 0) || value === Infinity) {
    throw new RangeError(
      `startMonitor(options): maxMemoryUsage must be a positive number of bytes or null, got ${String(value)}`,
    );
  }
  return value;
}

function outputOf(output: MonitorOptions['output']): { write(text: string): unknown } | null {
  if (output === undefined) return process.stderr;
  if (output !== null && typeof output?.write !== 'function') {
    throw new TypeError('startMonitor(options): output must have a write(text) method, or be null');
  }
  return output;
}

/**
 * Starts the hub monitor, or returns the one already running (its options stay as they were).
 * `GEVENT_MONITOR_THREAD_ENABLE=1` starts it when the runtime loads.
 *
 * @example
 * const monitor = startMonitor({ maxBlockingTime: 0.1, maxMemoryUsage: 512 * 2 ** 20 });
 * spawn(function* busy() { const t = Date.now(); while (Date.now() - t < 300); });
 * // stderr: "... <Greenlet at 0x1: busy()> appears to be blocked"; monitor.reports[0].greenlet
 */
export function startMonitor(options?: MonitorOptions): HubMonitor {
  const hub = getHub();
  if (hub.monitor !== null) return hub.monitor;
  const monitor = new HubMonitor(hub, options);
  hub.monitor = monitor;
  return monitor;
}

/** @internal Starts the monitor if `config.monitorThread` (env) asks for it. */
export function startMonitorFromEnv(): void {
  if (config.monitorThread && getHub().monitor === null) startMonitor();
}
