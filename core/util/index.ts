/**
 * gevent-ts/util: debugging helpers (gevent's `gevent.util`). Layer: os-facing.
 *
 * - `formatRunInfo()` / `printRunInfo()`: process facts, hub counters, the thread pool and the
 *   live greenlet tree, as text;
 * - `GreenletTree`: the live greenlets by who spawned whom;
 * - `assertSwitches(maxBlockingTime?, hubOnly?, body)`: fails a block that does not yield;
 * - `wrapErrors(errors, fn)`: returns listed exceptions instead of raising them;
 * - `registerRunInfoSection(title, fn)`: lets a higher-layer module add a section.
 *
 * Primitives give their own snapshots with `statistics()` (Event, AsyncResult, queues, locks,
 * Group/Pool); these are on the classes in `gevent-ts`.
 *
 * @example
 * import { printRunInfo, GreenletTree } from 'gevent-ts/util';
 * printRunInfo();                                   // to stderr
 * console.log(GreenletTree.currentTree().format()); // just the tree
 *
 * @module gevent-ts/util
 */

export { assertSwitches, FailedToSwitch, type SwitchBody } from './assert-switches.ts';
export { GreenletTree, type TreeFormatOptions } from './greenlet-tree.ts';
export { formatRunInfo, printRunInfo, type RunInfoOptions, type TextSink } from './run-info.ts';
export {
  type RunInfoSection,
  registerRunInfoSection,
  runInfoSection,
  unregisterRunInfoSection,
} from './sections.ts';
export { type ErrorClass, type WrappedResult, wrapErrors } from './wrap-errors.ts';
