/**
 * TCP echo benchmark (issue 3): 100 connections x 2,000 round trips x 64 B, driven by the C
 * epoll client of ../../../shared/anchors/gevent/bench/echo_client.c (compiled into a temp
 * directory at run time, never committed), against three servers started side by side:
 * gevent-ts's StreamServer (`echo.server.mjs`), a plain Node `net` server (`echo.node.mjs`) and
 * gevent's StreamServer (`gevent/echo_server.py`). Layer: scripts/bench (a compare script).
 *
 * Rounds are interleaved, and the order of the three servers rotates from round to round (a
 * server measured right after another one meets a different machine state), so machine noise
 * hits all three alike. Per server it reports the median round trips/s (wall clock, what the
 * issue's targets use) and the median server CPU time per round trip (user+system of the server
 * process, from /proc/<pid>/stat: steadier on a shared machine, split into user and system);
 * then the ratios ours/node (target >= 0.85) and ours/gevent (target >= 1.3): of the medians,
 * the median of the per-round ratios with their range, and by CPU.
 *
 * @example
 * node scripts/bench/echo.mjs                     # 5 rounds, ~1-2 minutes
 * node scripts/bench/echo.mjs --rounds=3 --trips=500
 */

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { args, check } from './_harness.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const { rounds, conns, trips, size, limit } = args({
  rounds: 5,
  conns: 100,
  trips: 2000,
  size: 64,
  limit: 60,
});
const CLIENT_SOURCE =
  process.env.ECHO_CLIENT_SRC ??
  join(root, '..', 'shared', 'anchors', 'gevent', 'bench', 'echo_client.c');
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

const SERVERS = [
  {
    name: 'ours',
    title: 'gevent-ts StreamServer',
    cmd: [process.execPath, join(here, 'echo.server.mjs')],
  },
  { name: 'node', title: 'plain Node net', cmd: [process.execPath, join(here, 'echo.node.mjs')] },
  {
    name: 'gevent',
    title: 'gevent 22.10 StreamServer',
    cmd: ['/usr/bin/python3', join(here, 'gevent', 'echo_server.py')],
  },
];

/** Compiles the C client into a temp directory (again only if the source is newer). */
function buildClient() {
  const dir = join(tmpdir(), 'gevent-ts-bench');
  mkdirSync(dir, { recursive: true });
  const binary = join(dir, 'echo_client');
  let fresh = false;
  try {
    fresh = statSync(binary).mtimeMs >= statSync(CLIENT_SOURCE).mtimeMs;
  } catch {}
  if (!fresh) execFileSync('gcc', ['-O2', '-o', binary, CLIENT_SOURCE], { stdio: 'inherit' });
  return binary;
}

/** Builds dist/ when it is older than core/ (our server imports the built package). */
function ensureBuilt() {
  const newest = (dir) =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .reduce((m, e) => Math.max(m, statSync(join(e.parentPath ?? e.path, e.name)).mtimeMs), 0);
  let built = 0;
  try {
    built = statSync(join(root, 'dist', 'core', 'io', 'server.js')).mtimeMs;
  } catch {}
  if (built >= newest(join(root, 'core'))) return;
  const out = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (out.status === 0) return;
  // tsc still emits when only type errors elsewhere fail the build; go on if ours was emitted.
  const emitted = statSync(join(root, 'dist', 'core', 'io', 'server.js')).mtimeMs;
  check(emitted >= newest(join(root, 'core', 'io')), 'npm run build failed to emit core/io');
  console.error(
    'warning: npm run build reported errors (outside core/io); measuring what it emitted',
  );
}

