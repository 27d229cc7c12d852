/**
 * `NameServiceOp`: one name-service call as an Op. Layer: io/resolver.
 *
 * The call starts when a greenlet first iterates the op and parks it; the call's callback wakes
 * the greenlet through the hub. A kill or Timeout thrown in meanwhile cancels the call (a call
 * still queued for a thread is dropped; one already running finishes unobserved), so resolver
 * methods are interruptible like every other blocking call.
 */

import type { Done, NameService } from '../../native/index.ts';
import { MUST_WAIT, WaitOp } from '../internal/wait-op.ts';

/** Starts the call with `done` and returns its request id. */
export type StartCall<T> = (ns: NameService, done: Done<T>) => number;

/** Turns a failed call's `(status, errno)` into the error to raise. */
export type FailureOf = (status: number, errno: number) => Error;

export class NameServiceOp<T> extends WaitOp<T> {
  private id = 0;
  private settled = false;

  constructor(
    private readonly ns: NameService,
    private readonly start: StartCall<T>,
    private readonly failure: FailureOf,
    private readonly what: string,
  ) {
    super();
  }

  protected tryNow(): typeof MUST_WAIT {
    return MUST_WAIT;
  }

  protected enlist(): void {
    this.id = this.start(this.ns, (status, errno, result) => {
      this.settled = true;
      if (status === 0) this.wakeWith(result);
      else this.raiseWith(this.failure(status, errno));
    });
  }

  protected delist(): void {
    if (!this.settled && this.id !== 0) {
      this.settled = true;
      this.ns.cancel(this.id);
    }
  }

  protected describe(): string {
    return this.what;
  }
}
