/**
 * The waits on a greenlet (`join()`, `get()`) and of one (a yielded promise, a `startLater`
 * delay). Layer: scheduler.
 */

import type { Greenlet } from './greenlet.ts';
import { getHub, type Park } from './hub.ts';
import type { LinkWaiter } from './internal/linkable.ts';
import type { TimerEntry } from './internal/timer-heap.ts';
import { MUST_WAIT, WaitOp } from './internal/wait-op.ts';
import { Timeout } from './timeout.ts';

const hub = getHub();

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

/** Waits for a promise a greenlet yielded (or its async body's promise). */
/** @internal */
export class PromisePark implements Park {
  private live = true;
  constructor(
    private readonly g: Greenlet<any>,
    promise: PromiseLike<unknown>,
    readonly isBody: boolean,
  ) {
    promise.then(
      (value) => this.live && hub.wake(g, value),
      (error) => this.live && hub.wakeRaise(g, error),
    );
  }
  cancelWait(): boolean {
    // An async body cannot be interrupted: kill aborts its signal and waits for it to settle.
    if (this.isBody) return false;
    this.live = false;
    return true;
  }
  describeWait(): string {
    return this.isBody ? `the promise of ${this.g}'s async body` : 'a promise';
  }
}

/** @internal A `startLater` delay: schedules the greenlet's first step when it fires. */
export class StartTimer implements TimerEntry {
  at = 0;
  seq = 0;
  cancelled = false;
  ref = true;
  constructor(private readonly g: Greenlet<any>) {}
  fire(): void {
    hub.schedule(this.g);
  }
}
