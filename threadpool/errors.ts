/**
 * The thread pool's errors, and the clone-safe form in which a task's exception crosses from a
 * worker thread back to the pool. Layer: threadpool (shared by both sides; imports only
 * core/errors.ts, which imports nothing).
 *
 * Structured clone keeps an Error's message and stack but drops its own properties (`code`,
 * `errno`...), its `cause` chain and any class name it does not know. So a worker turns the
 * exception into a plain record (`serializeError`) and the pool builds an Error again
 * (`rebuildError`): same constructor for the built-in kinds, same `name`, `message`, the
 * worker-side `stack`, own properties and `cause`.
 */

import { GeventError } from '../core/errors.ts';

/**
 * `spawn` on a pool that was closed, or a task dropped because the pool was killed.
 *
 * @example
 * pool.kill();
 * yield* r.wait(); // r.exception instanceof ThreadPoolClosed
 */
export class ThreadPoolClosed extends GeventError {
  override readonly code: string = 'ERR_THREADPOOL_CLOSED';
}

/**
 * The worker thread running the task exited (`process.exit()` in the task, a fatal error, or
 * it was terminated). Only the task that was running fails; the pool replaces the thread.
 *
 * @example
 * const r = pool.spawn(() => process.exit(3));
 * yield* r.wait(); // (r.exception as WorkerExited).exitCode === 3
 */
export class WorkerExited extends GeventError {
  override readonly code: string = 'ERR_WORKER_EXITED';
  /** The thread's exit code, when known. */
  readonly exitCode: number | null;
  constructor(message: string, options: ErrorOptions & { exitCode?: number | null } = {}) {
    super(message, options);
    this.exitCode = options.exitCode ?? null;
  }
}

/**
 * `Future.result()` on a future that was cancelled (concurrent.futures.CancelledError).
 *
 * @example
 * if (future.cancel()) yield* future.result(); // raises CancelledError
 */
export class CancelledError extends GeventError {
  override readonly code: string = 'ERR_FUTURE_CANCELLED';
}

/**
 * `Future.result(timeout)` ran out of time (concurrent.futures.TimeoutError).
 *
 * @example
 * try { yield* future.result(0.5); } catch (e) { if (!(e instanceof TimeoutError)) throw e; }
 */
export class TimeoutError extends GeventError {
  override readonly code: string = 'ERR_FUTURE_TIMEOUT';
}

/** An exception as it travels between threads. */
export interface SerializedError {
  name: string;
  message: string;
  stack: string | undefined;
  /** Own properties other than name/message/stack (each cloneable, else its String()). */
  props: Record<string, unknown>;
  /** `[cause]` when the error had one (a nested SerializedError for an Error cause). */
  cause?: [unknown, boolean];
  /** AggregateError's errors. */
  errors?: Array<[unknown, boolean]>;
}

const MAX_DEPTH = 8;

/** Turns `error` into a record that survives structured clone. */
export function serializeError(error: Error, depth = 0): SerializedError {
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue;
    props[key] = cloneable((error as unknown as Record<string, unknown>)[key]);
  }
  const out: SerializedError = {
    name: String(error.name),
    message: String(error.message),
    stack: typeof error.stack === 'string' ? error.stack : undefined,
    props,
  };
  if ('cause' in error && depth < MAX_DEPTH) out.cause = serializeValue(error.cause, depth + 1);
  if (error instanceof AggregateError && depth < MAX_DEPTH) {
    out.errors = error.errors.map((e) => serializeValue(e, depth + 1));
  }
  return out;
}

/** `[value, isSerializedError]` */
function serializeValue(value: unknown, depth: number): [unknown, boolean] {
  return value instanceof Error ? [serializeError(value, depth), true] : [cloneable(value), false];
}

function cloneable(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' ? String(value) : value;
  }
  try {
    return structuredClone(value);
  } catch {
    return String(value);
  }
}

const BUILTIN: Record<string, new (message?: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
};

/** Builds the Error again on this side (without capturing a stack here: the worker's is kept). */
export function rebuildError(data: SerializedError): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let error: Error;
  try {
    if (data.errors !== undefined) {
      error = new AggregateError(data.errors.map(rebuildValue), data.message);
    } else {
      const Ctor = BUILTIN[data.name] ?? Error;
      error = new Ctor(data.message);
    }
  } finally {
    Error.stackTraceLimit = limit;
  }
  if (error.name !== data.name) {
    Object.defineProperty(error, 'name', { value: data.name, writable: true, configurable: true });
  }
  Object.defineProperty(error, 'stack', {
    value: data.stack ?? `${data.name}: ${data.message}`,
    writable: true,
    configurable: true,
  });
  Object.assign(error, data.props);
  if (data.cause !== undefined) {
    Object.defineProperty(error, 'cause', {
      value: rebuildValue(data.cause),
      writable: true,
      configurable: true,
    });
  }
  return error;
}

function rebuildValue([value, isError]: [unknown, boolean]): unknown {
  return isError ? rebuildError(value as SerializedError) : value;
}

const NOT_DEFINED = /^(\S+) is not defined$/;

/**
 * Rewrites the ReferenceError a shipped function raises when it uses a variable of the scope it
 * was written in: such a function runs from its source text alone. Other errors pass unchanged.
 */
export function explainClosure(error: unknown, fnName: string): unknown {
  if (!(error instanceof ReferenceError)) return error;
  const match = NOT_DEFINED.exec(error.message);
  if (match === null) return error;
  const name = match[1];
  const fn = fnName === '' ? 'the function' : `function ${fnName}`;
  const message =
    `${name} is not defined in the worker thread: ${fn} was sent to the thread pool as source ` +
    `text and runs there without the variables around it (its closure). Pass ${name} as an ` +
    'argument, require() or import() it inside the function, or put the code in a module and ' +
    'use task(moduleUrl, exportName)';
  const explained = new ReferenceError(message, { cause: error });
  const frames = (error.stack ?? '').split('\n').slice(1).join('\n');
  explained.stack = `ReferenceError: ${message}\n${frames}`;
  (explained as ReferenceError & { code?: string }).code = 'ERR_TASK_CLOSURE';
  return explained;
}

/** Node's DataCloneError: a value that cannot be copied to another thread. */
export function isDataCloneError(error: unknown): boolean {
  return error instanceof Error && error.name === 'DataCloneError';
}
