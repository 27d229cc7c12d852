/**
 * gevent-ts/backdoor: BackdoorServer, gevent's `gevent.backdoor` — a REPL (node:repl) over TCP
 * into the running process, with the runtime's names in scope. Layer: os-facing (a StreamServer).
 *
 * Each connection is a greenlet: a reader greenlet feeds the socket's lines to the REPL, a writer
 * greenlet sends its output back; it ends when the client disconnects, types `.exit`/`quit()`,
 * or the server stops. Lines reach the REPL from plain code (nextTick), never inside a greenlet.
 * Anyone who can connect can do anything the process can: it binds 127.0.0.1 by default and
 * refuses other addresses unless `allowNonLoopback: true`; a `token` adds a shared secret.
 *
 * The REPL gets an inert `domain` (an EventEmitter whose bind() is the identity): a real one
 * enables node:domain's async hook for the rest of the process, which made a promise-heavy
 * greenlet loop ~10x slower. Synchronous throws and rejected awaits are still shown to the
 * client; only an error thrown later by a raw Node callback set up at the prompt (a setTimeout)
 * is an uncaught exception of the process, as anywhere else.
 *
 * @module gevent-ts/backdoor
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { isIPv4, isIPv6 } from 'node:net';
import type { REPLServer } from 'node:repl';
import { PassThrough, Writable } from 'node:stream';
import { types } from 'node:util';
import { GreenletExit } from './errors.ts';
import { Event } from './event.ts';
import type { Greenlet } from './greenlet.ts';
import * as runtime from './index.ts';
import { describeValue, isOp, isThenable, validateSeconds } from './internal/validators.ts';
import { IPPROTO_TCP, TCP_NODELAY } from './io/constants.ts';
import type { socket } from './io/socket-object.ts';
import { parseListener, StreamServer } from './io/stream-server.ts';
import { Queue } from './queue.ts';
import { getcurrent, spawn } from './spawn.ts';
import { formatRunInfo, GreenletTree, printRunInfo, type RunInfoOptions } from './util/index.ts';
import { killall, run, until, wait as waitObjects, withTimeout } from './wait.ts';

let replModule: typeof import('node:repl') | null = null;
type Steps = Generator<unknown, void, unknown>;

/** Where a BackdoorServer listens: `[host, port]`, `'host:port'`, a Unix socket path, or a port. */
export type BackdoorListener = [string, number] | string | number;

export interface BackdoorOptions {
  /** Extra names in each connection's scope (each connection gets its own copy). */
  locals?: Record<string, unknown>;
  /** Printed to each client before the first prompt. */
  banner?: string;
  /** A shared secret the client must send as its first line before it gets a prompt. */
  token?: string;
  /** Allow binding an address other than loopback (anyone who can connect owns the process). */
  allowNonLoopback?: boolean;
  /** Seconds a client has to send the token. Default 10. */
  authTimeout?: number;
}

/** The REPL's prompt (gevent's `sys.ps1`). */
export const PROMPT = '>>> ';
const MAX_TOKEN_LINE = 1024;

/** True for loopback hosts: `localhost`, 127.0.0.0/8, `::1` and `::ffff:127.x.y.z`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIPv4(bare)) return bare.startsWith('127.');
  if (!isIPv6(bare)) return false;
  if (bare === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(bare)) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  return mapped !== null && mapped[1]!.startsWith('127.');
}

/** Validates the listener and the loopback rule; returns the listener StreamServer takes. */
function checkListener(
  listener: BackdoorListener,
  allowNonLoopback: boolean,
): [string, number] | string {
  const address = parseListener(typeof listener === 'number' ? ['127.0.0.1', listener] : listener);
  if (typeof address === 'string') return address;
  const [host, port] = address;
  if (allowNonLoopback || isLoopbackHost(host)) return [host, port];
  const shown = host === '' ? "'' (all interfaces)" : JSON.stringify(host);
  throw new RangeError(
    `BackdoorServer refuses to bind ${shown}: it is not a loopback address, and anyone who can ` +
      'connect can run any code in this process. Bind 127.0.0.1 (the default), or pass ' +
      '{ allowNonLoopback: true } (with a token) if you really mean it',
  );
}

