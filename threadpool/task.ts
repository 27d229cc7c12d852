/**
 * What the pool runs: a shipped function or a module export (`task()`), and the pool-side record
 * of one submitted call. Layer: threadpool (main thread).
 *
 * A function is shipped as its source text, checked here once (natives, bound functions and
 * classes are refused at once) and given a small id; workers compile it once and cache it by
 * that id. Each ref keeps a running average of how long its calls take in the worker: only
 * calls known to be short are batched together, so a long task never waits behind others.
 */

import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TransferListItem } from 'node:worker_threads';
import type { AsyncResult } from '../core/index.ts';
import { isMoved } from './move.ts';
import type { RefSpec } from './protocol.ts';

let lastRefId = 0;

/** The code of a task: where a worker finds it, and how long its calls have taken. */
export class CodeRef {
  /** Average run time in ms of recent calls; undefined before the first result. */
  averageMs: number | undefined = undefined;
  constructor(readonly spec: RefSpec) {}

  /** Feeds one run time into the average. */
  observe(ms: number): void {
    const avg = this.averageMs;
    this.averageMs = avg === undefined ? ms : avg * 0.75 + ms * 0.25;
  }
}

/**
 * A reference to a function exported by a module, to run on the pool: what to use for code that
 * imports things or is too big to ship as one self-contained function.
 */
export class TaskRef<A extends unknown[] = unknown[], R = unknown> {
  /** @internal */
  readonly ref: CodeRef;
  /** @internal Types only: the call signature this ref stands for. */
  declare readonly __signature?: (...args: A) => R;
  constructor(
    readonly moduleUrl: string,
    readonly exportName: string,
  ) {
    this.ref = new CodeRef({ kind: 'module', id: ++lastRefId, url: moduleUrl, exportName });
  }
  toString(): string {
    return `task(${this.moduleUrl}#${this.exportName})`;
  }
}

/**
 * Names a function exported by a module, to run on the pool. `moduleUrl` must be absolute: a
 * `file:` URL (usually `new URL('./work.ts', import.meta.url)`) or an absolute path. The module
 * is imported once per worker thread.
 *
 * @example
 * const hash = task<[string], string>(new URL('./hash.ts', import.meta.url), 'sha256');
 * const digest = yield* pool.apply(hash, ['some text']);
 */
export function task<A extends unknown[] = unknown[], R = unknown>(
  moduleUrl: string | URL,
  exportName = 'default',
): TaskRef<A, R> {
  let url: string;
  if (moduleUrl instanceof URL) url = moduleUrl.href;
  else if (typeof moduleUrl === 'string' && isAbsolute(moduleUrl))
    url = pathToFileURL(moduleUrl).href;
  else if (typeof moduleUrl === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(moduleUrl)) url = moduleUrl;
  else {
    throw new TypeError(
      `task(moduleUrl): moduleUrl must be a URL or an absolute path, got ${JSON.stringify(moduleUrl)} ` +
        "(use new URL('./module.ts', import.meta.url))",
    );
  }
  if (typeof exportName !== 'string' || exportName === '') {
    throw new TypeError('task(moduleUrl, exportName): exportName must be a non-empty string');
  }
  return new TaskRef<A, R>(url, exportName);
}

const shipped = new WeakMap<Function, CodeRef>();
const bySource = new Map<string, CodeRef>();
const MAX_SOURCES = 4096;

/** The ref for a function or a TaskRef; throws TypeError (naming `what`) for anything else. */
export function refFor(fn: unknown, what: string): CodeRef {
  if (fn instanceof TaskRef) return fn.ref;
  if (typeof fn !== 'function') {
    throw new TypeError(`${what} must be a function or a task(), got ${describe(fn)}`);
  }
  let ref = shipped.get(fn);
  if (ref === undefined) {
    // An inline arrow is a new function object on every call: share the ref by source text.
    const source = Function.prototype.toString.call(fn);
    ref = bySource.get(source);
    if (ref === undefined) {
      const expr = expressionOf(fn, source, what);
      ref = new CodeRef({ kind: 'fn', id: ++lastRefId, expr, name: fn.name });
      if (bySource.size >= MAX_SOURCES) bySource.clear();
      bySource.set(source, ref);
    }
    shipped.set(fn, ref);
  }
  return ref;
}

