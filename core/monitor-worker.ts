/**
 * The hub monitor's worker thread (gevent's monitor thread): it watches a step counter the main
 * thread bumps in a SharedArrayBuffer, flags the main thread as blocked when the counter stands
 * still for longer than `maxBlockingMs`, and samples the process's resident memory.
 * Layer: scheduler (used by core/monitor.ts; imports nothing).
 *
 * `monitorWorkerMain` is self-contained: core/monitor.ts starts the worker from its source text
 * (`eval: true`, no Node flags), so the thread starts in milliseconds from the build and from
 * TypeScript source alike, without a loader, and never inherits the parent's `--import`s.
 *
 * While the main thread is blocked nothing it owns can run, so the worker writes its one-line
 * notice straight to file descriptor 2 with `fs.writeSync` (a worker's `process.stderr` is
 * relayed through the blocked main thread). The full report, with the greenlet's name and spawn
 * site, is made by the main thread once it resumes (see `HubMonitor`).
 */

/** What `HubMonitor` passes in `workerData`. */
export interface MonitorWorkerSetup {
  buffer: SharedArrayBuffer;
  /** Int32 cell indexes. */
  cells: { seq: number; blocked: number; blockedSeq: number; memorySeq: number };
  /** Float64 cell indexes (in a Float64Array over the same buffer at `floatOffset`). */
  floats: { stallSince: number; rss: number };
  floatOffset: number;
  int32Count: number;
  maxBlockingMs: number;
  pollMs: number;
  memoryPeriodMs: number;
  /** Write the one-line notice to fd 2 when a block is detected. */
  notice: boolean;
}

/** What the worker needs from Node, passed in so the function has no free variables. */
export interface MonitorWorkerNode {
  writeSync(fd: number, text: string): unknown;
  postReady(): void;
}

/**
 * The worker's body: polls every `pollMs`. A new counter value starts a new episode; a value
 * unchanged for longer than `maxBlockingMs` is flagged once (until the counter moves again).
 *
 * @example
 * // what the eval'd worker source runs:
 * monitorWorkerMain(workerData, { writeSync: fs.writeSync, postReady: () => parentPort.postMessage('ready') });
 */
export function monitorWorkerMain(setup: MonitorWorkerSetup, node: MonitorWorkerNode): void {
  const ints = new Int32Array(setup.buffer, 0, setup.int32Count);
  const floats = new Float64Array(setup.buffer, setup.floatOffset, 2);
  const { cells } = setup;
  // Milliseconds since the epoch: comparable between threads (each has its own timeOrigin).
  const now = () => performance.timeOrigin + performance.now();
  let lastSeq = Atomics.load(ints, cells.seq);
  let lastChange = now();
  let flagged = false;
  let lastSample = 0;

  const notice = (ms: number) => {
    const line =
      `${new Date().toISOString()} gevent-ts monitor: the main thread has not switched for ` +
      `${(ms / 1000).toFixed(3)} s (a report follows when it resumes)\n`;
    try {
      node.writeSync(2, line);
    } catch {
      // stderr closed: nothing to tell
    }
  };

  const poll = () => {
    const t = now();
    const seq = Atomics.load(ints, cells.seq);
    if (seq !== lastSeq) {
      lastSeq = seq;
      lastChange = t;
      flagged = false;
    } else if (!flagged && t - lastChange > setup.maxBlockingMs) {
      flagged = true;
      floats[setup.floats.stallSince] = lastChange;
      Atomics.store(ints, cells.blockedSeq, seq);
      Atomics.store(ints, cells.blocked, 1);
      if (setup.notice) notice(t - lastChange);
    }
    if (t - lastSample >= setup.memoryPeriodMs) {
      lastSample = t;
      floats[setup.floats.rss] = process.memoryUsage.rss();
      Atomics.add(ints, cells.memorySeq, 1);
    }
  };

  poll();
  setInterval(poll, setup.pollMs);
  node.postReady();
}

/**
 * The source text of the worker (a CommonJS script for `new Worker(source, { eval: true })`).
 * `__name` is esbuild's helper, which tsx may leave in a function's text when running from
 * source; it is defined as a no-op here.
 *
 * @example
 * new Worker(monitorWorkerSource(), { eval: true, execArgv: [], workerData: setup });
 */
export function monitorWorkerSource(): string {
  return [
    'const __name = (fn) => fn;',
    "const { workerData, parentPort } = require('node:worker_threads');",
    "const { writeSync } = require('node:fs');",
    `(${monitorWorkerMain.toString()})(workerData, {`,
    '  writeSync,',
    "  postReady: () => parentPort.postMessage('ready'),",
    '});',
  ].join('\n');
}
