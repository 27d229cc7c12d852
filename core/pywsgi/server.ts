/**
 * WSGIServer: gevent's pywsgi server on node:http — Node's own HTTP/1.1 parser (llhttp), keep-
 * alive, pipelining, chunked bodies both ways, TCP_NODELAY, the slowloris timeouts of node:http
 * (head, whole request, keep-alive idle) — with each request's application running in a
 * greenlet of its own. Layer: io (pywsgi).
 *
 * Pipelined requests each get their greenlet as soon as node parses them, up to a few per
 * connection at once (pipeline.ts); node sends the responses in request order. Requests that break the limits are answered here without
 * running the application (400/408/414/431, see client-errors.ts).
 */

import cluster from 'node:cluster';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { Event } from '../event.ts';
import { getHub } from '../hub.ts';
import { validateFunction, validateTimeout } from '../internal/validators.ts';
import { hostOf, portOf } from '../io/address.ts';
import { KILL_GRACE } from '../io/base-server.ts';
import { spawn } from '../spawn.ts';
import { joinall, until, withTimeout } from '../wait.ts';
import { formatAccessLine, type LineLog } from './access-log.ts';
import { answerClientError, REASONS } from './client-errors.ts';
import { ClusterSupervisor, leaveCluster, wireClusterWorker } from './cluster.ts';
import {
  type App,
  isGeneratorFunction,
  RequestGreenlet,
  type RequestHost,
  RequestList,
} from './handler.ts';
import {
  boundAddress,
  type ListenTarget,
  listenOn,
  parseWSGIListener,
  type WSGIListener,
} from './listener.ts';
import { resolveOptions, type ServerSettings, type WSGIServerOptions } from './options.ts';
import { enterConnection, leaveConnection, takeHeld } from './pipeline.ts';
import { Request, type ServerFacts } from './request.ts';
import { Response } from './response.ts';

const hub = getHub();

/**
 * An HTTP/1.1 server running a WSGI-style application, a greenlet per request.
 *
 * @example
 * import { run } from 'gevent-ts';
 * import { WSGIServer } from 'gevent-ts/pywsgi';
 * await run(function* () {
 *   const server = new WSGIServer(['127.0.0.1', 8088], function* (request, startResponse) {
 *     if (request.path !== '/') {
 *       startResponse('404 Not Found', [['Content-Type', 'text/plain']]);
 *       return ['Not Found\n'];
 *     }
 *     startResponse('200 OK', [['Content-Type', 'text/plain']]);
 *     return ['hello world\n'];
 *   });
 *   server.stopOnSignals();         // SIGTERM/SIGINT: graceful stop
 *   yield* server.serveForever();
 * });
 */
export class WSGIServer implements RequestHost {
  readonly application: App;
  readonly appIsGeneratorFunction: boolean;
  readonly accessLog: LineLog | null;
  readonly errorLog: LineLog | null;
  /** Seconds `stop()` lets running requests finish before killing them. */
  stopTimeout: number;
  /** The node:http (or https) server, once started (null in a cluster primary). */
  httpServer: Server | null = null;
  private readonly settings: ServerSettings;
  private readonly target: ListenTarget;
  private readonly active = new RequestList();
  private readonly waiting: RequestGreenlet[] = [];
  /** Pipelined requests waiting for their connection's turn (see pipeline.ts). */
  private held = 0;
  private readonly stoppedEvent = new Event();
  private readonly drained = new Event();
  private facts: ServerFacts | null = null;
  private supervisor: ClusterSupervisor | null = null;
  private closedPromise: Promise<void> | null = null;
  /** The greenlet running `stop()`, when it is itself a request (it does not wait for itself). */
  private stopper: unknown = null;
  private isStarted = false;
  private isClosed = false;
  private stopping = false;

  constructor(listener: WSGIListener, application: App, options: WSGIServerOptions = {}) {
    validateFunction(application, 'application');
    this.target = parseWSGIListener(listener);
    this.application = application;
    this.appIsGeneratorFunction = isGeneratorFunction(application);
    this.settings = resolveOptions(options);
    this.accessLog = this.settings.log;
    this.errorLog = this.settings.errorLog;
    this.stopTimeout = this.settings.stopTimeout;
  }

