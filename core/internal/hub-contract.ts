/**
 * What the hub and the greenlets agree on: the run queue's entry modes, the `Park` a waiting
 * greenlet holds, the `Runnable` face of a greenlet, and the observability hooks (switch trace,
 * monitor step watch). Layer: base (re-exported by core/hub.ts, which implements it).
 */

import type { LiveNode } from './live-list.ts';

type Greenlet<T> = import('../greenlet.ts').Greenlet<T>;

export const NEXT = 0;
export const RAISE = 1;
export const KILL = 2;
export const CALL = 3;

/**
 * The park of a greenlet that yielded its turn (`sleep(0)`, a bare `yield`): it waits for its
 * own NEXT entry, which a kill makes stale (see Greenlet._resume).
 */
export const YIELDED: Park = {
  cancelWait() {},
  describeWait: () => 'its turn (sleep(0))',
};

/** What a parked greenlet waits on: the hub cancels it when an exception is thrown in. */
export interface Park {
  /** Withdraws the wait. Returns false when the wait must stay (an async body finishing). */
  cancelWait(): boolean | void;
  /** A short description for diagnostics (`LoopExit`), e.g. `<Queue at 0x1>`. */
  describeWait?(): string;
}

/** The part of a greenlet the hub drives (implemented by `Greenlet`). */
export interface Runnable extends LiveNode {
  _park: Park | null;
  _wakeQueued: boolean;
  _resume(value: unknown, mode: number): void;
  readonly dead: boolean;
  toString(): string;
}

/**
 * A switch trace (gevent's `greenlet.settrace`): called before each greenlet step with
 * `'switch'` (a wake) or `'throw'` (an error or kill thrown in). Set it with `setSwitchTrace`.
 *
 * @example
 * const countSteps: SwitchTrace = (event, greenlet) => steps.set(greenlet, (steps.get(greenlet) ?? 0) + 1);
 */
export type SwitchTrace = (event: 'switch' | 'throw', greenlet: Greenlet<unknown>) => void;

/**
 * @internal What the monitor (core/monitor.ts) hooks into the drain: shared cells it bumps per
 * step, and the call made when the monitor's worker has flagged a blocked hub.
 */
export interface StepWatch {
  /** Shared with the monitor's worker: [STEP_SEQ] the hub bumps, [BLOCKED] the worker sets. */
  readonly cells: Int32Array;
  /** The counter value at the start of the latest step, and who ran it (null: a callback). */
  stepSeq: number;
  stepGreenlet: Greenlet<unknown> | null;
  /** Called after a step when the worker has flagged a block. */
  blockedAfterStep(): void;
}

/** Cells of `StepWatch.cells`: the step counter (bumped at each step's start and end)... */
export const STEP_SEQ = 0;
/** ...and the flag the worker sets when the counter stood still too long. */
export const BLOCKED = 1;
