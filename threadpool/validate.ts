/**
 * Checks ThreadPool options up front, each error naming the option (as piscina does).
 * Layer: threadpool (main thread).
 */

import { Worker } from 'node:worker_threads';
import type { EngineOptions } from './engine.ts';

const KNOWN = new Set([
  'maxBatch',
  'resourceLimits',
  'env',
  'execArgv',
  'idleTimeout',
  'niceIncrement',
]);
const LIMITS = new Set([
  'maxOldGenerationSizeMb',
  'maxYoungGenerationSizeMb',
  'codeRangeSizeMb',
  'stackSizeMb',
]);

/** Throws TypeError/RangeError naming the first bad option. */
export function validateOptions(options: EngineOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('ThreadPool(maxsize, options): options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new TypeError(`options.${key} is not a ThreadPool option`);
  }
  const { maxBatch, resourceLimits, env, execArgv, idleTimeout, niceIncrement } = options;
  if (
    niceIncrement !== undefined &&
    (!Number.isInteger(niceIncrement) || niceIncrement < 0 || niceIncrement > 19)
  ) {
    throw new RangeError(
      `options.niceIncrement must be an integer from 0 to 19, got ${String(niceIncrement)}`,
    );
  }
  if (maxBatch !== undefined && (!Number.isInteger(maxBatch) || maxBatch < 1)) {
    throw new RangeError(`options.maxBatch must be a positive integer, got ${String(maxBatch)}`);
  }
  if (idleTimeout !== undefined && idleTimeout !== null) {
    if (typeof idleTimeout !== 'number' || Number.isNaN(idleTimeout) || idleTimeout < 0) {
      throw new RangeError(
        `options.idleTimeout must be a number of seconds >= 0, got ${String(idleTimeout)}`,
      );
    }
  }
  if (resourceLimits !== undefined) {
    if (resourceLimits === null || typeof resourceLimits !== 'object') {
      throw new TypeError('options.resourceLimits must be an object');
    }
    for (const [key, value] of Object.entries(resourceLimits)) {
      if (!LIMITS.has(key)) throw new TypeError(`options.resourceLimits.${key} is not a limit`);
      if (typeof value !== 'number' || !(value > 0)) {
        throw new RangeError(`options.resourceLimits.${key} must be a positive number of MB`);
      }
    }
  }
  if (env !== undefined && (env === null || typeof env !== 'object')) {
    throw new TypeError('options.env must be an object of strings');
  }
  if (
    execArgv !== undefined &&
    (!Array.isArray(execArgv) || execArgv.some((a) => typeof a !== 'string'))
  ) {
    throw new TypeError('options.execArgv must be an array of strings');
  }
  if (execArgv !== undefined && execArgv.length > 0) checkWorkerFlags(execArgv);
}

/**
 * Node refuses V8 and process-wide flags (`--expose-gc`, `--max-old-space-size`...) for a worker,
 * by a throw from the Worker constructor: piscina would meet it inside a task's dispatch, where
 * it cannot be undone. So an explicit list is tried here once, on a worker that does nothing
 * (the check comes before its thread starts; a good list costs one short-lived thread).
 */
function checkWorkerFlags(execArgv: string[]): void {
  let probe: Worker;
  try {
    probe = new Worker('', { eval: true, execArgv, stdout: true, stderr: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    throw new TypeError(`options.execArgv: ${(error as Error).message}`);
  }
  probe.unref();
  void probe.terminate();
}