function validateOptions(options: BackdoorOptions): void {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  const { locals, banner, token, authTimeout } = options;
  const bad = (name: string, what: string, value: unknown) =>
    new TypeError(`options.${name} must be ${what}, got ${describeValue(value)}`);
  if (locals !== undefined && (locals === null || typeof locals !== 'object'))
    throw bad('locals', 'an object', locals);
  if (banner !== undefined && typeof banner !== 'string') throw bad('banner', 'a string', banner);
  if (token !== undefined && (typeof token !== 'string' || token === '' || /[\r\n]/.test(token)))
    throw bad('token', 'a non-empty string without line breaks', token);
  if (authTimeout !== undefined) validateSeconds(authTimeout, 'options.authTimeout');
}

/** Compares a secret in constant time (both sides hashed first, so lengths do not leak). */
function tokenMatches(given: string, token: string): boolean {
  const digest = (data: string) => createHash('sha256').update(data).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** Reads the first line (the token) and what came after it; null on EOF, overflow or timeout. */
function* readFirstLine(sock: socket): Generator<unknown, [string, Buffer] | null, unknown> {
  let data = Buffer.alloc(0);
  for (;;) {
    const end = data.indexOf(0x0a);
    if (end >= 0) return [String(data.subarray(0, end)).replace(/\r$/, ''), data.subarray(end + 1)];
    if (data.length > MAX_TOKEN_LINE) return null;
    const chunk = yield* sock.recv(MAX_TOKEN_LINE);
    if (chunk.length === 0) return null;
    data = Buffer.concat([data, chunk]);
  }
}

/** What the backdoor's `wait` runs: gevent's wait(objects), an Op, or a function's result. */
function* runTarget(target: unknown, args: unknown[]): Generator<unknown, unknown, unknown> {
  if (Array.isArray(target) || types.isSet(target) || target === undefined || target === null)
    return yield* waitObjects(target as never, args[0] as never);
  const out = typeof target === 'function' ? target(...args) : target;
  if (isOp(out)) return yield* out;
  if (isThenable(out)) return yield out;
  if (typeof target === 'function') return out;
  throw new TypeError(
    `wait(op): op must be an Op or a generator function, got ${describeValue(target)}`,
  );
}

/**
 * A console's `wait(op, ...args)`: runs an Op or generator function in a new greenlet and returns
 * a promise (`await wait(sleep(1))`); given an array or Set, gevent's `wait(objects, options)`.
 * Greenlets still running when the console ends are killed (`live` tracks them).
 */
function makeWait(live: Set<Greenlet<unknown>>) {
  return (target: unknown, ...args: unknown[]): Promise<unknown> =>
    run(function* consoleWait() {
      const me = getcurrent() as Greenlet<unknown>;
      live.add(me);
      try {
        return yield* runTarget(target, args);
      } finally {
        live.delete(me);
      }
    });
}

/** A chunk of REPL output and the callback that tells the REPL it left. */
type OutChunk = { data: Buffer; done: (error?: Error | null) => void };
const END: OutChunk = { data: Buffer.alloc(0), done: () => {} };
/** Complete lines not yet taken by the REPL, in bytes, at which the reader stops reading. */
const INPUT_HIGH_WATER = 64 * 1024;
/** A line longer than this (no newline yet) ends the session: it is not a console command. */
const MAX_LINE_BYTES = 1024 * 1024;

/**
 * Hands the REPL one line at a time, the next only once it shows a prompt again — as a user at
 * a terminal would — so a client may send several commands at once and each runs after the
 * previous one finished (awaits included). Lines reach the REPL from plain code (nextTick).
 */
class LineFeeder {
  /** Set while the queued lines are below INPUT_HIGH_WATER: the reader waits on it. */
  readonly drained = new Event();
  /** A line grew past MAX_LINE_BYTES: the reader ends the session. */
  overlong = false;
  private partial: Buffer = Buffer.alloc(0);
  private readonly lines: Buffer[] = [];
  private backlog = 0;
  private ready = true;
  private ended = false;
  private pumping = false;

  constructor(
    private readonly input: PassThrough,
    repl: REPLServer,
  ) {
    this.drained.set();
    const displayPrompt = repl.displayPrompt.bind(repl);
    repl.displayPrompt = (preserveCursor?: boolean) => {
      displayPrompt(preserveCursor); // the REPL is ready for the next line
      this.ready = true;
      this.pump();
    };
  }

  /** Takes received bytes (from the reader greenlet). */
  push(data: Buffer): void {
    const carried = this.partial.length;
    let rest = this.partial.length > 0 ? Buffer.concat([this.partial, data]) : data;
    for (let end = rest.indexOf(0x0a); end >= 0; end = rest.indexOf(0x0a)) {
      this.lines.push(rest.subarray(0, end + 1));
      rest = rest.subarray(end + 1);
    }
    this.partial = rest;
    if (rest.length > MAX_LINE_BYTES) {
      this.partial = Buffer.alloc(0);
      this.overlong = true;
    }
    this.backlog += carried + data.length - rest.length;
    // Only complete lines count: the rest of a long line must still be read to finish it.
    if (this.backlog >= INPUT_HIGH_WATER) this.drained.clear();
    process.nextTick(() => this.pump());
  }

  /** The client sent EOF: feed what is left, then end the REPL's input. */
  end(): void {
    if (this.partial.length > 0) {
      this.lines.push(this.partial);
      this.backlog += this.partial.length;
    }
    this.partial = Buffer.alloc(0);
    this.ended = true;
    process.nextTick(() => this.pump());
  }

  private pump(): void {
    if (this.pumping) return; // a line evaluated synchronously prompts again from inside write()
    this.pumping = true;
    try {
      while (this.ready && this.lines.length > 0) {
        const line = this.lines.shift()!;
        this.backlog -= line.length;
        if (this.backlog < INPUT_HIGH_WATER) this.drained.set();
        this.ready = false;
        this.input.write(line);
      }
      if (this.ready && this.ended && this.lines.length === 0) this.input.end();
    } finally {
      this.pumping = false;
    }
  }
}

/** Copies socket → LineFeeder until EOF (a failed connection counts as EOF). */
function* pumpIn(sock: socket, feeder: LineFeeder, first: Buffer): Steps {
  try {
    if (first.length > 0) feeder.push(first);
    for (;;) {
      yield* feeder.drained.wait();
      const data = yield* sock.recv(4096);
      if (data.length === 0) break;
      feeder.push(data);
      if (feeder.overlong) break;
    }
  } catch (error) {
    if (error instanceof GreenletExit) throw error;
  }
  feeder.end();
}

/** The REPL's output stream: each chunk goes to the writer greenlet (dropped once `ending()`). */
function replOutput(outbox: Queue<OutChunk>, ending: () => boolean): Writable {
  const output = new Writable({
    write: (data: Buffer, _encoding, done) =>
      ending() ? done() : outbox.putNowait({ data, done }),
    final: (done) => {
      outbox.putNowait(END);
      done();
    },
  });
  output.on('error', () => {}); // late output of an evaluation that outlived its console
  return output;
}

/** Copies REPL output → socket until END. */
function* pumpOut(sock: socket, outbox: Queue<OutChunk>): Steps {
  try {
    for (;;) {
      const chunk = yield* outbox.get();
      if (chunk === END) return;
      yield* sock.sendall(chunk.data);
      chunk.done();
    }
  } catch (error) {
    if (error instanceof GreenletExit) throw error;
    // The client went away: nothing more to say to it.
  }
}

/**
 * A REPL server into the running process (gevent's `BackdoorServer`): connect with
 * `nc 127.0.0.1 PORT` (or telnet) and evaluate code with the runtime's names in scope — `spawn`,
 * `sleep`, `getHub`, `getcurrent`, `joinall`, `Event`, `Queue`, ... (also all together as
 * `gevent`), your `locals`, `wait(op)` (runs an Op in a greenlet and returns a promise: `await
 * wait(sleep(1))`), and `quit()` (or `.exit`). Each connection runs in its own greenlet with its
 * own scope; a failing evaluation is shown to that client only.
 *
 * `console.log` at the prompt prints to the client; output of other code (greenlets it spawns)
 * still goes to the process's stdout.
 *
 * @example
 * import { run } from 'gevent-ts';
 * import { BackdoorServer } from 'gevent-ts/backdoor';
 * await run(function* () {
 *   const server = new BackdoorServer(['127.0.0.1', 5001], {
 *     banner: 'Hello from gevent-ts backdoor!',
 *     locals: { foo: 'From defined scope!' },
 *   });
 *   yield* server.serveForever();
 * });
 * // $ nc 127.0.0.1 5001
 * // Hello from gevent-ts backdoor!
 * // >>> foo
 * // 'From defined scope!'
 */
export class BackdoorServer extends StreamServer {
  /** The names given as `locals` (copied into each connection's scope). */
  readonly locals: Record<string, unknown>;
  readonly banner: string | null;
  private readonly token: string | null;
  private readonly authTimeout: number;
  /** How to end each live console (for stop/close). */
  private readonly sessions = new Set<() => void>();

  constructor(listener: BackdoorListener = ['127.0.0.1', 0], options: BackdoorOptions = {}) {
    validateOptions(options);
    super(checkListener(listener, options.allowNonLoopback === true), null);
    this.locals = { ...options.locals };
    this.banner = options.banner ?? null;
    this.token = options.token ?? null;
    this.authTimeout = options.authTimeout ?? 10;
  }

  /** Loads node:repl, then binds and starts accepting. */
  override *start(): Steps {
    replModule ??= yield* until(import('node:repl'));
    yield* super.start();
  }

  /** Runs one client's console (the greenlet of that connection). */
  protected override handle(sock: socket): Steps {
    return this.serveConsole(sock);
  }

  private *serveConsole(sock: socket): Steps {
    try {
      sock.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
    } catch {
      // A Unix socket: no Nagle to turn off.
    }
    // Idle as far as the server knows: a stop shuts the connection down at once.
    this.markIdle(sock);
    let early = Buffer.alloc(0);
    if (this.token !== null) {
      const line = yield* withTimeout(this.authTimeout, readFirstLine, sock, {
        timeoutValue: null,
      });
      if (line === null || !tokenMatches(line[0], this.token)) {
        const goodbye = { data: Buffer.from('backdoor: wrong token, goodbye\n'), done() {} };
        yield* pumpOut(sock, new Queue(null, [goodbye, END])); // quietly, if the client is gone
        return;
      }
      early = line[1];
    }
    if (!this.closed) yield* this.interact(sock, early);
  }

  /** Starts a REPL bridged to `sock` and waits until it exits. */
  private *interact(sock: socket, early: Buffer): Steps {
    const outbox = new Queue<OutChunk>();
    let ending = false;
    const output = replOutput(outbox, () => ending);
    const writer = spawn(pumpOut, sock, outbox);
    if (this.banner !== null) output.write(`${this.banner}\n`);
    const input = new PassThrough();
    const domain = Object.assign(new EventEmitter(), { bind: <F>(fn: F) => fn });
    const opts = { input, output, prompt: PROMPT, terminal: false, useGlobal: false, domain };
    const repl = replModule!.start(opts);
    const feeder = new LineFeeder(input, repl);
    const exited = new Event();
    // quit() or a stop ends now, even mid-evaluation (the REPL's 'exit' would wait for it).
    const close = () => {
      ending = true;
      repl.close();
      exited.set();
    };
    repl.on('exit', () => exited.set());
    const waiting = new Set<Greenlet<unknown>>();
    const runInfo = (options?: RunInfoOptions) => printRunInfo(options, output);
    this.fillScope(repl.context, {
      wait: makeWait(waiting),
      printRunInfo: runInfo,
      quit: close,
      exit: close,
    });
    this.sessions.add(close);
    const reader = spawn(pumpIn, sock, feeder, early);
    try {
      yield* exited.wait();
      output.end(); // the writer sends what is left, then stops
      yield* writer.join(2);
    } finally {
      this.sessions.delete(close);
      repl.close();
      killall([reader, writer, ...waiting], { block: false });
    }
  }

  /** Stopping or closing the server ends every console at once. */
  protected override onClosing(): void {
    super.onClosing();
    for (const close of [...this.sessions]) close();
  }

  /** The names each connection starts with: the runtime's, util's, the helpers, `locals`. */
  private fillScope(context: Record<string, unknown>, helpers: Record<string, unknown>): void {
    Object.assign(context, runtime, { gevent: runtime, formatRunInfo, GreenletTree });
    Object.assign(context, helpers, this.locals);
  }
}
