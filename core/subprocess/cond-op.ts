/**
 * `CondOp`: a WaitOp that waits until a condition over some Node-side state holds (data in a
 * pipe, a drained write, a child's exit), and `Signal`, the list of ops a piece of state pokes
 * when it changes. Layer: os-facing (core/subprocess), on core's WaitOp.
 *
 * The condition is a `poll()` function returning the op's result or MUST_WAIT. It runs when the
 * op starts, and again on each `Signal.notify()` (in hub context, from a stream or child event);
 * the first non-MUST_WAIT result (or error) wakes the greenlet through the hub's run queue. A
 * kill or Timeout thrown in leaves the signals' lists (WaitOp's cancelWait) and calls `abandon`.
 */

import { MUST_WAIT, WaitOp } from '../internal/wait-op.ts';

export { MUST_WAIT };

/** The ops waiting on one piece of state. */
export class Signal {
  private waiters: CondOp<any>[] = [];

  /** Re-checks every waiting op's condition (called when the state changed). */
  notify(): void {
    const waiters = this.waiters;
    if (waiters.length === 0) return;
    for (const op of waiters.length === 1 ? waiters : waiters.slice()) op.check();
  }

  /** @internal */
  add(op: CondOp<any>): void {
    this.waiters.push(op);
  }

  /** @internal */
  remove(op: CondOp<any>): void {
    const i = this.waiters.indexOf(op);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  get size(): number {
    return this.waiters.length;
  }
}

export interface CondOpSpec<T> {
  /** The result, or MUST_WAIT. May throw: the error is raised in the waiting greenlet. */
  poll(): T | typeof MUST_WAIT;
  /** The state this op waits on. */
  signals: Signal[];
  /** Seconds before `expire` runs; undefined/null waits forever. */
  timeout?: number | null | undefined;
  /** The timeout expired: the error to raise in the waiting greenlet. */
  expire?(): unknown;
  /** The op stopped waiting without a result (timeout, kill, Timeout). */
  abandon?(): void;
  /** For diagnostics (LoopExit). */
  describe(): string;
}

/** Waits for `spec.poll()` to produce a result. */
export class CondOp<T> extends WaitOp<T> {
  private enlisted = false;

  constructor(private readonly spec: CondOpSpec<T>) {
    super();
    this.timeoutSeconds = spec.timeout;
  }

  /** @internal Re-runs the condition after a state change. */
  check(): void {
    if (!this.waiting) return;
    let result: T | typeof MUST_WAIT;
    try {
      result = this.spec.poll();
    } catch (error) {
      this.delist();
      this.raiseWith(error);
      return;
    }
    if (result === MUST_WAIT) return;
    this.delist();
    this.wakeWith(result);
  }

  override cancelWait(): void {
    super.cancelWait();
    this.spec.abandon?.();
  }

  protected tryNow(): T | typeof MUST_WAIT {
    return this.spec.poll();
  }

  protected enlist(): void {
    this.enlisted = true;
    for (const signal of this.spec.signals) signal.add(this);
  }

  protected delist(): void {
    if (!this.enlisted) return;
    this.enlisted = false;
    for (const signal of this.spec.signals) signal.remove(this);
  }

  protected override onTimeout(): void {
    this.spec.abandon?.();
    this.raiseWith(this.spec.expire?.() ?? new Error(`${this.spec.describe()} timed out`));
  }

  protected describe(): string {
    return this.spec.describe();
  }
}
