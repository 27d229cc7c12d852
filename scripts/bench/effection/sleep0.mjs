/**
 * Effection 4 baseline for ../sleep0.mjs: `sleep(0)` in G tasks x I iterations.
 * Layer: scripts/bench/effection, baseline (npm `effection`).
 *
 * Effection's `sleep(0)` is a `setTimeout(resolve, 0)` (Node rounds it up to 1 ms), so this
 * measures timer turns rather than a run-queue hop; it is the yield Effection offers.
 * Prints `{ value: sleep(0) calls per second, totalSeconds }`.
 *
 * @example
 * node --expose-gc scripts/bench/effection/sleep0.mjs --greenlets=1000 --iterations=200
 */

import { run, sleep, spawn } from 'effection';
import { args, check, collectGarbage, cpuNow, report, seconds } from '../_harness.mjs';

const { greenlets, iterations } = args({ greenlets: 1000, iterations: 200 });

function* sleepGrid(count, times) {
  let sleeps = 0;
  const body = function* () {
    for (let i = 0; i < times; i++) {
      yield* sleep(0);
      sleeps++;
    }
  };
  const tasks = new Array(count);
  for (let i = 0; i < count; i++) tasks[i] = yield* spawn(body);
  for (const task of tasks) yield* task;
  return sleeps;
}

await run(() => sleepGrid(100, 20)); // warm-up
collectGarbage();
const t0 = performance.now();
const c0 = cpuNow();
const sleeps = await run(() => sleepGrid(greenlets, iterations));
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
