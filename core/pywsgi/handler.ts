/**
 * The greenlet that serves one request: calls the application, sends what it returns, turns an
 * exception into a 500 (reported through the hub, as gevent's `handle_error`), discards an
 * unread body so the connection can carry the next request, and writes the access-log line.
 * Layer: io (pywsgi).
 */

import { performance } from 'node:perf_hooks';
import { GreenletExit } from '../errors.ts';
import { Greenlet, type Op } from '../greenlet.ts';
import { getHub } from '../hub.ts';
import { isThenable } from '../internal/validators.ts';
import { until } from '../wait.ts';
import { formatAccessLine, type LineLog } from './access-log.ts';
import { ClientDisconnected } from './errors.ts';
import type { Request } from './request.ts';
import type { Body, Response, StartResponse } from './response.ts';

const hub = getHub();

/**
 * A WSGI application: called with the request and `startResponse` in a greenlet of its own.
 * A generator function may block cooperatively (`yield* sleep(1)`, `yield* queue.get()`); a plain
 * function runs in one step; an async function is awaited. It returns the body.
 *
 * @example
 * const app: App = function* (request, startResponse) {
 *   const job = yield* jobs.get({ timeout: 5 });   // blocks this request only
 *   startResponse('200 OK', [['Content-Type', 'application/json']]);
 *   return [JSON.stringify(job)];
 * };
 */
export type App = (
  request: Request,
  startResponse: StartResponse,
) => Body | Generator<unknown, Body, unknown> | PromiseLike<Body>;

/** What the handler needs from its server. */
export interface RequestHost {
  readonly application: App;
  readonly accessLog: LineLog | null;
  /** Whether the application is a generator function (see `isGeneratorFunction`). */
  readonly appIsGeneratorFunction: boolean;
  /** Called once the request is done (the greenlet is about to die). */
  requestDone(g: RequestGreenlet): void;
}

/**
 * Whether `app` is a generator function (bound ones included): then the generator it returns
 * is the greenlet's body, and only that body's return value is the response body. Any other
 * function's return value *is* the response body, a generator of chunks included.
 */
export function isGeneratorFunction(app: unknown): boolean {
  return Object.prototype.toString.call(app) === '[object GeneratorFunction]';
}

/** The greenlet serving one request. */
export class RequestGreenlet extends Greenlet<void> {
  private readonly startedAt: number;
  /** @internal Links in the server's list of running requests (see RequestList). */
  _prev: RequestGreenlet | null = null;
  /** @internal */
  _next: RequestGreenlet | null = null;
  /** @internal Whether the greenlet is in a RequestList. */
  _listed = false;

  constructor(
    private readonly host: RequestHost,
    readonly request: Request,
    readonly response: Response,
  ) {
    super();
    this.startedAt = host.accessLog === null ? 0 : performance.now();
  }

  /**
   * The body. A plain application with a body of known length is served in this one step, with
   * no generator at all (the common case, and the cheapest). Anything that may block — a
   * generator function application, a promise, an iterable body — continues in `serveBlocking`.
   */
  protected override _run(): unknown {
    const { request, response, host } = this;
    if (host.appIsGeneratorFunction) return this.serveBlocking(undefined, false);
    let done = true;
    try {
      const body = host.application(request, response.startResponse);
      if (isThenable(body)) {
        done = false;
        return this.serveBlocking(body, true);
      }
      const sending = response.finish(body);
      if (sending !== null) {
        done = false;
        return this.serveBlocking(sending, false);
      }
    } catch (error) {
      this.failed(error);
    } finally {
      if (done) this.cleanUp();
    }
    return undefined;
  }

  /**
   * The blocking part: `pending` is a promise of the body (`isPromise`), an Op that sends the
   * body, or nothing yet (a generator function application, called here).
   */
  private *serveBlocking(pending: unknown, isPromise: boolean): Generator<unknown, void, unknown> {
    const { request, response, host } = this;
    try {
      let sending = pending as Op<void> | null;
      if (pending === undefined || isPromise) {
        let body: unknown;
        if (isPromise) body = yield* until(pending as PromiseLike<Body>);
        else
          body = yield* host.application(request, response.startResponse) as Generator<
            unknown,
            Body,
            unknown
          >;
        sending = response.finish(body);
      }
      if (sending !== null) yield* sending;
    } catch (error) {
      this.failed(error);
    } finally {
      this.cleanUp();
    }
  }

  private cleanUp(): void {
    this.request._inputIfUsed?.discard();
    this.host.requestDone(this);
    this.logAccess();
  }

  private failed(error: unknown): void {
    const response = this.response;
    if (error instanceof GreenletExit) {
      response.raw.destroy();
      throw error;
    }
    if (error instanceof ClientDisconnected || response.raw.destroyed) {
      response.raw.destroy();
      return;
    }
    hub.reportError(this, error);
    response.sendError(500, 'Internal Server Error');
  }

  private logAccess(): void {
    const log = this.host.accessLog;
    if (log === null) return;
    const request = this.request;
    const raw = this.response.raw;
    const status = raw.destroyed && !raw.writableFinished ? '000' : this.response.code || '000';
    // Bytes sent, headers included, as gevent counts them (node keeps the head it sent in _header).
    const head = (raw as unknown as { _header?: string | null })._header?.length ?? 0;
    const seconds = (performance.now() - this.startedAt) / 1000;
    const line = formatAccessLine(
      request.remoteAddr,
      request.requestLine,
      status,
      head + this.response.bytesWritten,
      seconds,
    );
    log.write(line);
  }

  override toString(): string {
    return `<RequestGreenlet at 0x${this.minimalIdent.toString(16)}: ${this.request}>`;
  }
}

/**
 * The server's running requests: an intrusive doubly linked list (O(1) add and delete with no
 * hashing, unlike a Set: this is on every request's path).
 */
export class RequestList {
  private head: RequestGreenlet | null = null;
  size = 0;

  add(g: RequestGreenlet): void {
    g._listed = true;
    g._prev = null;
    g._next = this.head;
    if (this.head !== null) this.head._prev = g;
    this.head = g;
    this.size++;
  }

  delete(g: RequestGreenlet): void {
    if (!g._listed) return;
    g._listed = false;
    if (g._prev !== null) g._prev._next = g._next;
    else this.head = g._next;
    if (g._next !== null) g._next._prev = g._prev;
    g._prev = g._next = null;
    this.size--;
  }

  has(g: unknown): boolean {
    return g instanceof RequestGreenlet && g._listed;
  }

  toArray(): RequestGreenlet[] {
    const out: RequestGreenlet[] = [];
    for (let g = this.head; g !== null; g = g._next) out.push(g);
    return out;
  }
}