/** Source text that evaluates to the function, checked for syntax here. */
function expressionOf(fn: Function, source: string, what: string): string {
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new TypeError(
      `${what}: ${fn.name || 'the function'} is native or bound and cannot be sent to a worker ` +
        'thread as source; pass a plain function (arguments go to spawn) or use task()',
    );
  }
  if (/^class\b/.test(source)) {
    throw new TypeError(`${what}: a class cannot be run as a task; pass a function`);
  }
  if (parses(`return (${source});`)) return source;
  // Method shorthand (`name(a) { ... }`) is not an expression on its own.
  const asMethod = `Object.values({ ${source} })[0]`;
  if (parses(`return (${asMethod});`)) return asMethod;
  throw new TypeError(`${what}: the source of ${fn.name || 'the function'} cannot be compiled`);
}

function parses(body: string): boolean {
  try {
    new Function(body);
    return true;
  } catch {
    return false;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}

export const TASK_QUEUED = 0;
export const TASK_DISPATCHED = 1;
export const TASK_FINISHED = 2;
export const TASK_CANCELLED = 3;

/** One submitted call and the AsyncResult it settles. */
export class Task {
  state = TASK_QUEUED;
  /** The batch it was sent in while dispatched; null otherwise. */
  batch: { id: number } | null = null;
  /** Index in that batch. */
  index = 0;
  /** Send alone (its batch could not be cloned: find which task is at fault). */
  solo = false;
  /** Dispatch attempts that ended with its worker dying before it started. */
  attempts = 0;
  constructor(
    readonly ref: CodeRef,
    readonly args: unknown[],
    readonly transfer: TransferListItem[] | null,
    readonly result: AsyncResult<any>,
  ) {}
}

/** Unwraps `move()`d arguments (a copy of `args` only when one is found). */
export function unwrapArgs(args: unknown[]): [unknown[], TransferListItem[] | null] {
  let transfer: TransferListItem[] | null = null;
  let out = args;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!isMoved(arg)) continue;
    if (out === args) out = args.slice();
    out[i] = arg.value;
    transfer = transfer === null ? [...arg.transferList] : transfer.concat(arg.transferList);
  }
  return [out, transfer];
}

/** FIFO of queued tasks: O(1) push/shift, cancelled tasks skipped lazily, re-queue at the front. */
export class TaskQueue {
  private items: Task[] = [];
  private head = 0;
  /** Queued tasks that are not cancelled. */
  live = 0;

  push(t: Task): void {
    this.items.push(t);
    this.live++;
  }

  /** Puts `tasks` back at the front, in their order (they come before anything queued). */
  unshiftAll(tasks: Task[]): void {
    if (tasks.length === 0) return;
    this.items = tasks.concat(this.items.slice(this.head));
    this.head = 0;
    this.live += tasks.length;
  }

  /** A queued task was cancelled (it stays in place and is skipped). */
  cancelled(): void {
    this.live--;
  }

  peek(): Task | undefined {
    this.skipCancelled();
    return this.items[this.head];
  }

  shift(): Task | undefined {
    this.skipCancelled();
    const t = this.items[this.head];
    if (t === undefined) return undefined;
    this.items[this.head++] = undefined as never;
    this.live--;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return t;
  }

  /** Takes every live task out. */
  drain(): Task[] {
    const out = this.items.slice(this.head).filter((t) => t.state === TASK_QUEUED);
    this.items = [];
    this.head = 0;
    this.live = 0;
    return out;
  }

  private skipCancelled(): void {
    const items = this.items;
    while (this.head < items.length && items[this.head]!.state !== TASK_QUEUED) {
      items[this.head++] = undefined as never;
    }
  }
}
