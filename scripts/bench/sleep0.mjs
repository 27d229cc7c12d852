/**
 * Benchmark: `sleep(0)` in G greenlets x I iterations (issue 2 target: >= 5x gevent).
 * Layer: scripts/bench, our side; imports the built package. Baselines: `gevent/sleep0.py`,
 * `effection/sleep0.mjs`, `sleep0.node.mjs`.
 *
 * Every `sleep(0)` sends the greenlet to the back of the run queue, so the G greenlets take
 * turns round-robin. Prints `{ value: sleep(0) calls per second, totalSeconds }`.
 *
 * @example
 * node --expose-gc scripts/bench/sleep0.mjs --greenlets=1000 --iterations=200
 */

import { joinall, run, sleep, spawn } from '../../dist/core/index.js';
import { args, check, collectGarbage, cpuNow, report, seconds } from './_harness.mjs';

const { greenlets, iterations } = args({ greenlets: 1000, iterations: 200 });

/** Runs `count` greenlets that each sleep(0) `times` times; returns the number of sleeps. */
function* sleepGrid(count, times) {
  let sleeps = 0;
  const body = function* () {
    for (let i = 0; i < times; i++) {
      yield* sleep(0);
      sleeps++;
    }
  };
  const all = new Array(count);
  for (let i = 0; i < count; i++) all[i] = spawn(body);
  yield* joinall(all, { raiseError: true });
  return sleeps;
}

await run(sleepGrid, 100, 20); // warm-up
collectGarbage();
const t0 = performance.now();
const c0 = cpuNow();
const sleeps = await run(sleepGrid, greenlets, iterations);
const total = seconds(t0);
const cpu = cpuNow() - c0;
check(sleeps === greenlets * iterations, `${sleeps} sleeps, expected ${greenlets * iterations}`);
report({
  value: sleeps / total,
  cpuValue: sleeps / cpu,
  totalSeconds: total,
  greenlets,
  iterations,
});
