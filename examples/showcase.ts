/**
 * `npm start`: what gevent-ts is for, in one program on loopback. An HTTP service whose CPU work
 * runs on a ThreadPool while its I/O endpoint stays fast, mass DNS resolution through a Pool, a
 * subprocess pipeline, the live greenlet tree and the hub monitor's reports; then a summary, and
 * it exits. The parts live in examples/showcase/.
 *
 * `npm start -- --serve [--port N]` keeps the service running under light synthetic load and
 * serves a live dashboard at http://127.0.0.1:N/ (default 8080; 0 picks a free port) until
 * SIGINT/SIGTERM.
 * Run: node --import tsx examples/showcase.ts [--serve [--port N]]
 */

import { parseArgs } from 'node:util';
import { run } from '../core/index.ts';
import { serveDashboard } from './showcase/dashboard.ts';
import { calibrateRounds } from './showcase/service.ts';
import { tour } from './showcase/tour.ts';

/**
 * Milliseconds of pbkdf2 per CPU request: longer than the monitor's 0.1 s threshold, so the
 * inline requests are reported as blocking the hub.
 */
const CPU_MS = 200;

const USAGE = `usage: node --import tsx examples/showcase.ts [--serve [--port N]]
  (no options)  run the tour on loopback, print a summary and exit
  --serve       keep the service running and serve a live dashboard until Ctrl-C
  --port N      the dashboard's port on 127.0.0.1 (default 8080; 0: any free port)`;

const { values } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    port: { type: 'string', default: '8080' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number (0 for any free port), got ${values.port}\n${USAGE}`);
  process.exit(2);
}

const rounds = calibrateRounds(CPU_MS);
if (values.serve) {
  await run(() => serveDashboard(port, rounds));
} else {
  const started = performance.now();
  const ok = await run(() => tour(rounds));
  console.log(
    `\nshowcase finished in ${((performance.now() - started) / 1000).toFixed(1)} s${ok ? '' : ' WITH FAILED CHECKS'}`,
  );
  process.exitCode = ok ? 0 : 1;
}
