/**
 * The `gevent-ts` command.
 * - `gevent-ts run script.js [args...]` runs a script with `patchAll()` applied and, when its
 *   default export is a generator function, runs that as the main greenlet with the script's
 *   arguments — the analogue of `python -m gevent.monkey script.py`.
 * - `gevent-ts serve [options] MODULE[:EXPORT]` serves a module's WSGI-style application with
 *   pywsgi, optionally in N worker processes sharing the port (gunicorn's `-k gevent`).
 * Layer: bin (uses monkey, pywsgi and the core's `run`).
 */

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { run } from '../core/index.ts';
import { patchAll } from '../core/monkey/index.ts';
import { parseServeArgs, serveCommand } from '../core/pywsgi/index.ts';

const USAGE = `usage: gevent-ts run <script> [args...]
       gevent-ts serve [--bind HOST:PORT] [--workers N] [--no-access-log] [--stop-timeout S] MODULE[:EXPORT]

run    Runs <script> with gevent-ts's monkey patches applied (dns.lookup resolves through
       GEVENT_RESOLVER's resolver). If the script's default export is a generator function, it
       runs as the main greenlet, called with the arguments after the script.
serve  Serves MODULE's application (export EXPORT, else \`app\`, else the default export) with
       gevent-ts/pywsgi on HOST:PORT (default 127.0.0.1:8000), in N processes sharing the port
       when --workers N > 1. SIGTERM/SIGINT stop it gracefully (--stop-timeout seconds).
`;

function isGeneratorFunction(value: unknown): value is (...args: unknown[]) => Generator {
  return typeof value === 'function' && value.constructor?.name === 'GeneratorFunction';
}

/** Loads tsx's ESM hooks for a TypeScript script, when tsx is installed. */
async function allowTypeScript(script: string): Promise<void> {
  if (!/\.[cm]?tsx?$/.test(script)) return;
  try {
    // Both hooks: outside a `"type": "module"` package Node loads a .ts file as CommonJS.
    const esm: { register(): unknown } = await import('tsx/esm/api' as string);
    const cjs: { register(): unknown } = await import('tsx/cjs/api' as string);
    esm.register();
    cjs.register();
  } catch {
    // Without tsx, Node reports the import failure itself.
  }
}

/**
 * Runs the command line `argv` (without node and the bin path); resolves to the exit code.
 *
 * @example
 * process.exitCode = await main(['run', 'server.js', '--port', '8080']);
 */
export async function main(argv: string[]): Promise<number> {
  const [command, script, ...args] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === 'serve') return serve(argv.slice(1));
  if (command !== 'run' || script === undefined) {
    process.stderr.write(USAGE);
    return 2;
  }
  const path = resolve(script);
  if (!existsSync(path)) {
    process.stderr.write(`gevent-ts: cannot find script ${JSON.stringify(script)}\n`);
    return 2;
  }
  patchAll();
  process.argv = [process.argv[0]!, path, ...args];
  await allowTypeScript(path);
  const main = defaultExport(await import(pathToFileURL(path).href));
  if (isGeneratorFunction(main)) await run(main, args);
  return 0;
}

/**
 * A module's default export. A TypeScript file Node loads as CommonJS (outside a `"type":
 * "module"` package) arrives as `{ default: module.exports }`, its own default one level down.
 */
function defaultExport(module: { default?: unknown }): unknown {
  const exported = module.default as { __esModule?: boolean; default?: unknown } | undefined;
  return exported?.__esModule === true ? exported.default : exported;
}

/** `gevent-ts serve ...`: bad arguments are usage errors (exit 2), not stack traces. */
async function serve(args: string[]): Promise<number> {
  try {
    await allowTypeScript(resolve(parseServeArgs(args).module));
    await run(serveCommand, args);
  } catch (error) {
    if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
    process.stderr.write(`gevent-ts serve: ${error.message}\n`);
    return 2;
  }
  return 0;
}
