/**
 * Test support for the scheduler suites: elapsed-time assertions with tolerances fit for a noisy
 * shared 2-core machine, catching what an Op raises, and capturing what the hub prints to stderr.
 * Layer: tests only (imports the runtime's public API and uvu's assert).
 */

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import type { Op } from '../../core/index.ts';

/**
 * Generous upper slack (seconds) for a timed wait: a loaded machine may run a timer late, never
 * early; tests assert the lower bound tightly and the upper bound loosely.
 */
export const SLACK = 1.5;

/**
 * Asserts that `seconds` (usually `since(start)`) is at least `min` (minus 10 ms of clock
 * rounding) and at most `max` (default `min + SLACK`).
 *
 * @example
 * const start = performance.now();
 * yield* sleep(0.05);
 * assertElapsed(since(start), 0.05);
 */
export function assertElapsed(seconds: number, min: number, max = min + SLACK): void {
  assert.ok(seconds >= min - 0.01, `took ${seconds.toFixed(3)} s, expected at least ${min} s`);
  assert.ok(seconds <= max, `took ${seconds.toFixed(3)} s, expected at most ${max} s`);
}

/**
 * Runs an Op and returns what it raised; fails the test if it returned instead.
 *
 * @example
 * const error = yield* raisedBy(g.get({ block: false }));
 * assert.instance(error, Timeout);
 */
export function* raisedBy(op: Op<unknown>): Generator<unknown, unknown, unknown> {
  let value: unknown;
  try {
    value = yield* op;
  } catch (error) {
    return error;
  }
  assert.unreachable(`expected the op to raise, it returned ${String(value)}`);
  return undefined;
}

/**
 * Calls `fn` and returns what it threw; fails the test if it returned.
 *
 * @example
 * const error = thrownBy(() => spawn(1 as never));
 * assert.instance(error, TypeError);
 */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.unreachable('expected the call to throw');
  return undefined;
}

/**
 * Asserts that `fn` throws an instance of `kind` whose message matches `message` (a pattern
 * naming the argument at fault, per the API's rule for bad arguments).
 *
 * @example
 * assertThrowsNaming(() => sleep(-1), RangeError, /sleep\(seconds\)/);
 */
export function assertThrowsNaming(
  fn: () => unknown,
  kind: new (...args: any[]) => Error,
  message: RegExp,
): void {
  const error = thrownBy(fn);
  assert.instance(error, kind);
  assert.match((error as Error).message, message);
}

/** Awaits `promise` and returns its rejection reason; fails the test if it resolved. */
export async function rejectionOf(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.unreachable('expected the promise to reject');
  return undefined;
}

/** A running capture of `process.stderr.write`; `stop()` restores it and returns the text. */
export interface StderrCapture {
  stop(): string;
}

/**
 * Diverts stderr into a buffer until `stop()` (call it in a `finally`).
 *
 * @example
 * const capture = captureStderr();
 * try { ...; } finally { text = capture.stop(); }
 */
export function captureStderr(): StderrCapture {
  const original = process.stderr.write;
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stderr.write;
  return {
    stop() {
      process.stderr.write = original;
      return text;
    },
  };
}

/**
 * A promise with its resolve/reject exposed, for async bodies a test finishes by hand.
 *
 * @example
 * const gate = deferred<number>();
 * const g = spawn(async () => await gate.promise);
 * gate.resolve(5);
 */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The runtime's entry module, for child-process scripts to import. */
export const CORE_URL = new URL('../../core/index.ts', import.meta.url).href;

/**
 * Runs an ES module `source` (plain JavaScript; it may import `CORE_URL`) in a fresh
 * `node --import tsx` process and resolves with its exit code and output. For behaviour that
 * depends on the whole process's loop running dry (hub.join, LoopExit), which a test must not
 * risk in the shared test process.
 *
 * @example
 * const { stdout } = await runModuleInChild(`import { run } from '${CORE_URL}'; ...`);
 */
export function runModuleInChild(
  source: string,
  timeoutMs = 10_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const args = ['--import', 'tsx', '--input-type=module', '-e', source];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root, timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}