  get started(): boolean {
    return this.isStarted && !this.isClosed;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The bound address: `[host, port]` or a Unix path (the requested one before `start()`). */
  get address(): [string, number] | string {
    if (this.supervisor !== null) return boundAddress(this.supervisor.address, this.target);
    return boundAddress(this.httpServer?.address() ?? null, this.target);
  }

  get serverHost(): string {
    return hostOf(this.address);
  }

  get serverPort(): number {
    return portOf(this.address);
  }

  /** The processes serving: the cluster workers' pids in a primary, else this process's. */
  get workerPids(): number[] {
    return this.supervisor?.pids ?? [process.pid];
  }

  /** Requests whose application is running or waiting for a slot (`spawn`, pipelining). */
  get activeRequests(): number {
    return this.active.size + this.waiting.length + this.held;
  }

  /** Binds and starts serving (in a cluster primary: starts the workers). */
  *start(): Generator<unknown, void, unknown> {
    if (this.isClosed) throw new Error(`${this} is closed and cannot be started again`);
    if (this.isStarted) return;
    if (this.settings.workers > 1 && cluster.isPrimary) {
      this.supervisor = new ClusterSupervisor(this.settings);
      yield* this.supervisor.start();
      this.isStarted = true;
      return;
    }
    const server = this.createServer();
    yield* listenOn(server, this.target, this.settings.backlog);
    this.httpServer = server;
    this.facts = this.makeFacts();
    this.isStarted = true;
    if (cluster.isWorker) wireClusterWorker(this);
  }

  /** Starts (if needed) and waits until the server is closed, or stopped (after the drain). */
  *serveForever(): Generator<unknown, void, unknown> {
    if (!this.isStarted) yield* this.start();
    yield* this.stoppedEvent.wait();
  }

  /** Waits until the server has stopped (or was closed); false if `timeout` seconds pass first. */
  waitStopped(timeout?: number | null): Generator<unknown, boolean, unknown> {
    return this.stoppedEvent.wait(timeout) as Generator<unknown, boolean, unknown>;
  }

  /**
   * Stops accepting at once and closes idle keep-alive connections; running requests go on.
   * Responses sent from now on carry `Connection: close`.
   */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.supervisor?.close();
    const server = this.httpServer;
    if (server !== null) {
      this.closedPromise = new Promise((resolve) => server.close(() => resolve()));
      for (const g of this.active.toArray())
        if (!g.response.raw.headersSent) g.response.raw.shouldKeepAlive = false;
    }
    if (!this.stopping) this.stoppedEvent.set();
  }

  /**
   * Graceful stop: stop accepting at once, close idle keep-alive connections, let running
   * requests finish for up to `timeout` seconds (default `stopTimeout`), then kill their
   * greenlets and close every connection left.
   */
  *stop(timeout?: number | null): Generator<unknown, void, unknown> {
    const seconds = validateTimeout(timeout) ?? this.stopTimeout;
    if (this.stopping) {
      yield* this.stoppedEvent.wait();
      return;
    }
    this.stopping = true;
    this.close();
    try {
      if (this.supervisor !== null) yield* this.supervisor.stop(seconds);
      else yield* this.drain(seconds);
    } finally {
      this.stoppedEvent.set();
    }
  }

  private *drain(seconds: number): Generator<unknown, void, unknown> {
    this.stopper = hub.current;
    if (this.othersRunning() > 0) {
      this.drained.clear();
      if (!(yield* this.drained.wait(seconds))) yield* this.killRemaining(KILL_GRACE);
    }
    this.httpServer?.closeAllConnections();
    if (this.closedPromise !== null)
      yield* withTimeout(seconds + 1, until(this.closedPromise), { timeoutValue: undefined });
    leaveCluster();
  }

  /**
   * Makes `signals` (default SIGTERM and SIGINT) stop the server gracefully, once. Returns a
   * function that removes the handlers.
   *
   * @example
   * server.stopOnSignals(); // Ctrl-C drains the server instead of killing the process
   */
  stopOnSignals(
    signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
    options: { timeout?: number } = {},
  ): () => void {
    const remove = () => {
      for (const signal of signals) process.off(signal, onSignal);
    };
    const onSignal = () => {
      remove();
      spawn(function* stopOnSignal(this: void, server: WSGIServer) {
        yield* server.stop(options.timeout);
      }, this);
    };
    for (const signal of signals) process.on(signal, onSignal);
    this.stoppedEvent.rawlink(remove);
    return remove;
  }

  /** @internal Called by a request greenlet as it finishes. */
  requestDone(g: RequestGreenlet): void {
    this.active.delete(g);
    const socket = g.request.raw.socket;
    if (this.isClosed || socket?.destroyed) {
      // A stopping server finishes what runs and drops what its connections still hold; so
      // does a connection that is gone (closed by the client, or refused as hostile).
      for (const dropped of takeHeld<RequestGreenlet>(socket)) {
        this.held--;
        dropped.response.raw.destroy();
      }
    }
    const next = leaveConnection<RequestGreenlet>(socket);
    if (next !== undefined) {
      this.held--;
      this.waiting.push(next);
    }
    while (this.waiting.length > 0 && this.active.size < this.settings.concurrency) {
      const next = this.waiting.shift()!;
      this.active.add(next);
      next.start();
    }
    if (this.isClosed) {
      closeAfterResponse(g.request.raw, g.response.raw);
      if (this.othersRunning() === 0) this.drained.set();
    }
  }

