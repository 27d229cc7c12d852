/**
 * Benchmark: gevent-ts/subprocess (issue 5 targets). Layer: scripts/bench, our side; imports the
 * built package. Baselines: `subprocess.node.mjs` (plain child_process), `gevent/subprocess.py`.
 *
 * Variants (one per process, `--variant=`):
 * - `checkOutput`: `checkOutput(['true'])` x n from `greenlets` greenlets; value = calls/s
 *   (target >= 90% of execFile's rate and >= 3x gevent.subprocess's).
 * - `communicate`: `new Popen(['cat']).communicate(mib MiB)`; value = MB/s (1e6 bytes), the
 *   output held as one Buffer as Python returns it (target >= 90% of a raw pipe, >= 1.5x gevent).
 * - `stream`: the same bytes through cat, written with `stdin.write` and read with
 *   `stdout.read1()` by two greenlets and dropped: the cost of the cooperative pipes alone.
 * - `compare`: the side-by-side run: every variant of this script, of the plain-Node baseline
 *   and of gevent, each in a fresh process, interleaved for `rounds` rounds; prints the medians
 *   and the ratios the targets are stated in.
 *
 * @example
 * node --expose-gc scripts/bench/subprocess.mjs --variant=checkOutput --n=300 --greenlets=10
 * node --expose-gc scripts/bench/subprocess.mjs --variant=communicate --mib=64
 * node scripts/bench/subprocess.mjs --variant=compare --rounds=7
 */

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { joinall, run, spawn } from '../../dist/core/index.js';
import { checkOutput, PIPE, Popen } from '../../dist/core/subprocess/index.js';
import { args, check, collectGarbage, report, seconds } from './_harness.mjs';

const { variant, n, greenlets, mib, rounds } = args({
  variant: 'checkOutput',
  n: 300,
  greenlets: 10,
  mib: 64,
  rounds: 7,
});

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
} else if (variant === 'compare') {
  compare();
} else {
  throw new TypeError(`unknown --variant=${variant}: checkOutput, communicate, stream or compare`);
}

/** Runs every measurement `rounds` times, interleaved, each in a fresh process. */
function compare() {
  const here = import.meta.dirname;
  const node = (script, v) => [
    process.execPath,
    ['--expose-gc', join(here, script), `--variant=${v}`],
  ];
  const gevent = (v) => [
    '/usr/bin/python3',
    [join(here, 'gevent', 'subprocess.py'), `--variant=${v}`],
  ];
  const runs = {
    'ours checkOutput': node('subprocess.mjs', 'checkOutput'),
    'node execFile': node('subprocess.node.mjs', 'execFile'),
    'gevent check_output': gevent('check_output'),
    'ours communicate': node('subprocess.mjs', 'communicate'),
    'ours stream (read1)': node('subprocess.mjs', 'stream'),
    'node pipe': node('subprocess.node.mjs', 'pipe'),
    'node pipe + concat': node('subprocess.node.mjs', 'pipeCollect'),
    'gevent communicate': gevent('communicate'),
  };
  const seen = Object.fromEntries(Object.keys(runs).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, [cmd, argv]] of Object.entries(runs)) {
      const out = execFileSync(cmd, argv, { encoding: 'utf8', timeout: 300_000 });
      seen[name].push(JSON.parse(out.trim().split('\n').pop()).value);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const m = Object.fromEntries(Object.entries(seen).map(([name, xs]) => [name, median(xs)]));
  for (const [name, xs] of Object.entries(seen)) {
    const unit = name.includes('heck') || name.includes('exec') ? 'calls/s' : 'MB/s';
    console.log(
      `${name.padEnd(22)} median ${m[name].toFixed(1).padStart(7)} ${unit}   runs ${xs.map((x) => x.toFixed(0)).join(' ')}`,
    );
  }
  const ratio = (a, b) => `${(m[a] / m[b]).toFixed(2)}x`;
  console.log(
    `checkOutput / execFile           ${ratio('ours checkOutput', 'node execFile')} (target >= 0.90)`,
  );
  console.log(
    `checkOutput / gevent             ${ratio('ours checkOutput', 'gevent check_output')} (target >= 3)`,
  );
  console.log(
    `communicate / raw pipe           ${ratio('ours communicate', 'node pipe')} (target >= 0.90)`,
  );
  console.log(
    `communicate / raw pipe + concat  ${ratio('ours communicate', 'node pipe + concat')}`,
  );
  console.log(`stream (read1) / raw pipe        ${ratio('ours stream (read1)', 'node pipe')}`);
  console.log(
    `communicate / gevent             ${ratio('ours communicate', 'gevent communicate')} (target >= 1.5)`,
  );
}
