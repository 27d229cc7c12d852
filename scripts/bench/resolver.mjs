/**
 * Benchmark: the resolver (issue 4 targets). Layer: scripts/bench, our side; imports the built
 * package (dist/; `npm run build`). gevent's side: `gevent/resolver.py`.
 *
 * One measurement per process (the runner's protocol; prints one JSON line, `value` = lookups/s):
 *   --variant=node | thread | thread-cached | block | ares     lookup('localhost') x n, conc at once
 *   --variant=greenlets-thread | greenlets-ares | greenlets-block
 *                                    gethostbyname('localhost') x n from conc greenlets (gevent's b6)
 *   --variant=saturated-thread | saturated-node
 *                                    the same lookups while 8 looping crypto.pbkdf2 calls saturate
 *                                    libuv's 4-thread pool; also reports the idle p99 measured first
 *                                    in the same process
 *   --variant=ab                     dns.lookup and thread lookups alternated in one process (7
 *                                    pairs): the fair "as fast as dns.lookup" comparison
 *   --variant=worker-pool            the alternative design: a blocking getaddrinfo (the addon's
 *                                    synchronous call) run in a pool of worker_threads
 * Each process warms up, then times `runs` rounds and reports the median round.
 *
 * `--variant=side-by-side` (the default) runs every variant above and gevent's thread and ares
 * resolvers, one fresh process each, and prints a markdown table.
 *
 * @example
 * node scripts/bench/resolver.mjs                       # the whole table, ~1 minute
 * node --expose-gc scripts/bench/resolver.mjs --variant=saturated-thread
 */

import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import dns from 'node:dns';
import { fileURLToPath } from 'node:url';
import { args, check, report } from './_harness.mjs';

const opts = args({ variant: 'side-by-side', n: 5000, conc: 50, runs: 3 });
const HOST = 'localhost';

/** Runs `op` `count` times with `conc` in flight; returns rate and latency percentiles (ms). */
async function drive(op, count, conc) {
  const latencies = [];
  let started = 0;
  const t0 = performance.now();
  await new Promise((resolve, reject) => {
    const launch = () => {
      while (started < count && started - latencies.length < conc) {
        started++;
        const s = performance.now();
        op().then(() => {
          latencies.push(performance.now() - s);
          if (latencies.length === count) resolve();
          else launch();
        }, reject);
      }
    };
    launch();
  });
  return summary(latencies, performance.now() - t0);
}

function summary(latencies, elapsedMs) {
  latencies.sort((a, b) => a - b);
  const at = (q) =>
    +latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))].toFixed(3);
  return { perSec: Math.round((latencies.length / elapsedMs) * 1000), p50: at(0.5), p99: at(0.99) };
}

/** A warm-up round, then `runs` rounds; the median round by rate. */
async function rounds(measure, n = opts.n, runs = opts.runs) {
  await measure(n); // one untimed round: the JIT warms up on the real workload
  const all = [];
  for (let r = 0; r < runs; r++) all.push(await measure(n));
  const sorted = [...all].sort((a, b) => a.perSec - b.perSec);
  return { ...sorted[Math.floor(sorted.length / 2)], all: all.map((a) => a.perSec) };
}

const nodeLookup = () =>
  new Promise((res, rej) =>
    dns.lookup(HOST, (e, a) => (e ? rej(e) : res(check(a === '127.0.0.1', a)))),
  );

async function resolverModule() {
  try {
    return await import('../../dist/core/resolver/index.js');
  } catch (error) {
    throw new Error(`build first (npm run build): ${error.message}`);
  }
}

function viaLookup(resolver) {
  return () =>
    new Promise((res, rej) =>
      resolver.lookup(HOST, (e, a) => (e ? rej(e) : res(check(a === '127.0.0.1', a)))),
    );
}

async function greenletRounds(resolver) {
  const { joinall, run, spawn } = await import('../../dist/core/index.js');
  const measure = (count) =>
    run(function* () {
      const latencies = [];
      const per = Math.ceil(count / opts.conc);
      const t0 = performance.now();
      const worker = function* () {
        for (let i = 0; i < per; i++) {
          const s = performance.now();
          check((yield* resolver.gethostbyname(HOST)) === '127.0.0.1', 'address');
          latencies.push(performance.now() - s);
        }
      };
      const gs = Array.from({ length: opts.conc }, () => spawn(worker));
      yield* joinall(gs, { raiseError: true });
      return summary(latencies, performance.now() - t0);
    });
  return rounds(measure);
}

/**
 * Keeps libuv's threadpool busy with 8 looping pbkdf2 calls; returns `stop()`, which resolves
 * once the calls in flight have finished (so the next idle phase is really idle).
 */
