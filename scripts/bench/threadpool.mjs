/**
 * Benchmark: ThreadPool (issue 4 targets) beside gevent's ThreadPool and a default piscina.
 * Layer: scripts/bench, our side; gevent's side is `gevent/threadpool.py`.
 *
 * One measurement per process (the runner's protocol: one JSON line, `value` the headline):
 *   --variant=ours-throughput | piscina-throughput   n trivial tasks from `conc` greenlets (or
 *                                   async loops, for piscina) on 4 threads (piscina: its defaults)
 *   --variant=ours-rtt | piscina-rtt                 one caller, n sequential round trips: p50 us
 *   --variant=ours-cpu               8 CPU-bound tasks (~50 ms of FNV-1a hashing each) on a pool of 1,
 *                                   then of 2, while a greenlet ticks every 10 ms on the hub
 *                                   (each round is followed by the same work on raw worker_threads:
 *                                   the control for what the machine gives two threads)
 * `--variant=side-by-side` (the default) runs each of them and gevent's three in fresh
 * processes, `--repeat` times interleaved, and prints a markdown table of the medians with the
 * ratios and which targets were met.
 *
 * Ours is imported from dist/ when `npm run build` has built threadpool/, else from source
 * through tsx (`--source` forces that). This file is also the piscina baseline's worker.
 *
 * @example
 * node scripts/bench/threadpool.mjs                                   # the table, ~1-2 minutes
 * node --import tsx scripts/bench/threadpool.mjs --variant=ours-rtt --n=5000
 */

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

/** The piscina baseline's task (this file is its worker module). */
export default function trivial(x) {
  return x + 1;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const THIS = fileURLToPath(import.meta.url);
const BUILT = existsSync(`${root}dist/threadpool/index.js`);

/** Our runtime: the build if there is one, else the source (this process runs under tsx). */
async function ours() {
  const fromSource = !BUILT || process.argv.includes('--source');
  const base = fromSource ? root : `${root}dist/`;
  const ext = fromSource ? 'ts' : 'js';
  const core = await import(`${base}core/index.${ext}`);
  const threadpool = await import(`${base}threadpool/index.${ext}`);
  return { ...core, ...threadpool, fromSource };
}

function percentile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
}

const median = (values) => percentile(values, 0.5);

/** n trivial applies from `conc` greenlets on ThreadPool(threads); median rate of `runs` rounds. */
async function oursThroughput(o) {
  const { run, spawn, ThreadPool, check } = { ...(await ours()), check: checkOk };
  const pool = new ThreadPool(o.threads);
  const per = Math.floor(o.n / o.conc);
  const add = (x) => x + 1;
  const once = () =>
    run(function* () {
      const start = performance.now();
      const workers = Array.from({ length: o.conc }, () =>
        spawn(function* () {
          for (let i = 0; i < per; i++) check((yield* pool.apply(add, [i])) === i + 1, 'result');
        }),
      );
      for (const g of workers) yield* g.get();
      return (per * o.conc) / ((performance.now() - start) / 1000);
    });
  await once(); // warm-up round: threads started, code known to be short
  const rates = [];
  for (let r = 0; r < o.runs; r++) rates.push(await once());
  await run(pool.close());
  return { value: Math.round(median(rates)), all: rates.map(Math.round) };
}

async function piscinaThroughput(o) {
  const { Piscina } = await import('piscina');
  const pool = new Piscina({ filename: THIS });
  const per = Math.floor(o.n / o.conc);
  const once = async () => {
    const start = performance.now();
    const loop = async () => {
      for (let i = 0; i < per; i++) checkOk((await pool.run(i)) === i + 1, 'result');
    };
    await Promise.all(Array.from({ length: o.conc }, loop));
    return (per * o.conc) / ((performance.now() - start) / 1000);
  };
  await once();
  const rates = [];
  for (let r = 0; r < o.runs; r++) rates.push(await once());
  await pool.destroy();
  return { value: Math.round(median(rates)), all: rates.map(Math.round), threads: pool.maxThreads };
}

