/**
 * HTTP hello-world with keep-alive, `wrk -t1 -c50 -d10s --latency`, side by side: gevent-ts's
 * WSGIServer, a plain node:http server, and gevent's pywsgi (log=None, TCP_NODELAY). Layer:
 * scripts/bench (a standalone driver; run on demand, not a gate).
 *
 * Every server runs in its own process on 127.0.0.1 and is warmed up for 2 s. The runs are
 * interleaved: each round measures every server once, ours and plain node back to back (which
 * one first alternates), so the noise of a shared machine hits them alike; the report gives
 * medians, and for ours/node also the median of the per-round ratios. Besides req/s it reads each server's
 * CPU time from /proc (user + system) and reports CPU microseconds per request, which is much
 * steadier than req/s when other work competes for the 2 cores.
 *
 * Our server runs from the compiled package in dist/ (what users run; rebuilt first when older
 * than core/), as in echo.mjs; `--source=ts` runs it from the TypeScript sources through tsx.
 *
 * Usage: node scripts/bench/http.mjs [--runs=5] [--seconds=10] [--connections=50] [--pin=1]
 *        [--source=dist|ts] [--nodeFlags='--no-memory-reducer']
 * Writes scripts/bench/results/http.json and prints a Markdown table.
 * `--serve=ours [--log=1]` runs only our server (the driver starts it that way).
 *
 * @example
 * node scripts/bench/http.mjs --runs=5
 */

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { args } from './_harness.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const opts = args({
  runs: 5,
  seconds: 10,
  connections: 50,
  serve: '',
  port: 0,
  log: 0,
  pin: 0,
  source: 'dist',
  nodeFlags: '',
});
/** `--nodeFlags=...`: V8/Node flags for every Node server alike (ours and plain node:http). */
const nodeFlags = opts.nodeFlags === '' ? [] : opts.nodeFlags.split(/\s+/);
if (opts.source !== 'dist' && opts.source !== 'ts')
  throw new TypeError('--source must be dist or ts');
/** `--pin=1`: servers on CPU 1, wrk on CPU 0 (taskset), so placement does not vary between runs. */
const pinServer = opts.pin ? ['taskset', '-c', '1'] : [];
const pinClient = opts.pin ? ['taskset', '-c', '0'] : [];

/** Our server: `--serve=ours`. Only here is the runtime imported (built, or through tsx). */
async function serveOurs() {
  const from = opts.source === 'ts' ? '../../core/%s.ts' : '../../dist/core/%s.js';
  const { run } = await import(from.replace('%s', 'index'));
  const { WSGIServer } = await import(from.replace('%s', 'pywsgi/index'));
  const hello = (_request, startResponse) => {
    startResponse('200 OK', [
      ['Content-Type', 'text/plain'],
      ['Content-Length', '5'],
    ]);
    return ['hello'];
  };
  await run(function* () {
    const server = new WSGIServer(['127.0.0.1', opts.port], hello, {
      log: opts.log ? process.stderr : null,
      backlog: 1024,
    });
    yield* server.start();
    console.log(`listening ${server.serverPort}`);
    server.stopOnSignals(['SIGTERM'], { timeout: 1 });
    yield* server.serveForever();
  });
}

const ours = [
  process.execPath,
  ...nodeFlags,
  ...(opts.source === 'ts' ? ['--import', 'tsx'] : []),
  join(here, 'http.mjs'),
  '--serve=ours',
  `--source=${opts.source}`,
];
const SERVERS = [
  { name: 'ours', title: 'gevent-ts WSGIServer', cmd: ours },
  {
    name: 'ours-log',
    title: 'gevent-ts WSGIServer, access log on (to /dev/null)',
    cmd: [...ours, '--log=1'],
  },
  {
    name: 'node',
    title: 'plain node:http',
    cmd: [process.execPath, ...nodeFlags, join(here, 'http.node.mjs')],
  },
  {
    name: 'gevent',
    title: 'gevent 22.10 pywsgi (log=None, TCP_NODELAY)',
    cmd: ['/usr/bin/python3', join(here, 'gevent', 'http_server.py')],
  },
];

/** Starts a server process; resolves with its pid and port once it prints `listening PORT`. */
function startServer(server) {
  return new Promise((resolve, reject) => {
    const cmd = [...pinServer, ...server.cmd, '--port=0'];
    const child = spawn(cmd[0], cmd.slice(1), {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const timer = setTimeout(
      () => reject(new Error(`${server.name} did not start in 30 s`)),
      30_000,
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const match = /listening (\d+)/.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ child, pid: child.pid, port: Number(match[1]) });
      }
    });
    child.on('exit', (code) =>
      reject(new Error(`${server.name} exited (${code}) before listening`)),
    );
  });
}

function stopServer(proc) {
  return new Promise((resolve) => {
    const kill = setTimeout(() => proc.child.kill('SIGKILL'), 3000);
    proc.child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    proc.child.kill('SIGTERM');
  });
}

/** [steal, total] jiffies of the whole machine, from /proc/stat (steal: taken by the hypervisor). */
function machineTicks() {
  const fields = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number);
  return [fields[7], fields.reduce((a, b) => a + b, 0)];
}

