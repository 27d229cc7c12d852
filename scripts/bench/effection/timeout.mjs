/**
 * Effection 4 baseline for ../timeout.mjs: a deadline around a no-op body, N times.
 * Layer: scripts/bench/effection, baseline (npm `effection`).
 *
 * Effection has no Timeout object; its idiom for a deadline is `race([body, sleep(ms)])`, which
 * spawns a task per contender. That is far heavier than arming a timer, so this runs a smaller
 * N by default (the runner passes 10,000) and is a reference, not a like-for-like figure.
 * Prints `{ value: deadlines per second, totalSeconds }`.
 *
 * @example
 * node --expose-gc scripts/bench/effection/timeout.mjs --n=10000
 */

import { race, run, sleep } from 'effection';
import { args, check, collectGarbage, cpuNow, report, seconds } from '../_harness.mjs';

const { n } = args({ n: 10_000 });

function* noop() {
  return 1;
}

function* raceMany(count) {
  let won = 0;
  for (let i = 0; i < count; i++) won += yield* race([noop(), sleep(10_000)]);
  return won;
}

await run(() => raceMany(1000)); // warm-up
collectGarbage();
const t0 = performance.now();
const c0 = cpuNow();
const won = await run(() => raceMany(n));
const total = seconds(t0);
const cpu = cpuNow() - c0;
check(won === n, `the body won ${won} of ${n} races`);
report({
  value: n / total,
  cpuValue: n / cpu,
  microsEach: (total / n) * 1e6,
  totalSeconds: total,
  n,
});
