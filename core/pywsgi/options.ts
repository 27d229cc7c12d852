/**
 * The WSGIServer's options: their types, defaults and up-front validation (every error names the
 * option), turned into the settings node:http takes. Layer: io (pywsgi).
 *
 * Durations are seconds, as everywhere in gevent-ts; node:http wants whole milliseconds.
 */

import { readFileSync } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import { describeValue, validateCount, validateSeconds } from '../internal/validators.ts';
import { type LineLog, type LogTarget, toLineLog } from './access-log.ts';

/** TLS for the server: PEM files, PEM text, or any node:tls secure-context options. */
export type WSGISslOptions =
  | { certfile: string; keyfile: string; password?: string }
  | SecureContextOptions;

/**
 * Options of `new WSGIServer(listener, app, options)`.
 *
 * @example
 * new WSGIServer(['0.0.0.0', 8080], app, { log: null, headersTimeout: 10, spawn: 1000, workers: 4 });
 */
export interface WSGIServerOptions {
  /** Access log: a stream (default `process.stderr`), a function taking a line, or null (off). */
  log?: LogTarget | null;
  /** Error log (invalid requests, worker restarts): like `log`, default `process.stderr`. */
  errorLog?: LogTarget | null;
  /** Serve HTTPS. */
  ssl?: WSGISslOptions;
  /** At most this many requests run the application at once; more wait in order. Default: no limit. */
  spawn?: 'default' | number;
  /** Listen backlog. Default 1024. */
  backlog?: number;
  /** A request line longer than this (bytes) gets 414. Default 8192, gevent's MAX_REQUEST_LINE. */
  maxRequestLine?: number;
  /** Bytes of header fields allowed beyond the request line; more gets 431. Default 16384. */
  maxHeaderBytes?: number;
  /** Header fields allowed; more gets 431. Default 100 (Python's http.client limit). */
  maxHeaders?: number;
  /** Seconds a client has to send a complete request head (slowloris guard). Default 30. */
  headersTimeout?: number;
  /** Seconds a client has to send a complete request, head and body. Default 300. */
  requestTimeout?: number;
  /** Seconds an idle keep-alive connection is kept (node adds a 1 s grace). Default 5. */
  keepAliveTimeout?: number;
  /** Seconds `stop()` lets running requests finish before killing them. Default 1. */
  stopTimeout?: number;
  /** Answer 400 to an HTTP/1.1 request without a Host header (RFC 9112). gevent does not. Default false. */
  requireHost?: boolean;
  /** Extra keys merged into every `request.environ` (gevent's `environ=`). */
  environ?: Record<string, unknown>;
  /** Run the server in this many processes through node:cluster, sharing the port. Default 1. */
  workers?: number;
  /** The script each worker runs (default: this process's main script, `process.argv[1]`). */
  workerExec?: string;
  /** Arguments for the worker script (default: this process's, `process.argv.slice(2)`). */
  workerArgs?: string[];
}

/** The validated settings. */
export interface ServerSettings {
  log: LineLog | null;
  errorLog: LineLog | null;
  tls: SecureContextOptions | null;
  concurrency: number;
  backlog: number;
  maxRequestLine: number;
  maxHeaderBytes: number;
  maxHeaders: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  stopTimeout: number;
  requireHost: boolean;
  environ: Record<string, unknown> | null;
  workers: number;
  workerExec: string | undefined;
  workerArgs: string[] | undefined;
}

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  validateCount(value, name);
  if (value === 0) throw new RangeError(`${name} must be >= 1, got 0`);
  return value;
}

function milliseconds(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback * 1000;
  validateSeconds(value, name);
  return Math.round(value * 1000);
}

function toTls(ssl: WSGISslOptions | undefined): SecureContextOptions | null {
  if (ssl === undefined) return null;
  if (ssl === null || typeof ssl !== 'object') {
    throw new TypeError(`options.ssl must be an object, got ${describeValue(ssl)}`);
  }
  if ('certfile' in ssl) {
    if (typeof ssl.certfile !== 'string' || typeof ssl.keyfile !== 'string') {
      throw new TypeError('options.ssl.certfile and options.ssl.keyfile must be file paths');
    }
    const tls: SecureContextOptions = {
      cert: readFileSync(ssl.certfile),
      key: readFileSync(ssl.keyfile),
    };
    if (ssl.password !== undefined) tls.passphrase = ssl.password;
    return tls;
  }
  return ssl;
}

function concurrencyOf(spawn: unknown): number {
  if (spawn === undefined || spawn === 'default') return Number.POSITIVE_INFINITY;
  if (typeof spawn !== 'number') {
    throw new TypeError(`options.spawn must be 'default' or a number, got ${describeValue(spawn)}`);
  }
  return positiveInteger(spawn, 'options.spawn', 1);
}

/**
 * Validates `options` and fills in the defaults.
 *
 * @example
 * const settings = resolveOptions({ log: null, headersTimeout: 10 });
 */
export function resolveOptions(options: WSGIServerOptions = {}): ServerSettings {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  }
  const requestTimeoutMs = milliseconds(options.requestTimeout, 'options.requestTimeout', 300);
  const headersTimeoutMs = milliseconds(options.headersTimeout, 'options.headersTimeout', 30);
  if (requestTimeoutMs > 0 && headersTimeoutMs > requestTimeoutMs) {
    throw new RangeError('options.headersTimeout must be <= options.requestTimeout');
  }
  if (
    options.environ !== undefined &&
    (options.environ === null || typeof options.environ !== 'object')
  ) {
    throw new TypeError(`options.environ must be an object, got ${describeValue(options.environ)}`);
  }
  if (options.workerArgs !== undefined && !Array.isArray(options.workerArgs)) {
    throw new TypeError('options.workerArgs must be an array of strings');
  }
  if (options.workerExec !== undefined && typeof options.workerExec !== 'string') {
    throw new TypeError(
      `options.workerExec must be a path, got ${describeValue(options.workerExec)}`,
    );
  }
  if (options.stopTimeout !== undefined)
    validateSeconds(options.stopTimeout, 'options.stopTimeout');
  return {
    log: toLineLog(options.log, 'options.log'),
    errorLog: toLineLog(options.errorLog, 'options.errorLog'),
    tls: toTls(options.ssl),
    concurrency: concurrencyOf(options.spawn),
    backlog: positiveInteger(options.backlog, 'options.backlog', 1024),
    maxRequestLine: positiveInteger(options.maxRequestLine, 'options.maxRequestLine', 8192),
    maxHeaderBytes: positiveInteger(options.maxHeaderBytes, 'options.maxHeaderBytes', 16384),
    maxHeaders: positiveInteger(options.maxHeaders, 'options.maxHeaders', 100),
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: milliseconds(options.keepAliveTimeout, 'options.keepAliveTimeout', 5),
    stopTimeout: options.stopTimeout ?? 1,
    requireHost: options.requireHost ?? false,
    environ: options.environ ?? null,
    workers: positiveInteger(options.workers, 'options.workers', 1),
    workerExec: options.workerExec,
    workerArgs: options.workerArgs,
  };
}
