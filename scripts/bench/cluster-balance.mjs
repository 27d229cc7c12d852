/**
 * How node:cluster's two scheduling policies spread HTTP connections over 2 workers (why
 * pywsgi's `workers` uses SCHED_NONE, see core/pywsgi/cluster.ts). Layer: scripts/bench.
 *
 * For each policy (round-robin: the primary accepts and passes each connection over IPC; none:
 * the workers accept on the shared socket and the kernel picks) and each client mode (keep-alive,
 * and `Connection: close`, a new connection per request), 2 plain node:http workers serve
 * `wrk -t1 -c50 -d<seconds>s`; prints req/s and the requests and connections each worker got.
 * Needs `wrk` (Debian package wrk). Each configuration runs in a fresh primary process.
 *
 * @example
 * node scripts/bench/cluster-balance.mjs              # 4 configurations x 3 s
 * node scripts/bench/cluster-balance.mjs --seconds=10
 */

import { execFile, execFileSync } from 'node:child_process';
import cluster from 'node:cluster';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { args } from './_harness.mjs';

const WORKERS = 2;

if (cluster.isWorker) serveAndCount();
else if (process.env.BALANCE_POLICY) await measureOne(process.env.BALANCE_POLICY);
else compareAll();

/** Worker: a hello-world server that reports what it served when asked. */
function serveAndCount() {
  let requests = 0;
  const connections = new Set();
  http
    .createServer((req, res) => {
      requests++;
      connections.add(req.socket);
      res.end('hello');
    })
    .listen(0, '127.0.0.1');
  process.on('message', () => process.send({ requests, connections: connections.size }));
}

/** Primary: forks the workers under one policy, runs wrk, prints one JSON line. */
async function measureOne(policy) {
  const { seconds, mode } = args({ seconds: 3, mode: 'keep-alive' });
  cluster.schedulingPolicy = policy === 'none' ? cluster.SCHED_NONE : cluster.SCHED_RR;
  const workers = Array.from({ length: WORKERS }, () => cluster.fork());
  const port = await new Promise((resolve) => {
    let ready = 0;
    cluster.on('listening', (_worker, address) => {
      if (++ready === WORKERS) resolve(address.port);
    });
  });
  const header = mode === 'close' ? ['-H', 'Connection: close'] : [];
  // Asynchronous: under round-robin the primary itself must keep accepting while wrk runs.
  const out = await new Promise((resolve, reject) =>
    execFile(
      'wrk',
      ['-t1', '-c50', `-d${seconds}s`, ...header, `http://127.0.0.1:${port}/`],
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    ),
  );
  const perWorker = await Promise.all(
    workers.map(
      (worker) =>
        new Promise((resolve) => {
          worker.once('message', resolve);
          worker.send('report');
        }),
    ),
  );
  for (const worker of workers) worker.kill();
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  console.log(JSON.stringify({ policy, mode, reqPerSec: Math.round(rate), perWorker }));
}

/** Runs every configuration in its own process (the policy is fixed once a primary forks). */
function compareAll() {
  const self = fileURLToPath(import.meta.url);
  for (const mode of ['keep-alive', 'close']) {
    for (const policy of ['rr', 'none']) {
      const line = execFileSync(
        process.execPath,
        [self, ...process.argv.slice(2), `--mode=${mode}`],
        {
          env: { ...process.env, BALANCE_POLICY: policy },
          encoding: 'utf8',
        },
      );
      process.stdout.write(line);
    }
  }
}
