/**
 * The runtime's error classes, and the spawn-site capture that enriches the stack of an error a
 * greenlet fails with. Layer: core/internal (imports nothing of ours).
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

/** Frames a spawn site keeps, and how many are captured to find them past our own frames. */
const SITE_FRAMES = 4;
const SITE_CAPTURE_LIMIT = 10;
/** This package's core/ directory (source or dist): frames in it are not the caller's code. */
const LIBRARY_DIR = new URL('.', import.meta.url);
const GENERATOR_PLUMBING = /^ {4}at \S+\.(next|throw|return) \(<anonymous>\)$/;
const SPAWN_SITE_HEADER = /\n {4}--- greenlet .* spawned (at|by) /;

/** @internal A captured, not yet formatted, stack (Error.captureStackTrace's target). */
export interface CapturedSite {
  stack?: string;
}

/**
 * @internal Captures where the caller of `skip` is, cheaply: a low `Error.stackTraceLimit` and
 * no formatting (V8 formats `stack` on first read, which `formatSite` does only when needed).
 */
export function captureSite(skip: NewableFunction | ((...args: any[]) => unknown)): CapturedSite {
  const site: CapturedSite = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = SITE_CAPTURE_LIMIT;
  Error.captureStackTrace(site, skip);
  Error.stackTraceLimit = limit;
  return site;
}

/**
 * @internal The first few "    at ..." lines of a captured site outside this package's core/
 * (all of them, up to the bound, when every frame is ours).
 */
export function formatSite(site: CapturedSite): string {
  // Frames only ("    at ..."), without a generator's own `.next (<anonymous>)` plumbing.
  const frames = (site.stack ?? '')
    .split('\n')
    .filter((line) => line.startsWith('    at ') && !GENERATOR_PLUMBING.test(line));
  const outside = frames.filter(
    (line) => !line.includes(LIBRARY_DIR.href) && !line.includes(LIBRARY_DIR.pathname),
  );
  return (outside.length > 0 ? outside : frames).slice(0, SITE_FRAMES).join('\n');
}

/**
 * @internal Appends where the greenlet came from to the stack of `error`, once: with spawn-site
 * tracking, `    --- greenlet <name> spawned at ---` and the site's lines; without it (the cheap
 * default), `    --- greenlet <name> spawned by <spawner> ---`. An error that already carries
 * either (re-raised by another greenlet) is left as it is, and so are errors whose stack cannot
 * be written.
 */
export function appendSpawnSite(
  error: unknown,
  name: string,
  site: string | undefined,
  spawner: string,
): void {
  if (!(error instanceof Error)) return;
  try {
    const stack = error.stack;
    if (typeof stack !== 'string' || SPAWN_SITE_HEADER.test(stack)) return;
    error.stack =
      site === undefined || site === ''
        ? `${stack}\n    --- greenlet ${name} spawned by ${spawner} ---`
        : `${stack}\n    --- greenlet ${name} spawned at ---\n${site}`;
  } catch {
    // a frozen error or a throwing stack accessor: keep the original
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

const DEADLOCK_LINES = 20;

/**
 * @internal LoopExit's message: what the root greenlet waits on, then the other parked
 * greenlets and what each waits on (at most 20 lines, then a count).
 */
export function deadlockMessage(
  hub: string,
  root: string,
  rootWaitsOn: string,
  parked: ReadonlyArray<{ name: string; text: string; waitingOn: string }>,
  liveCount: number,
): string {
  const lines = [
    'This operation would block forever',
    `\tHub: ${hub}`,
    `\t${root} is waiting on ${rootWaitsOn}, and no timer, socket or other greenlet can wake it`,
  ];
  if (parked.length > 0) {
    lines.push(`\tOther greenlets blocked (${parked.length} of ${liveCount} live):`);
    for (const g of parked.slice(0, DEADLOCK_LINES)) {
      lines.push(`\t  ${g.name} ${g.text} is waiting on ${g.waitingOn}`);
    }
    if (parked.length > DEADLOCK_LINES)
      lines.push(`\t  ... and ${parked.length - DEADLOCK_LINES} more`);
  }
  return lines.join('\n');
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