/** Starts a server and resolves with its process and port (its first stdout line). */
function startServer(server) {
  return new Promise((resolve, reject) => {
    const child = spawn(server.cmd[0], [...server.cmd.slice(1), '--port=0'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const timer = setTimeout(() => reject(new Error(`${server.name} did not start`)), 30_000);
    child.once('error', reject);
    child.stdout.once('data', (data) => {
      clearTimeout(timer);
      resolve({ ...server, child, port: JSON.parse(String(data).split('\n')[0]).port });
    });
  });
}

/** [user, system] CPU seconds of a process. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return [Number(fields[11]) / TICKS, Number(fields[12]) / TICKS];
}

/** One client run against `server`: round trips/s and server CPU µs per round trip. */
function measure(client, server, n = trips) {
  const [user0, sys0] = cpuSeconds(server.child.pid);
  const out = spawnSync(
    client,
    [String(server.port), String(conns), String(n), String(size), String(limit)],
    {
      encoding: 'utf8',
      timeout: (limit + 30) * 1000,
    },
  );
  check(out.status === 0, `${server.name}: client failed: ${out.stderr}`);
  const result = JSON.parse(out.stdout);
  check(
    result.timed_out === 0 && result.roundtrips === conns * n,
    `${server.name}: incomplete run`,
  );
  const [user1, sys1] = cpuSeconds(server.child.pid);
  const perTrip = (seconds) => (seconds / result.roundtrips) * 1e6;
  return {
    rate: result.roundtrips_per_sec,
    cpuUs: perTrip(user1 - user0 + sys1 - sys0),
    userUs: perTrip(user1 - user0),
    sysUs: perTrip(sys1 - sys0),
    p99: result.lat_p99_us,
  };
}

/** The per-round ratios of `a`'s rate to `b`'s: their median and range. */
function perRound(a, b) {
  const ratios = a.map((x, i) => x.rate / b[i].rate);
  const round3 = (x) => Number(x.toFixed(3));
  return {
    median: round3(median(ratios)),
    min: round3(Math.min(...ratios)),
    max: round3(Math.max(...ratios)),
    all: ratios.map((x) => Number(x.toFixed(2))),
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

ensureBuilt();
const client = buildClient();
const running = [];
try {
  for (const server of SERVERS) running.push(await startServer(server));
  for (const server of running) measure(client, server, Math.min(200, trips)); // warm-up
  const samples = Object.fromEntries(running.map((s) => [s.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = running.map((_, i) => running[(i + round) % running.length]);
    for (const server of order) samples[server.name].push(measure(client, server));
  }
  const summary = Object.fromEntries(
    running.map((s) => [
      s.name,
      {
        title: s.title,
        rate: Math.round(median(samples[s.name].map((x) => x.rate))),
        cpuUsPerTrip: Number(median(samples[s.name].map((x) => x.cpuUs)).toFixed(2)),
        userUsPerTrip: Number(median(samples[s.name].map((x) => x.userUs)).toFixed(2)),
        sysUsPerTrip: Number(median(samples[s.name].map((x) => x.sysUs)).toFixed(2)),
        p99Us: Math.round(median(samples[s.name].map((x) => x.p99))),
        rates: samples[s.name].map((x) => Math.round(x.rate)),
      },
    ]),
  );
  const { ours, node, gevent } = summary;
  const ratios = {
    oursOverNode: Number((ours.rate / node.rate).toFixed(3)),
    oursOverGevent: Number((ours.rate / gevent.rate).toFixed(3)),
    oursOverNodeByCpu: Number((node.cpuUsPerTrip / ours.cpuUsPerTrip).toFixed(3)),
    oursOverGeventByCpu: Number((gevent.cpuUsPerTrip / ours.cpuUsPerTrip).toFixed(3)),
    perRoundOverNode: perRound(samples.ours, samples.node),
    perRoundOverGevent: perRound(samples.ours, samples.gevent),
  };
  console.log(
    `TCP echo: ${conns} conns x ${trips} round trips x ${size} B, ${rounds} interleaved rounds (medians)`,
  );
  for (const s of Object.values(summary)) {
    console.log(
      `  ${s.title.padEnd(28)} ${String(s.rate).padStart(7)} round trips/s   ${s.cpuUsPerTrip.toFixed(2).padStart(6)} us CPU/trip (${s.userUsPerTrip.toFixed(2)} user + ${s.sysUsPerTrip.toFixed(2)} sys)   p99 ${s.p99Us} us   runs ${s.rates.join(' ')}`,
    );
  }
  const show = (r) => `per round: median ${r.median}, range ${r.min}-${r.max}`;
  console.log(
    `  ours/node   ${ratios.oursOverNode} (target >= 0.85); ${show(ratios.perRoundOverNode)}; by CPU ${ratios.oursOverNodeByCpu}`,
  );
  console.log(
    `  ours/gevent ${ratios.oursOverGevent} (target >= 1.3); ${show(ratios.perRoundOverGevent)}; by CPU ${ratios.oursOverGeventByCpu}`,
  );
  console.log(JSON.stringify({ value: ours.rate, summary, ratios }));
} finally {
  for (const server of running) server.child.kill('SIGTERM');
}