async function oursRtt(o) {
  const { run, ThreadPool } = await ours();
  const pool = new ThreadPool(o.threads);
  const add = (x) => x + 1;
  const times = await run(function* () {
    yield* pool.map(
      add,
      Array.from({ length: 200 }, (_, i) => i),
    );
    for (let i = 0; i < 200; i++) yield* pool.apply(add, [i]);
    const out = [];
    for (let i = 0; i < o.n; i++) {
      const start = performance.now();
      yield* pool.apply(add, [i]);
      out.push(performance.now() - start);
    }
    yield* pool.close();
    return out;
  });
  return {
    value: round1(percentile(times, 0.5) * 1000),
    p99_us: round1(percentile(times, 0.99) * 1000),
  };
}

async function piscinaRtt(o) {
  const { Piscina } = await import('piscina');
  const pool = new Piscina({ filename: THIS });
  for (let i = 0; i < 400; i++) await pool.run(i);
  const times = [];
  for (let i = 0; i < o.n; i++) {
    const start = performance.now();
    await pool.run(i);
    times.push(performance.now() - start);
  }
  await pool.destroy();
  return {
    value: round1(percentile(times, 0.5) * 1000),
    p99_us: round1(percentile(times, 0.99) * 1000),
  };
}

/**
 * FNV-1a over a 64-byte block, `rounds` times: pure JavaScript CPU work on the worker thread.
 * (Not `crypto.createHash`: with OpenSSL 3 each call takes a process-wide lock to look the
 * algorithm up, so hashing with it does not scale across threads at all; see the docs.)
 */
const hashLoop = (rounds) => {
  const block = new Uint8Array(64);
  let h = 0x811c9dc5;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < 64; i++) h = Math.imul(h ^ block[i] ^ (r & 0xff), 0x01000193);
    block[r & 63] = h & 0xff;
  }
  return h >>> 0;
};

/** Raw worker_threads running `hashLoop`: the control (no pool, no hub, no piscina). */
async function rawWorkers(count) {
  const { Worker } = await import('node:worker_threads');
  const source = `const { parentPort } = require('node:worker_threads');
    const hashLoop = ${hashLoop.toString()};
    parentPort.on('message', (n) => parentPort.postMessage(hashLoop(n)));`;
  const workers = Array.from({ length: count }, () => new Worker(source, { eval: true }));
  const call = (w, n) =>
    new Promise((resolve) => {
      w.once('message', resolve);
      w.postMessage(n);
    });
  await Promise.all(workers.map((w) => call(w, 1000)));
  return {
    /** Seconds for o.tasks calls of `rounds` on the first `threads` workers. */
    async timed(threads, tasks, rounds) {
      let next = 0;
      const start = performance.now();
      const loop = async (w) => {
        while (next < tasks) {
          next++;
          await call(w, rounds);
        }
      };
      await Promise.all(workers.slice(0, threads).map(loop));
      return (performance.now() - start) / 1000;
    },
    close: () => Promise.all(workers.map((w) => w.terminate())),
  };
}

/**
 * Pool of 2 against pool of 1, `runs` times, each round followed by the same work on raw
 * worker_threads (the control), so both meet the same machine load; medians of the ratios.
 */
