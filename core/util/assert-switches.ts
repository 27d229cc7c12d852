/**
 * `assertSwitches`: checks that a block of greenlet code yields to the hub (gevent's
 * `util.assert_switches` context manager). Layer: os-facing (gevent-ts/util).
 *
 * Python's `with assert_switches(0.05): body` becomes `yield* assertSwitches(0.05, function* () {
 * body })`: the block is a body function, run in the calling greenlet. The wrapper drives the
 * body's iterator itself, so it sees each switch point (every `yield` the body makes parks the
 * greenlet and hands control to the hub) and times the stretches between them with
 * `performance.now()`. Like gevent, the check only runs when the body returned normally: an
 * exception leaving the body is never hidden.
 */

import { GeventError } from '../errors.ts';
import type { OpLike } from '../greenlet.ts';
import { getHub } from '../hub.ts';

/**
 * Raised by `assertSwitches` when its body did not switch (or blocked longer than allowed).
 * gevent's `util._FailedToSwitch`.
 */
export class FailedToSwitch extends GeventError {
  override readonly code: string = 'ERR_FAILED_TO_SWITCH';
  constructor(
    message: string,
    /** Seconds the body ran without switching (the longest stretch, or since the last switch). */
    readonly blockingTime: number,
    /** The allowance the check was made with (null: the body had to switch at least once). */
    readonly maxBlockingTime: number | null,
    /** Whether only the time since the last switch into the hub was checked. */
    readonly hubOnly: boolean,
    /** How many times the body switched. */
    readonly switches: number,
  ) {
    super(message);
  }
}

/** A block of code for `assertSwitches`: a generator function (or one returning an Op). */
export type SwitchBody<R> = () => OpLike<R>;

/**
 * Runs `body` in the current greenlet and raises `FailedToSwitch` after it if it did not give
 * the hub a turn:
 * - no `maxBlockingTime`: the body must switch at least once;
 * - `maxBlockingTime` (seconds), `hubOnly` false (default): no stretch between the body's
 *   switch points (including from its start to the first, and from the last to its end) may
 *   be longer than `maxBlockingTime` — a body that never switches but finishes in time passes;
 * - `hubOnly` true: when the body ends, its last switch into the hub must be at most
 *   `maxBlockingTime` ago (a body that never switched fails).
 * Returns the body's value. An exception from the body propagates unchecked.
 *
 * @example
 * // Passes: the body sleeps, which switches.
 * yield* assertSwitches(function* () { yield* sleep(0.01); });
 *
 * @example
 * // Raises FailedToSwitch: 80 ms of CPU work without a switch point.
 * yield* assertSwitches(0.05, function* () { busyFor(80); });
 */
export function assertSwitches<R>(body: SwitchBody<R>): Generator<unknown, R, unknown>;
export function assertSwitches<R>(
  maxBlockingTime: number | null | undefined,
  body: SwitchBody<R>,
): Generator<unknown, R, unknown>;
export function assertSwitches<R>(
  maxBlockingTime: number | null | undefined,
  hubOnly: boolean,
  body: SwitchBody<R>,
): Generator<unknown, R, unknown>;
export function assertSwitches<R>(...args: unknown[]): Generator<unknown, R, unknown> {
  const body = args[args.length - 1];
  if (typeof body !== 'function') {
    throw new TypeError(
      'assertSwitches([maxBlockingTime, [hubOnly,]] body): body must be a function',
    );
  }
  const max = args.length >= 2 ? (args[0] as number | null | undefined) : undefined;
  if (max !== undefined && max !== null && !(typeof max === 'number' && max >= 0)) {
    throw new TypeError(
      `assertSwitches: maxBlockingTime must be a number >= 0, got ${String(max)}`,
    );
  }
  const hubOnly = args.length >= 3 ? Boolean(args[1]) : false;
  return checkedRun(body as SwitchBody<R>, max ?? null, hubOnly);
}

/** Timing of one run of a body: its switches and the stretches between them. */
class SwitchClock {
  switches = 0;
  longestStretch = 0;
  readonly startedAt = performance.now();
  private resumedAt = this.startedAt;
  private lastSwitchAt: number | null = null;

  switchedOut(): void {
    const now = performance.now();
    this.switches++;
    this.longestStretch = Math.max(this.longestStretch, now - this.resumedAt);
    this.lastSwitchAt = now;
  }

  resumed(): void {
    this.resumedAt = performance.now();
  }

  /** Closes the last stretch; returns [seconds blocking, whether that is a failure]. */
  finish(max: number | null, hubOnly: boolean): [number, boolean] {
    const now = performance.now();
    this.longestStretch = Math.max(this.longestStretch, now - this.resumedAt);
    if (max === null) return [this.longestStretch / 1000, this.switches === 0];
    if (hubOnly) {
      if (this.lastSwitchAt === null) return [(now - this.startedAt) / 1000, true];
      const since = (now - this.lastSwitchAt) / 1000;
      return [since, since > max];
    }
    return [this.longestStretch / 1000, this.longestStretch / 1000 > max];
  }
}

function* checkedRun<R>(
  body: SwitchBody<R>,
  max: number | null,
  hubOnly: boolean,
): Generator<unknown, R, unknown> {
  const clock = new SwitchClock();
  const it = body()[Symbol.iterator]();
  let finished = false;
  try {
    let step = it.next();
    while (!step.done) {
      clock.switchedOut();
      let resumeWith: unknown;
      try {
        resumeWith = yield step.value;
      } catch (error) {
        clock.resumed();
        step = throwInto(it, error);
        continue;
      }
      clock.resumed();
      step = it.next(resumeWith);
    }
    finished = true;
    const [blocking, failed] = clock.finish(max, hubOnly);
    if (failed) throw failure(blocking, max, hubOnly, clock);
    return step.value;
  } finally {
    // Only when this wrapper itself was closed early (return()) while the body was parked.
    if (!finished) it.return?.();
  }
}

function throwInto<R>(
  it: Iterator<unknown, R, unknown>,
  error: unknown,
): IteratorResult<unknown, R> {
  if (typeof it.throw !== 'function') throw error;
  return it.throw(error);
}

function failure(
  blocking: number,
  max: number | null,
  hubOnly: boolean,
  clock: SwitchClock,
): FailedToSwitch {
  const total = (performance.now() - clock.startedAt) / 1000;
  let message = `${hubOnly ? 'To the hub' : 'To any greenlet'} in ${blocking.toFixed(4)} seconds`;
  if (max !== null) message += ` (max allowed ${max.toFixed(4)} seconds)`;
  message += `\n\tthe body switched ${clock.switches} time(s) in ${total.toFixed(4)} seconds`;
  message += `\n\tin ${String(getHub().current ?? 'the hub (plain code)')}`;
  return new FailedToSwitch(message, blocking, max, hubOnly, clock.switches);
}