/** CPU seconds (user + system) a process has used, from /proc/PID/stat. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function toMs(text) {
  const match = /([\d.]+)(us|ms|s)/.exec(text);
  if (match === null) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

/** Runs wrk against `port`; returns req/s, p50/p99 latency (ms) and the request count. */
function wrk(port, seconds) {
  const cmd = [
    ...pinClient,
    'wrk',
    '-t1',
    `-c${opts.connections}`,
    `-d${seconds}s`,
    '--latency',
    `http://127.0.0.1:${port}/`,
  ];
  const out = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  if (out.status !== 0) throw new Error(`wrk failed: ${out.stderr}`);
  const text = out.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(text)?.[1]);
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(text)?.[0] ?? null;
  return {
    rps,
    requests,
    p50: toMs(/^\s+50%\s+(\S+)/m.exec(text)?.[1] ?? ''),
    p99: toMs(/^\s+99%\s+(\S+)/m.exec(text)?.[1] ?? ''),
    errors,
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Builds dist/ when it is older than core/ (`--source=dist` runs our server from it). */
function ensureBuilt() {
  const newest = (dir) =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .reduce((m, e) => Math.max(m, statSync(join(e.parentPath ?? e.path, e.name)).mtimeMs), 0);
  const built = () => {
    try {
      return statSync(join(root, 'dist', 'core', 'pywsgi', 'server.js')).mtimeMs;
    } catch {
      return 0;
    }
  };
  if (built() >= newest(join(root, 'core'))) return;
  const out = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (out.status === 0) return;
  // tsc still emits when only type errors elsewhere fail the build; go on if ours was emitted.
  if (built() < newest(join(root, 'core', 'pywsgi'))) throw new Error('npm run build failed');
  console.error('warning: npm run build reported errors elsewhere; measuring what it emitted');
}

async function drive() {
  if (opts.source === 'dist') ensureBuilt();
  const procs = {};
  try {
    for (const server of SERVERS) procs[server.name] = await startServer(server);
    for (const server of SERVERS) wrk(procs[server.name].port, 2);
    const results = Object.fromEntries(SERVERS.map((s) => [s.name, []]));
    for (let round = 0; round < opts.runs; round++) {
      // ours and node back to back (alternating which goes first), so each round's ratio
      // compares them under the same machine load; then the others.
      const pair = round % 2 === 0 ? ['ours', 'node'] : ['node', 'ours'];
      const rest = round % 2 === 0 ? ['gevent', 'ours-log'] : ['ours-log', 'gevent'];
      const order = [...pair, ...rest].map((name) => SERVERS.find((s) => s.name === name));
      for (const server of order) {
        const proc = procs[server.name];
        const cpu0 = cpuSeconds(proc.pid);
        const [steal0, total0] = machineTicks();
        const r = wrk(proc.port, opts.seconds);
        const [steal1, total1] = machineTicks();
        r.cpuUsPerRequest = ((cpuSeconds(proc.pid) - cpu0) / r.requests) * 1e6;
        r.stealPercent = (100 * (steal1 - steal0)) / Math.max(1, total1 - total0);
        results[server.name].push(r);
        console.error(
          `round ${round + 1} ${server.name}: ${r.rps.toFixed(0)} req/s, ${r.cpuUsPerRequest.toFixed(1)} us CPU/req, steal ${r.stealPercent.toFixed(0)}%`,
        );
      }
    }
    report(results);
  } finally {
    await Promise.all(Object.values(procs).map(stopServer));
  }
}

function report(results) {
  const summary = {};
  for (const server of SERVERS) {
    const runs = results[server.name];
    summary[server.name] = {
      title: server.title,
      rps: median(runs.map((r) => r.rps)),
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      cpuUsPerRequest: median(runs.map((r) => r.cpuUsPerRequest)),
      stealPercent: median(runs.map((r) => r.stealPercent)),
      runs,
    };
  }
  const ours = summary.ours;
  const ratios = {
    rpsVsNode: ours.rps / summary.node.rps,
    rpsVsGevent: ours.rps / summary.gevent.rps,
    cpuVsNode: summary.node.cpuUsPerRequest / ours.cpuUsPerRequest,
    cpuVsGevent: summary.gevent.cpuUsPerRequest / ours.cpuUsPerRequest,
    perRoundRpsVsNode: results.ours.map((r, i) => r.rps / results.node[i].rps),
  };
  ratios.medianPerRoundVsNode = median(ratios.perRoundRpsVsNode);
  const out = { date: new Date().toISOString(), opts, summary, ratios };
  mkdirSync(join(here, 'results'), { recursive: true });
  const file = opts.pin ? 'http-pinned.json' : 'http.json';
  writeFileSync(join(here, 'results', file), `${JSON.stringify(out, null, 2)}\n`);
  const lines = [
    `wrk -t1 -c${opts.connections} -d${opts.seconds}s, ${opts.runs} interleaved rounds, medians, ours from ${opts.source}${opts.nodeFlags ? `, node flags ${opts.nodeFlags}` : ''}${opts.pin ? ' (server on CPU 1, wrk on CPU 0)' : ''}`,
    '',
    '| server | req/s | p50 ms | p99 ms | CPU us/req | VM steal % |',
    '|---|---|---|---|---|---|',
    ...SERVERS.map((s) => {
      const m = summary[s.name];
      return `| ${m.title} | ${m.rps.toFixed(0)} | ${m.p50.toFixed(2)} | ${m.p99.toFixed(2)} | ${m.cpuUsPerRequest.toFixed(1)} | ${m.stealPercent.toFixed(0)} |`;
    }),
    '',
    `ours / node req/s: ${ratios.rpsVsNode.toFixed(2)} (median of per-round ratios ${ratios.medianPerRoundVsNode.toFixed(2)}; per round: ${ratios.perRoundRpsVsNode.map((x) => x.toFixed(2)).join(', ')})`,
    `ours / gevent req/s: ${ratios.rpsVsGevent.toFixed(2)}`,
    `CPU per request, node / ours: ${ratios.cpuVsNode.toFixed(2)}; gevent / ours: ${ratios.cpuVsGevent.toFixed(2)}`,
  ];
  console.log(lines.join('\n'));
}

if (opts.serve === 'ours') await serveOurs();
else await drive();
