/**
 * Helpers for the pywsgi tests: a server started on 127.0.0.1 port 0 with its logs captured, a
 * raw TCP client (for pipelining, malformed input, slow drip and resets) and a small HTTP/1.1
 * response parser. Every wait is bounded. (The `_support` name keeps uvu from running it.)
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../../core/index.ts';
import { type App, WSGIServer, type WSGIServerOptions } from '../../core/pywsgi/index.ts';

/** A started server and the lines its logs received. */
export interface Served {
  server: WSGIServer;
  port: number;
  access: string[];
  errors: string[];
}

/** Starts a WSGIServer on 127.0.0.1:0 with logs captured into arrays. */
export function* serve(
  app: App,
  options: WSGIServerOptions = {},
): Generator<unknown, Served, unknown> {
  const access: string[] = [];
  const errors: string[] = [];
  const server = new WSGIServer(['127.0.0.1', 0], app, {
    log: (line) => access.push(line),
    errorLog: (line) => errors.push(line),
    ...options,
  });
  yield* server.start();
  return { server, port: server.serverPort, access, errors };
}

/** A parsed HTTP response. */
export interface Parsed {
  status: number;
  head: string;
  headers: Record<string, string>;
  body: string;
  chunked: boolean;
}

/**
 * Parses the first complete response in `text` (Content-Length, chunked, or to the end when
 * `closed`); returns it and the rest, or null if incomplete.
 */
export function parseResponse(text: string, closed = false, head = false): [Parsed, string] | null {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = text.slice(0, end).split('\r\n');
  const status = Number(lines[0]!.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let rest = text.slice(end + 4);
  const base = { status, head: text.slice(0, end), headers };
  if (head || status === 204 || status === 304 || status === 100) {
    return [{ ...base, body: '', chunked: false }, rest];
  }
  if (headers['transfer-encoding'] === 'chunked') {
    let body = '';
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      if (lineEnd < 0) return null;
      const size = Number.parseInt(rest.slice(0, lineEnd), 16);
      if (rest.length < lineEnd + 2 + size + 2) return null;
      body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
      rest = rest.slice(lineEnd + 2 + size + 2);
      if (size === 0) return [{ ...base, body, chunked: true }, rest];
    }
  }
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (rest.length < length) return null;
    return [{ ...base, body: rest.slice(0, length), chunked: false }, rest.slice(length)];
  }
  return closed ? [{ ...base, body: rest, chunked: false }, ''] : null;
}

const WAIT_MS = 8000;

/** A raw TCP client speaking whatever bytes a test wants. Use its Ops inside a greenlet. */
export class RawClient {
  private received = '';
  private closedFlag = false;
  private waiters: Array<() => void> = [];
  readonly socket: Socket;
  private readonly connected: Promise<void>;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    this.connected.catch(() => {});
    this.socket.on('data', (d) => {
      this.received += d.toString('latin1');
      this.notify();
    });
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      this.closedFlag = true;
      this.notify();
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Everything received and not yet taken by `response()`. */
  get pending(): string {
    return this.received;
  }

  *connect(): Generator<unknown, void, unknown> {
    yield* until(this.connected);
  }

  /** Sends bytes (connecting first if needed). */
  *send(data: string | Buffer): Generator<unknown, void, unknown> {
    yield* this.connect();
    yield* until(new Promise<void>((resolve) => this.socket.write(data, () => resolve())));
  }

  /** Waits for the next complete response (null if the connection closed without one). */
  *response(head = false): Generator<unknown, Parsed | null, unknown> {
    for (;;) {
      const parsed = parseResponse(this.received, this.closedFlag, head);
      if (parsed !== null) {
        this.received = parsed[1];
        return parsed[0];
      }
      if (this.closedFlag) return null;
      yield* this.waitChange();
    }
  }

  /** Waits until `text` has been received (or the connection closed). */
  *receive(text: string): Generator<unknown, boolean, unknown> {
    while (!this.received.includes(text)) {
      if (this.closedFlag) return false;
      yield* this.waitChange();
    }
    return true;
  }

  /** Waits until the server closes the connection; returns what was left unread. */
  *untilClosed(): Generator<unknown, string, unknown> {
    while (!this.closedFlag) yield* this.waitChange();
    return this.received;
  }

  /** Sends a request and reads its response. */
  *exchange(request: string): Generator<unknown, Parsed | null, unknown> {
    yield* this.send(request);
    return yield* this.response();
  }

  close(): void {
    this.socket.destroy();
  }

  /** Closes with a TCP RST instead of a FIN. */
  reset(): void {
    this.socket.resetAndDestroy();
  }

  private *waitChange(): Generator<unknown, void, unknown> {
    yield* until(
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no data from the server in ${WAIT_MS} ms`)),
          WAIT_MS,
        );
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
    );
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** `GET path` on a new connection; returns the parsed response and closes. */
export function* get(
  port: number,
  path = '/',
  extra = '',
): Generator<unknown, Parsed | null, unknown> {
  const client = new RawClient(port);
  try {
    return yield* client.exchange(`GET ${path} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`);
  } finally {
    client.close();
  }
}

/** A self-signed certificate made with the openssl CLI in a temporary directory (removed after). */
export function selfSignedCert(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pywsgi-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return {
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