async function oursCpu(o) {
  const { run, spawn, sleep, ThreadPool, until } = await ours();
  const raw = await rawWorkers(2);
  return run(function* () {
    const pools = [
      new ThreadPool(1, { niceIncrement: o.nice }),
      new ThreadPool(2, { niceIncrement: o.nice }),
    ];
    for (const pool of pools) yield* pool.map((x) => x, [1, 2]); // threads up
    const rounds = yield* calibrate(pools[0], o.ms);
    const timed = function* (pool) {
      const lags = [];
      let ticking = true;
      const ticker = spawn(function* () {
        while (ticking) {
          const start = performance.now();
          yield* sleep(0.01);
          lags.push(performance.now() - start - 10);
        }
      });
      const start = performance.now();
      const cpu0 = process.cpuUsage();
      yield* pool.map(
        hashLoop,
        Array.from({ length: o.tasks }, () => rounds),
      );
      const seconds = (performance.now() - start) / 1000;
      const used = process.cpuUsage(cpu0);
      ticking = false;
      yield* ticker.join();
      return { seconds, lags, cores: (used.user + used.system) / 1e6 / seconds };
    };
    const ratios = [];
    const controls = [];
    const lags = [];
    const cores = [];
    const times = [];
    for (let r = 0; r < o.runs; r++) {
      const one = yield* timed(pools[0]);
      const two = yield* timed(pools[1]);
      ratios.push(two.seconds / one.seconds);
      times.push([one.seconds, two.seconds]);
      lags.push(...two.lags);
      cores.push(two.cores);
      const raw1 = yield* until(raw.timed(1, o.tasks, rounds));
      const raw2 = yield* until(raw.timed(2, o.tasks, rounds));
      controls.push(raw2 / raw1);
    }
    for (const pool of pools) yield* pool.close();
    yield* until(raw.close());
    const at = ratios.indexOf(median(ratios));
    return {
      value: +median(ratios).toFixed(3),
      pool1_s: +times[at][0].toFixed(3),
      pool2_s: +times[at][1].toFixed(3),
      control: +median(controls).toFixed(3),
      ratios: ratios.map((x) => +x.toFixed(3)),
      controls: controls.map((x) => +x.toFixed(3)),
      task_ms: o.ms,
      tick_p99_lag_ms: +percentile(lags, 0.99).toFixed(2),
      cores_used_pool2: +median(cores).toFixed(2),
    };
  });
}

/** Rounds of hashLoop for ~`ms` ms, timed inside the worker once the JIT has warmed up. */
function* calibrate(pool, ms) {
  const timedHash = (n) => {
    const start = performance.now();
    let h = 0x811c9dc5;
    const block = new Uint8Array(64);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < 64; i++) h = Math.imul(h ^ block[i] ^ (r & 0xff), 0x01000193);
      block[r & 63] = h & 0xff;
    }
    return [h, performance.now() - start];
  };
  let rounds = 2000;
  for (let i = 0; i < 4; i++) {
    const [, took] = yield* pool.apply(timedHash, [rounds]);
    rounds = Math.max(1, Math.round((rounds * ms) / Math.max(took, 0.01)));
  }
  return rounds;
}

function checkOk(condition, message) {
  if (!condition) throw new Error(`benchmark self-check failed: ${message}`);
}

const round1 = (x) => Math.round(x * 10) / 10;

/** Runs one variant in a fresh process (ours under tsx when measured from source). */
function measure(variant, o) {
  const python = variant.startsWith('gevent-');
  const common = [`--n=${o.n}`, `--conc=${o.conc}`, `--threads=${o.threads}`, `--runs=${o.runs}`];
  const cmd = python ? (process.env.GEVENT_PYTHON ?? '/usr/bin/python3') : process.execPath;
  const argv = python
    ? [`${here}gevent/threadpool.py`, `--variant=${variant.slice(7)}`, ...common, `--ms=${o.ms}`]
    : [
        ...(BUILT && !o.source ? [] : ['--import', 'tsx']),
        THIS,
        `--variant=${variant}`,
        ...common,
        `--ms=${o.ms}`,
        ...(o.source ? ['--source'] : []),
      ];
  const out = spawnSync(cmd, argv, { cwd: root, encoding: 'utf8', timeout: 180_000 });
  const line = out.stdout.trim().split('\n').pop();
  if (out.status !== 0 || !line) {
    throw new Error(`${variant} failed (${out.status}): ${out.stderr.slice(-2000)}`);
  }
  return JSON.parse(line);
}

const VARIANTS = [
  'ours-throughput',
  'piscina-throughput',
  'gevent-throughput',
  'ours-rtt',
  'piscina-rtt',
  'gevent-rtt',
  'ours-cpu',
  'gevent-cpu',
];

/**
 * Every variant `repeat` times, interleaved (ours, piscina, gevent, ours, ...) so that load
 * from elsewhere on the machine hits them alike; per variant, the run with the median value.
 */
