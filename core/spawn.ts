/**
 * spawn and friends: the functions that make greenlets, and getcurrent/kill. Layer: scheduler.
 */

import { type AnyFn, type BodyResult, Greenlet } from './greenlet.ts';
import { getHub } from './hub.ts';
import { validateFunction, validateSeconds } from './internal/validators.ts';

const hub = getHub();

/**
 * Creates a greenlet running `fn(...args)` and schedules it; it runs once the caller yields.
 *
 * @example
 * const jobs = ['a', 'b'].map((name) => spawn(function* () { yield* sleep(0.1); return name; }));
 * yield* joinall(jobs, { timeout: 2 });
 */
export function spawn<F extends AnyFn>(
  fn: F,
  ...args: Parameters<F>
): Greenlet<BodyResult<ReturnType<F>>> {
  validateFunction(fn, 'spawn(fn)');
  const g = new Greenlet<BodyResult<ReturnType<F>>>(fn, ...args);
  g.start();
  return g;
}

/** Like `spawn`, but starts the greenlet after `seconds`. */
export function spawnLater<F extends AnyFn>(
  seconds: number,
  fn: F,
  ...args: Parameters<F>
): Greenlet<BodyResult<ReturnType<F>>> {
  validateSeconds(seconds, 'spawnLater(seconds)');
  validateFunction(fn, 'spawnLater(seconds, fn)');
  const g = new Greenlet<BodyResult<ReturnType<F>>>(fn, ...args);
  g.startLater(seconds);
  return g;
}

/**
 * gevent's `spawn_raw`. Here a greenlet's own tracking (its spawner, the hub's live list) costs
 * next to nothing and spawn-site capture follows `config.trackSpawnSites` either way, so this is
 * `spawn` under gevent's name (kept so ported code reads the same).
 *
 * @example
 * const g = spawnRaw(function* () { yield* sleep(0.1); });
 */
export const spawnRaw = spawn;

/** The running greenlet, or the hub when called outside any greenlet. */
export function getcurrent(): Greenlet<unknown> | ReturnType<typeof getHub> {
  return (hub.current as Greenlet<unknown> | null) ?? hub;
}

/** Kills `greenlet` asynchronously (gevent's `gevent.kill`): does not wait for it to die. */
export function kill(greenlet: Greenlet<any>, exception?: unknown): void {
  greenlet.kill(exception, { block: false });
}