async function saturateThreadpool() {
  let stopped = false;
  let running = 0;
  let done = 0;
  let drained = null;
  const one = () => {
    running++;
    crypto.pbkdf2('pw', 'salt', 200_000, 32, 'sha256', () => {
      running--;
      done++;
      if (!stopped) one();
      else if (running === 0) drained?.();
    });
  };
  for (let i = 0; i < 8; i++) one();
  await new Promise((r) => setTimeout(r, 300));
  return () => {
    stopped = true;
    return new Promise((resolve) => {
      drained = () => resolve(done);
      if (running === 0) resolve(done);
    });
  };
}

/** Latencies of `count` lookups (ms), and the elapsed time. */
async function sample(op, count) {
  const latencies = [];
  const t0 = performance.now();
  const r = await drive(
    async () => {
      const s = performance.now();
      await op();
      latencies.push(performance.now() - s);
    },
    count,
    opts.conc,
  );
  return { latencies, ms: performance.now() - t0, perSec: r.perSec };
}

/**
 * Idle and saturated phases, alternated `busyRuns` times so machine noise hits both alike; the
 * percentiles pool every sample of a phase. dns.lookup's busy phase takes seconds, so it runs once.
 */
async function saturated(op, n, busyRuns = opts.runs) {
  await sample(op, n);
  const idle = { latencies: [], ms: 0, rates: [] };
  const busy = { latencies: [], ms: 0, rates: [] };
  let pbkdf2Done = 0;
  for (let r = 0; r < busyRuns; r++) {
    const a = await sample(op, n);
    idle.latencies.push(...a.latencies);
    idle.ms += a.ms;
    idle.rates.push(a.perSec);
    const stop = await saturateThreadpool();
    const b = await sample(op, n);
    busy.latencies.push(...b.latencies);
    busy.ms += b.ms;
    busy.rates.push(b.perSec);
    pbkdf2Done += await stop();
  }
  const i = summary(idle.latencies, idle.ms);
  const b = summary(busy.latencies, busy.ms);
  return {
    value: b.perSec,
    ...b,
    all: busy.rates,
    idleP99: i.p99,
    idlePerSec: i.perSec,
    p99VsIdle: +(b.p99 / i.p99).toFixed(2),
    pbkdf2Done,
  };
}

/**
 * dns.lookup and the thread resolver's lookup measured alternately in one process (7 round
 * pairs, order swapped every round), so both see the same machine; the ratio is the median of
 * the per-pair ratios.
 */
async function alternate(resolver) {
  const ours = viaLookup(resolver);
  await drive(nodeLookup, opts.n, opts.conc);
  await drive(ours, opts.n, opts.conc);
  const node = [];
  const thread = [];
  const ratios = [];
  for (let r = 0; r < 7; r++) {
    const pair = r % 2 === 0 ? [nodeLookup, ours] : [ours, nodeLookup];
    const first = await drive(pair[0], opts.n, opts.conc);
    const second = await drive(pair[1], opts.n, opts.conc);
    const [n, t] = r % 2 === 0 ? [first, second] : [second, first];
    node.push(n.perSec);
    thread.push(t.perSec);
    ratios.push(t.perSec / n.perSec);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    value: median(thread),
    nodePerSec: median(node),
    ratio: +median(ratios).toFixed(2),
    all: thread,
    nodeAll: node,
  };
}

