/**
 * Benchmark: gevent-ts/subprocess (issue 5 targets). Layer: scripts/bench, our side; imports the
 * built package. Baselines: `subprocess.node.mjs` (plain child_process) and
 * `gevent/b7_subprocess.py`, a byte-for-byte copy of the anchor's gevent script
 * (`shared/anchors/gevent/bench/b7_subprocess.py`: both gevent figures from one process).
 *
 * Variants (one per process, `--variant=`):
 * - `checkOutput`: `checkOutput(['true'])` x n from `greenlets` greenlets; value = calls/s
 *   (target >= 90% of execFile's rate and >= 3x gevent.subprocess's).
 * - `communicate`: `new Popen(['cat']).communicate(mib MiB)`; value = MB/s (1e6 bytes), the
 *   output held as one Buffer as Python returns it (target >= 90% of a raw pipe, >= 1.5x gevent).
 * - `stream`: the same bytes through cat, written with `stdin.write` and read with
 *   `stdout.read1()` by two greenlets and dropped: the cost of the cooperative pipes alone.
 * - `nodeSpawn`: no library: `child_process.spawn('true')` with ours' stdio (one pipe, for
 *   stdout), n from `greenlets` async loops: the ceiling of any spawn through child_process.
 * - `compare`: the side-by-side run: every variant of this script, of the plain-Node baseline
 *   and of gevent, each in a fresh process, interleaved for `rounds` rounds; prints medians,
 *   ranges, and the ratios the issue's targets are stated in (ratio of the medians, and the
 *   median of the per-round ratios, steadier when the machine's load drifts). `ours` rows use
 *   the default spawner (native posix_spawn when the addon is built); the `node spawner` row is
 *   the same checkOutput with GEVENT_SUBPROCESS_SPAWNER=node (libuv's fork). `--rows=spawn`
 *   runs only the spawning rows.
 *
 * @example
 * node --expose-gc scripts/bench/subprocess.mjs --variant=checkOutput --n=300 --greenlets=10
 * node --expose-gc scripts/bench/subprocess.mjs --variant=communicate --mib=64
 * node scripts/bench/subprocess.mjs --variant=compare --rounds=7
 */

import { execFileSync, spawn as spawnChild } from 'node:child_process';
import { join } from 'node:path';
import { joinall, run, spawn } from '../../dist/core/index.js';
import { checkOutput, PIPE, Popen } from '../../dist/core/subprocess/index.js';
import { args, check, collectGarbage, report, seconds } from './_harness.mjs';

const { variant, n, greenlets, mib, rounds, rows } = args({
  variant: 'checkOutput',
  n: 300,
  greenlets: 10,
  mib: 64,
  rounds: 7,
  rows: 'all',
});

/** The two figures the anchor's gevent script prints, by the names compare() shows. */
const GEVENT_FIGURES = {
  'gevent check_output': 'check_output_true_per_sec',
  'gevent communicate': 'communicate_cat_64MiB_MBps',
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** `total` calls of checkOutput(['true']) spread over `count` greenlets. */
function* checkOutputGrid(total, count) {
  const body = function* () {
    for (let i = 0; i < total / count; i++) {
      const out = yield* checkOutput(['true']);
      check(out.length === 0, 'true printed something');
    }
  };
  yield* joinall(
    Array.from({ length: count }, () => spawn(body)),
    { raiseError: true },
  );
}

/** Sends `data` through cat with communicate(); returns the output. */
function* throughCat(data) {
  const p = new Popen(['cat'], { stdin: PIPE, stdout: PIPE });
  const [out] = yield* p.communicate(data, 120);
  check(p.returncode === 0, `cat exited with ${p.returncode}`);
  return out;
}

/** Sends `data` through cat, reading with read1() and dropping it; returns the byte count. */
function* streamThroughCat(data) {
  const p = new Popen(['cat'], { stdin: PIPE, stdout: PIPE });
  const writer = spawn(function* () {
    yield* p.stdin.write(data);
    yield* p.stdin.close();
  });
  let received = 0;
  for (;;) {
    const chunk = yield* p.stdout.read1();
    if (chunk.length === 0) break;
    received += chunk.length;
  }
  yield* writer.get();
  yield* p.wait();
  return received;
}

/** `total` plain spawns of `true` (stdout a pipe, drained) from `count` async loops. */
async function nodeSpawnGrid(total, count) {
  const once = () =>
    new Promise((resolve, reject) => {
      const child = spawnChild('true', [], { stdio: ['inherit', 'pipe', 'inherit'] });
      child.stdout.resume();
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
    });
  await Promise.all(
    Array.from({ length: count }, async () => {
      for (let i = 0; i < total / count; i++) await once();
    }),
  );
}

if (variant === 'checkOutput') {
  await run(checkOutputGrid, greenlets, greenlets); // warm-up
  collectGarbage();
  const t0 = performance.now();
  await run(checkOutputGrid, n, greenlets);
  const total = seconds(t0);
  report({ value: n / total, totalSeconds: total, n, greenlets });
} else if (variant === 'communicate' || variant === 'stream') {
  const data = Buffer.alloc(mib * 2 ** 20, 'x');
  const once = variant === 'communicate' ? throughCat : streamThroughCat;
  await run(once, data.subarray(0, 2 ** 20)); // warm-up
  collectGarbage();
  const t0 = performance.now();
  const out = await run(once, data);
  const total = seconds(t0);
  if (variant === 'communicate') check(data.equals(out), 'the output differs from the input');
  else check(out === data.length, `${out} bytes came back, expected ${data.length}`);
  report({ value: data.length / total / 1e6, totalSeconds: total, mib });
} else if (variant === 'nodeSpawn') {
  await nodeSpawnGrid(greenlets, greenlets); // warm-up
  collectGarbage();
  const t0 = performance.now();
  await nodeSpawnGrid(n, greenlets);
  const total = seconds(t0);
  report({ value: n / total, totalSeconds: total, n, greenlets });
} else if (variant === 'compare') {
  compare();
} else {
  throw new TypeError(
    `unknown --variant=${variant}: checkOutput, communicate, stream, nodeSpawn or compare`,
  );
}

/** One measurement process; returns { name: value } (gevent's script gives two figures). */
function measure(name, [cmd, argv, env = {}]) {
  const options = { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } };
  const out = execFileSync(cmd, argv, options);
  const result = JSON.parse(out.trim().split('\n').pop());
  if (!name.startsWith('gevent')) return { [name]: result.value };
  return Object.fromEntries(Object.entries(GEVENT_FIGURES).map(([k, key]) => [k, result[key]]));
}

