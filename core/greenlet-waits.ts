/**
 * The waits on a greenlet: `join()` and `get()`. Layer: scheduler.
 */

import type { Greenlet } from './greenlet.ts';
import type { LinkWaiter } from './internal/linkable.ts';
import { MUST_WAIT, WaitOp } from './internal/wait-op.ts';
import { Timeout } from './timeout.ts';

/** @internal `greenlet.join(timeout)`: wait for death; never raises its exception. */
export class JoinOp extends WaitOp<void> implements LinkWaiter {
  constructor(
    private readonly g: Greenlet<any>,
    timeout: number | null | undefined,
  ) {
    super();
    this.timeoutSeconds = timeout;
  }
  protected tryNow(): void | typeof MUST_WAIT {
    return this.g.dead ? undefined : MUST_WAIT;
  }
  protected enlist(): void {
    this.g._addWaiter(this);
  }
  protected delist(): void {
    this.g._removeWaiter(this);
  }
  linkReady(): void {
    this.wakeWith(undefined);
  }
  protected describe(): string {
    return String(this.g);
  }
}

/** @internal `greenlet.get()`: wait for death, then its value or its exception. */
export class GetOp<T> extends WaitOp<T> implements LinkWaiter {
  constructor(
    private readonly g: Greenlet<T>,
    private readonly block: boolean,
    private readonly timeout: number | null | undefined,
  ) {
    super();
    this.timeoutSeconds = timeout;
  }
  protected tryNow(): T | typeof MUST_WAIT {
    if (this.g.dead) return this.outcome();
    if (!this.block) throw new Timeout(0);
    return MUST_WAIT;
  }
  protected enlist(): void {
    this.g._addWaiter(this);
  }
  protected delist(): void {
    this.g._removeWaiter(this);
  }
  linkReady(): void {
    this.wakeWith(undefined);
  }
  protected override resumed(): T {
    if (this.g.dead) return this.outcome();
    throw new Timeout(this.timeout);
  }
  private outcome(): T {
    if (this.g.successful()) return this.g.value as T;
    throw this.g.exception;
  }
  protected describe(): string {
    return String(this.g);
  }
}