function sideBySide(o) {
  const runs = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  for (let i = 0; i < o.repeat; i++) {
    for (const v of VARIANTS) {
      runs[v].push(measure(v, o));
      process.stderr.write(`${v}: ${JSON.stringify(runs[v].at(-1))}\n`);
    }
  }
  const r = {};
  for (const v of VARIANTS) {
    const sorted = [...runs[v]].sort((a, b) => a.value - b.value);
    r[v] = { ...sorted[Math.floor(sorted.length / 2)], values: runs[v].map((x) => x.value) };
  }
  const x = (a, b) => `${(a / b).toFixed(2)}x`;
  const met = (ok) => (ok ? 'met' : 'NOT met');
  const tput = r['ours-throughput'].value;
  const gtput = r['gevent-throughput'].value;
  const cpu = r['ours-cpu'];
  const gcpu = r['gevent-cpu'];
  const lines = [
    `ThreadPool benchmark (${BUILT && !o.source ? 'dist/' : 'source via tsx'}; node ${process.version}; ${o.n} tasks, ${o.conc} callers, ${o.threads} threads; median of ${o.repeat} interleaved runs; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})`,
    '',
    '| measure | gevent-ts | piscina (defaults) | gevent 22.10 | ratio | target |',
    '|---|---|---|---|---|---|',
    `| ${o.n} trivial tasks from ${o.conc} greenlets (tasks/s) | ${tput} | ${r['piscina-throughput'].value} | ${gtput} | ${x(tput, gtput)} gevent, ${x(tput, r['piscina-throughput'].value)} piscina | >= 1.5x gevent: ${met(tput >= 1.5 * gtput)} |`,
    `| single round trip p50 (us) | ${r['ours-rtt'].value} | ${r['piscina-rtt'].value} | ${r['gevent-rtt'].value} | | <= 50 us: ${met(r['ours-rtt'].value <= 50)} |`,
    `| ${o.tasks} x ~${o.ms} ms CPU: time on a pool of 2 / of 1 | ${cpu.value} (${cpu.pool2_s} s / ${cpu.pool1_s} s; rounds ${cpu.ratios.join(', ')}; ${cpu.cores_used_pool2} cores busy) | | ${gcpu.value} (${gcpu.pool2_s} s / ${gcpu.pool1_s} s) | | <= 0.6: ${met(cpu.value <= 0.6)} |`,
    `| the same on raw worker_threads, in the same rounds (control: what the machine gave 2 threads) | ${cpu.control} (rounds ${cpu.controls.join(', ')}) | | | | |`,
    `| 10 ms ticker p99 lag meanwhile (ms) | ${cpu.tick_p99_lag_ms} | | ${gcpu.tick_p99_lag_ms} | | < 5 ms: ${met(cpu.tick_p99_lag_ms < 5)} |`,
    '',
    `all runs: ${VARIANTS.map((v) => `${v} ${r[v].values.join('/')}`).join('; ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function options() {
  const o = {
    variant: 'side-by-side',
    n: 20000,
    conc: 100,
    threads: 4,
    runs: 3,
    ms: 50,
    tasks: 8,
    nice: 0,
    repeat: 3,
  };
  o.source = process.argv.includes('--source');
  for (const arg of process.argv.slice(2)) {
    if (arg === '--source') continue;
    const match = /^--(\w+)=(.*)$/.exec(arg);
    if (match === null || !(match[1] in o)) throw new TypeError(`bad argument ${arg}`);
    o[match[1]] = typeof o[match[1]] === 'number' ? Number(match[2]) : match[2];
  }
  if (o.variant === 'ours-rtt' || o.variant === 'piscina-rtt') o.n = Math.min(o.n, 5000);
  return o;
}

async function main() {
  const o = options();
  const variants = {
    'ours-throughput': oursThroughput,
    'piscina-throughput': piscinaThroughput,
    'ours-rtt': oursRtt,
    'piscina-rtt': piscinaRtt,
    'ours-cpu': oursCpu,
  };
  if (o.variant === 'side-by-side') return sideBySide(o);
  const fn = variants[o.variant];
  if (fn === undefined) throw new TypeError(`unknown variant ${o.variant}`);
  process.stdout.write(`${JSON.stringify(await fn(o))}\n`);
  process.exit(0);
}

if (isMainThread) await main();