async function workerPool() {
  const { Worker } = await import('node:worker_threads');
  const addonPath = fileURLToPath(
    new URL('../../native/build/Release/gevent_native.node', import.meta.url),
  );
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const addon = require(workerData);
    parentPort.on('message', (batch) => {
      parentPort.postMessage(batch.map(([id, host]) => [id, addon.lookupSync(host, 0, 0, 0)]));
    });`;
  const workers = Array.from(
    { length: 4 },
    () => new Worker(source, { eval: true, workerData: addonPath }),
  );
  const waiting = new Map();
  let next = 0;
  let rr = 0;
  for (const w of workers) {
    w.on('message', (answers) => {
      for (const [id, [status, , addrs]] of answers) {
        const cb = waiting.get(id);
        waiting.delete(id);
        cb(status, addrs);
      }
    });
  }
  const op = () =>
    new Promise((res, rej) => {
      const id = ++next;
      waiting.set(id, (status, addrs) =>
        status === 0 ? res(addrs[0]) : rej(new Error(`EAI ${status}`)),
      );
      workers[rr++ % workers.length].postMessage([[id, HOST]]);
    });
  const result = await rounds((c) => drive(op, c, opts.conc));
  await Promise.all(workers.map((w) => w.terminate()));
  return result;
}

async function measureVariant(variant) {
  const mod =
    variant === 'node' || variant === 'saturated-node' || variant === 'worker-pool'
      ? null
      : await resolverModule();
  switch (variant) {
    case 'node':
      return rounds((c) => drive(nodeLookup, c, opts.conc));
    case 'thread':
    case 'block':
    case 'ares': {
      const R = { thread: mod.ThreadResolver, block: mod.BlockingResolver, ares: mod.AresResolver }[
        variant
      ];
      const resolver = new R();
      if (variant === 'thread') check(resolver.backend === 'addon', `backend ${resolver.backend}`);
      return rounds((c) => drive(viaLookup(resolver), c, opts.conc));
    }
    case 'ab':
      return alternate(new mod.ThreadResolver());
    case 'thread-cached':
      return rounds((c) => drive(viaLookup(new mod.ThreadResolver({ cache: true })), c, opts.conc));
    case 'greenlets-thread':
      return greenletRounds(new mod.ThreadResolver());
    case 'greenlets-ares':
      return greenletRounds(new mod.AresResolver());
    case 'greenlets-block':
      return greenletRounds(new mod.BlockingResolver());
    case 'saturated-thread': {
      const resolver = new mod.ThreadResolver();
      check(resolver.backend === 'addon', `backend ${resolver.backend}`);
      return saturated(viaLookup(resolver), opts.n);
    }
    case 'saturated-node':
      return saturated(nodeLookup, 50, 1);
    case 'worker-pool':
      return workerPool();
    default:
      throw new TypeError(`unknown --variant=${variant}`);
  }
}

const VARIANTS = [
  ['node', 'dns.lookup (libuv pool)'],
  ['thread', 'thread: resolver.lookup (addon threads)'],
  ['ab', 'thread vs dns.lookup, alternated in one process'],
  ['thread-cached', 'thread + LookupCache'],
  ['block', 'block: resolver.lookup (dns.lookup)'],
  ['ares', 'ares: resolver.lookup (hosts file)'],
  ['worker-pool', 'alt: blocking getaddrinfo in 4 worker_threads'],
  ['greenlets-thread', 'thread: gethostbyname from 50 greenlets'],
  ['greenlets-ares', 'ares: gethostbyname from 50 greenlets'],
  ['greenlets-block', 'block: gethostbyname from 50 greenlets'],
  ['saturated-node', 'dns.lookup, libuv pool saturated (n=50)'],
  ['saturated-thread', 'thread, libuv pool saturated'],
];

function sideBySide() {
  const self = fileURLToPath(import.meta.url);
  const rows = [];
  const runOne = (label, cmd, env = {}) => {
    const out = spawnSync(cmd[0], cmd.slice(1), {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, ...env },
    });
    const last = out.stdout.trim().split('\n').pop() ?? '';
    if (out.status !== 0 || !last.startsWith('{')) {
      rows.push([
        label,
        `failed: ${(out.stderr || out.stdout).trim().split('\n').slice(-2).join(' | ')}`,
      ]);
      return null;
    }
    const r = JSON.parse(last);
    rows.push([label, r]);
    return r;
  };
  for (const [variant, label] of VARIANTS) {
    runOne(label, [
      process.execPath,
      '--expose-gc',
      self,
      `--variant=${variant}`,
      `--n=${opts.n}`,
      `--conc=${opts.conc}`,
      `--runs=${opts.runs}`,
    ]);
  }
  const py = [
    '/usr/bin/python3',
    fileURLToPath(new URL('gevent/resolver.py', import.meta.url)),
    `--n=${opts.n}`,
    `--conc=${opts.conc}`,
  ];
  runOne('gevent 22.10 thread: gethostbyname, 50 greenlets', py, { GEVENT_RESOLVER: 'thread' });
  runOne('gevent 22.10 ares: gethostbyname, 50 greenlets', py, { GEVENT_RESOLVER: 'ares' });
  const base = rows.find(([l]) => l.startsWith('dns.lookup (libuv'))?.[1]?.value;
  const lines = [
    '| what | lookups/s | p50 ms | p99 ms | vs dns.lookup | notes |',
    '|---|---:|---:|---:|---:|---|',
  ];
  for (const [label, r] of rows) {
    if (typeof r === 'string') {
      lines.push(`| ${label} | ${r} | | | | |`);
      continue;
    }
    const notes =
      r.ratio !== undefined
        ? `dns.lookup ${r.nodePerSec}/s in the same process; median per-pair ratio ${r.ratio}`
        : r.idleP99 !== undefined
          ? `idle p99 ${r.idleP99} ms, busy/idle p99 ${r.p99VsIdle}x, idle ${r.idlePerSec}/s`
          : `rounds ${r.all?.join(', ')}`;
    lines.push(
      `| ${label} | ${r.value} | ${r.p50 ?? ''} | ${r.p99 ?? ''} | ${base ? (r.value / base).toFixed(2) : ''} | ${notes} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (opts.variant === 'side-by-side') {
  sideBySide();
} else {
  const result = await measureVariant(opts.variant);
  report({ value: result.value ?? result.perSec, ...result });
  process.exit(0);
}