  toString(): string {
    const state = this.isClosed
      ? ' closed'
      : this.isStarted
        ? ` on ${JSON.stringify(this.address)}`
        : '';
    return `<WSGIServer${state}>`;
  }

  /** Requests still running or waiting, not counting the one that called `stop()`. */
  private othersRunning(): number {
    const self = this.active.has(this.stopper) ? 1 : 0;
    return this.active.size + this.waiting.length + this.held - self;
  }

  private *killRemaining(seconds: number): Generator<unknown, void, unknown> {
    for (const g of this.waiting.splice(0)) g.response.raw.destroy();
    const left = this.active.toArray().filter((g) => g !== this.stopper);
    for (const g of left) g.kill(undefined, { block: false });
    yield* joinall(left, { timeout: seconds });
  }

  private createServer(): Server {
    const s = this.settings;
    const options = {
      noDelay: true,
      maxHeaderSize: s.maxRequestLine + s.maxHeaderBytes,
      headersTimeout: s.headersTimeoutMs,
      requestTimeout: s.requestTimeoutMs,
      keepAliveTimeout: s.keepAliveTimeoutMs,
      connectionsCheckingInterval: checkingInterval(s),
      requireHostHeader: s.requireHost,
    };
    const server =
      s.tls === null ? createHttpServer(options) : createHttpsServer({ ...options, ...s.tls });
    server.maxHeadersCount = s.maxHeaders + 1;
    server.on('request', (req: IncomingMessage, res: ServerResponse) =>
      this.onRequest(req, res, false),
    );
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) =>
      this.onRequest(req, res, true),
    );
    server.on('clientError', (error: Error, socket) =>
      answerClientError(error, socket as never, this),
    );
    if (s.tls !== null) server.on('tlsClientError', (_error, socket) => socket.destroy());
    return server;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void {
    if (this.isClosed) res.shouldKeepAlive = false;
    const limits = this.settings;
    const refusal =
      req.url!.length + req.method!.length + 10 > limits.maxRequestLine
        ? 414
        : req.rawHeaders.length > limits.maxHeaders * 2
          ? 431
          : 0;
    if (refusal !== 0) {
      this.refuse(req, res, refusal);
      return;
    }
    const request = new Request(req, res, this.facts!, expectsContinue);
    const g = new RequestGreenlet(this, request, new Response(res));
    const admission = enterConnection(req.socket, g);
    if (admission !== 'run') {
      if (admission === 'held') this.held++;
      return;
    }
    if (this.active.size < limits.concurrency) {
      this.active.add(g);
      g._startFromCallback();
    } else {
      this.waiting.push(g);
    }
  }

  /** Answers a request that breaks a limit, without running the application. */
  private refuse(req: IncomingMessage, res: ServerResponse, status: number): void {
    res.writeHead(status, REASONS[status]!, ['Connection', 'close', 'Content-Length', '0']);
    res.end();
    const line = `${req.method} ${req.url!.slice(0, 64)}... HTTP/${req.httpVersion}`;
    this.accessLog?.write(formatAccessLine(req.socket.remoteAddress, line, status, 0, null));
  }

  private makeFacts(): ServerFacts {
    const errorLog = this.errorLog;
    const address = this.address;
    return {
      serverName: hostOf(address),
      serverPort: typeof address === 'string' ? '' : String(address[1]),
      urlScheme: this.settings.tls === null ? 'http' : 'https',
      multiprocess: this.settings.workers > 1,
      baseEnviron: this.settings.environ,
      keepPeer: this.accessLog !== null,
      errors: { write: (text: string) => errorLog?.write(text.replace(/\n$/, '')) },
    };
  }
}

/** How often node:http checks the head/request deadlines: often enough for the shorter one. */
function checkingInterval(s: ServerSettings): number {
  const deadlines = [s.headersTimeoutMs, s.requestTimeoutMs].filter((ms) => ms > 0);
  if (deadlines.length === 0) return 30_000;
  return Math.max(50, Math.min(30_000, Math.floor(Math.min(...deadlines) / 4)));
}

/**
 * While stopping: close the connection once this response is out instead of keeping it alive
 * (unless a pipelined response still uses it: its own request closes it later).
 */
function closeAfterResponse(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  if (socket.destroyed) return;
  const closeIfIdle = () => {
    if (!(socket as { _httpMessage?: unknown })._httpMessage) socket.destroySoon();
  };
  if (res.writableFinished) closeIfIdle();
  else res.once('finish', closeIfIdle);
}