/** Runs every measurement `rounds` times, interleaved, each in a fresh process. */
function compare() {
  const here = import.meta.dirname;
  const node = (script, v, env) => [
    process.execPath,
    ['--expose-gc', join(here, script), `--variant=${v}`],
    env,
  ];
  const forked = { GEVENT_SUBPROCESS_SPAWNER: 'node' };
  const runs = {
    'ours checkOutput': node('subprocess.mjs', 'checkOutput'),
    'ours checkOutput, node spawner': node('subprocess.mjs', 'checkOutput', forked),
    'node execFile': node('subprocess.node.mjs', 'execFile'),
    'node spawn (ceiling)': node('subprocess.mjs', 'nodeSpawn'),
    'gevent (anchor b7)': ['/usr/bin/python3', [join(here, 'gevent', 'b7_subprocess.py')]],
  };
  if (rows !== 'spawn') {
    Object.assign(runs, {
      'ours communicate': node('subprocess.mjs', 'communicate'),
      'ours stream (read1)': node('subprocess.mjs', 'stream'),
      'node pipe, dropped': node('subprocess.node.mjs', 'pipe'),
      'node pipe, kept': node('subprocess.node.mjs', 'pipeCollect'),
    });
  }
  const seen = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, command] of Object.entries(runs)) {
      for (const [k, v] of Object.entries(measure(name, command))) (seen[k] ??= []).push(v);
    }
  }
  const m = Object.fromEntries(Object.entries(seen).map(([name, xs]) => [name, median(xs)]));
  for (const [name, xs] of Object.entries(seen)) {
    const unit = /check|exec|spawn \(/i.test(name) ? 'calls/s' : 'MB/s';
    const range = `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}`;
    console.log(
      `${name.padEnd(30)} median ${m[name].toFixed(0).padStart(5)} ${unit.padEnd(7)} range ${range.padEnd(9)} runs ${xs.map((x) => x.toFixed(0)).join(' ')}`,
    );
  }
  const ratio = (a, b, target) => {
    const rounds = seen[a].map((x, i) => x / seen[b][i]);
    const spread = `${Math.min(...rounds).toFixed(2)}-${Math.max(...rounds).toFixed(2)}`;
    const goal = target === undefined ? '' : ` target >= ${target}`;
    console.log(
      `${`${a} / ${b}`.padEnd(46)} ${(m[a] / m[b]).toFixed(2)}x, per round ${median(rounds).toFixed(2)}x (${spread})${goal}`,
    );
  };
  ratio('ours checkOutput', 'node execFile', 0.9);
  ratio('ours checkOutput', 'gevent check_output', 3);
  ratio('ours checkOutput, node spawner', 'gevent check_output');
  ratio('ours checkOutput', 'ours checkOutput, node spawner');
  ratio('node spawn (ceiling)', 'gevent check_output');
  if (rows === 'spawn') return;
  ratio('ours communicate', 'node pipe, kept', 0.9);
  ratio('ours communicate', 'node pipe, dropped', 0.9);
  ratio('ours communicate', 'gevent communicate', 1.5);
  ratio('ours stream (read1)', 'node pipe, dropped');
}
