/**
 * `formatRunInfo()` / `printRunInfo()`: a text snapshot of the running process for debugging —
 * process facts, hub counters, the thread pool (if loaded) and the greenlet tree (gevent's
 * `util.format_run_info`). Layer: os-facing (gevent-ts/util).
 *
 * gevent lists every thread's Python stack; JavaScript cannot read another thread's stack, nor
 * the frame a parked generator is suspended in, so here each greenlet shows its state (what it
 * waits on) and where it was spawned instead. The output is for humans and has no stability
 * guarantee beyond its section headers.
 */

import { threadId } from 'node:worker_threads';
import { config } from '../config.ts';
import { getHub } from '../hub.ts';
import { GreenletTree } from './greenlet-tree.ts';
import { runInfoSection, runInfoSectionTitles } from './sections.ts';

/** Options of `formatRunInfo()` and `printRunInfo()`. */
export interface RunInfoOptions {
  /**
   * Only what belongs to this thread: leaves out the sections about other threads (the thread
   * pool's workers). Default false.
   */
  currentThreadOnly?: boolean;
  /**
   * Each greenlet's whole captured spawn stack rather than its first frame (default true).
   * Stacks exist only while spawn-site tracking is on (`GEVENT_TRACK_SPAWN_SITES`).
   */
  greenletStacks?: boolean;
}

/** Something with `write(text)`: a stream, or a test's collector. */
export interface TextSink {
  write(text: string): unknown;
}

const RULE = '*'.repeat(80);
const THREADPOOL = 'Threadpool';
const MIB = 1024 * 1024;

/**
 * The run info as text lines: a `* Process` header, `* Hub` counters, `* Threadpool` (or
 * "not loaded"), any section other modules registered, and `* Greenlets`: the greenlet tree.
 *
 * @example
 * const lines = formatRunInfo({ greenletStacks: false });
 * lines.some((line) => line.startsWith('greenletCount:')); // true
 */
export function formatRunInfo(options: RunInfoOptions = {}): string[] {
  const lines: string[] = [];
  section(lines, 'Process', processLines());
  section(lines, 'Hub', hubLines());
  if (options.currentThreadOnly !== true) {
    section(lines, THREADPOOL, runInfoSection(THREADPOOL) ?? ['not loaded']);
  }
  for (const title of runInfoSectionTitles()) {
    if (title === THREADPOOL) continue;
    section(lines, title, runInfoSection(title) ?? []);
  }
  const tree = GreenletTree.currentTree();
  section(
    lines,
    'Greenlets',
    tree.formatLines({ fullSpawnStacks: options.greenletStacks ?? true }),
  );
  return lines;
}

/**
 * Writes `formatRunInfo(options)` to `stream` (default: stderr), one line each.
 *
 * @example
 * process.on('SIGUSR1', () => printRunInfo());
 */
export function printRunInfo(
  options: RunInfoOptions = {},
  stream: TextSink = process.stderr,
): void {
  stream.write(`${formatRunInfo(options).join('\n')}\n`);
}

function section(lines: string[], title: string, body: string[]): void {
  lines.push(RULE, `* ${title}`, RULE, ...body);
}

function processLines(): string[] {
  const memory = process.memoryUsage();
  const tracking = (config as { trackSpawnSites?: boolean }).trackSpawnSites;
  return [
    `pid: ${process.pid}`,
    `node: ${process.version} (${process.platform} ${process.arch})`,
    `thread: ${threadId === 0 ? 'main' : 'worker'} (id ${threadId})`,
    `uptime: ${process.uptime().toFixed(1)} s`,
    `rss: ${(memory.rss / MIB).toFixed(1)} MiB, heap used: ${(memory.heapUsed / MIB).toFixed(1)} MiB`,
    `spawn-site tracking: ${tracking === undefined ? 'unknown' : tracking ? 'on' : 'off'}`,
  ];
}

function hubLines(): string[] {
  const hub = getHub();
  return [
    `switches: ${hub.switches}`,
    `spawnCount: ${hub.spawnCount}`,
    `greenletCount: ${hub.greenletCount}`,
    `run queue pending: ${hub.pendingCount}`,
    `timers: ${hub.timers.size}`,
    `run() roots: ${hub.roots.size}`,
    `current: ${hub.current === null ? 'the hub (plain code)' : String(hub.current)}`,
  ];
}
