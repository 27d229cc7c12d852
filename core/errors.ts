/**
 * The runtime's error classes. Layer: core/internal (imports nothing of ours).
 *
 * Every error has a stable `code` and a `name` equal to its class name. The ones thrown on hot
 * paths (GreenletExit, Full, Empty) are created without capturing a stack: a kill or a full
 * queue is control flow, not a bug, and `Error.captureStackTrace` costs about a microsecond.
 */

/** Builds an Error subclass instance without paying for a stack trace. */
export function withoutStack<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Base class of the runtime's own errors. */
export class GeventError extends Error {
  /** A stable machine-readable code, such as `'ERR_LOOP_EXIT'`. */
  readonly code: string = 'ERR_GEVENT';
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Thrown into a greenlet by `kill()` when no other exception is given. A greenlet that ends with
 * it counts as *successful*: its `value` is the GreenletExit and `get()` returns it.
 *
 * @example
 * const g = spawn(function* () { try { yield* sleep(10); } finally { console.log('cleaned up'); } });
 * yield* g.kill(); // g.value instanceof GreenletExit
 */
export class GreenletExit extends GeventError {
  override readonly code: string = 'ERR_GREENLET_EXIT';
  constructor(message = 'GreenletExit') {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/**
 * The main greenlet (the one `run()` started) blocked with nothing left that could wake it.
 * `run()` rejects with it instead of hanging.
 */
export class LoopExit extends GeventError {
  override readonly code: string = 'ERR_LOOP_EXIT';
}

/** A blocking call was made where nothing can block: outside any greenlet, in a hub callback. */
export class BlockingSwitchOutError extends GeventError {
  override readonly code: string = 'ERR_BLOCKING_SWITCH_OUT';
}

/** Two greenlets used an object that allows only one user at a time. */
export class ConcurrentObjectUseError extends GeventError {
  override readonly code: string = 'ERR_CONCURRENT_OBJECT_USE';
}

/** `Queue.putNowait` (or a non-blocking / timed-out put) found the queue full. */
export class Full extends GeventError {
  override readonly code: string = 'ERR_QUEUE_FULL';
  constructor(message = 'queue is full') {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/** `Queue.getNowait` (or a non-blocking / timed-out get) found the queue empty. */
export class Empty extends GeventError {
  override readonly code: string = 'ERR_QUEUE_EMPTY';
  constructor(message = 'queue is empty') {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/** A Pool had no free slot for a non-blocking (or timed-out) `add`/`start`. */
export class PoolFull extends Full {
  override readonly code: string = 'ERR_POOL_FULL';
  constructor(message = 'pool is full') {
    super(message);
  }
}
