/**
 * `gevent-ts serve`: run a module's WSGI application from the command line, optionally in N
 * worker processes sharing the port. The bin's `serve` subcommand calls `serveCommand`.
 * Layer: io (pywsgi).
 *
 * `gevent-ts serve [--bind HOST:PORT] [--workers N] [--no-access-log] [--stop-timeout S] MODULE[:EXPORT]`
 *
 * MODULE is a file path; EXPORT names the application (default: `app`, then the default
 * export). In a cluster primary the module is not imported: only the workers load it.
 */

import cluster from 'node:cluster';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { until } from '../wait.ts';
import type { App } from './handler.ts';
import { WSGIServer } from './server.ts';

/** The parsed command line of `gevent-ts serve`. */
export interface ServeArgs {
  module: string;
  exportName: string | null;
  bind: string;
  workers: number;
  accessLog: boolean;
  stopTimeout: number;
}

const USAGE =
  'usage: gevent-ts serve [--bind HOST:PORT] [--workers N] [--no-access-log] [--stop-timeout S] MODULE[:EXPORT]';

function numberArg(flag: string, raw: string | undefined, min: number): number {
  const value = Number(raw);
  if (raw === undefined || !Number.isFinite(value) || value < min) {
    throw new RangeError(`${flag} needs a number >= ${min}, got ${raw ?? 'nothing'}\n${USAGE}`);
  }
  return value;
}

/**
 * Parses the arguments after `serve`.
 *
 * @example
 * parseServeArgs(['--workers', '4', '--bind', '0.0.0.0:8000', 'app.ts:app']);
 */
export function parseServeArgs(argv: string[]): ServeArgs {
  const out: ServeArgs = {
    module: '',
    exportName: null,
    bind: '127.0.0.1:8000',
    workers: 1,
    accessLog: true,
    stopTimeout: 10,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--bind' || arg === '-b') out.bind = argv[++i] ?? '';
    else if (arg === '--workers' || arg === '-w')
      out.workers = Math.floor(numberArg(arg, argv[++i], 1));
    else if (arg === '--stop-timeout') out.stopTimeout = numberArg(arg, argv[++i], 0);
    else if (arg === '--no-access-log') out.accessLog = false;
    else if (arg.startsWith('-')) throw new TypeError(`unknown option ${arg}\n${USAGE}`);
    else if (out.module === '') {
      const colon = arg.lastIndexOf(':');
      out.module = colon > 0 ? arg.slice(0, colon) : arg;
      out.exportName = colon > 0 ? arg.slice(colon + 1) : null;
    } else throw new TypeError(`unexpected argument ${arg}\n${USAGE}`);
  }
  if (out.module === '') throw new TypeError(`the application module is missing\n${USAGE}`);
  return out;
}

function* loadApp(args: ServeArgs): Generator<unknown, App, unknown> {
  const ns = (yield* until(import(pathToFileURL(resolve(args.module)).href))) as Record<
    string,
    unknown
  >;
  const app = args.exportName !== null ? ns[args.exportName] : (ns.app ?? ns.default);
  if (typeof app !== 'function') {
    throw new TypeError(
      `${args.module} has no application function ${args.exportName ?? '(app or default)'}`,
    );
  }
  return app as App;
}

function notInPrimary(): never {
  throw new Error('the cluster primary does not run the application');
}

/**
 * Runs `gevent-ts serve ...` until SIGTERM/SIGINT (a graceful stop).
 *
 * @example
 * await run(serveCommand, ['--workers', '2', 'examples/app.ts']);
 */
export function* serveCommand(argv: string[]): Generator<unknown, void, unknown> {
  const args = parseServeArgs(argv);
  const primary = args.workers > 1 && cluster.isPrimary;
  const app = primary ? (notInPrimary as App) : yield* loadApp(args);
  const server = new WSGIServer(args.bind, app, {
    workers: args.workers,
    stopTimeout: args.stopTimeout,
    ...(args.accessLog ? {} : { log: null }),
  });
  yield* server.start();
  if (cluster.isPrimary) process.stderr.write(`serving on ${JSON.stringify(server.address)}\n`);
  server.stopOnSignals();
  yield* server.serveForever();
}
