/**
 * Effection 4 baseline for ../spawn.mjs: spawn N no-op child operations, then join each.
 * Layer: scripts/bench/effection, baseline (npm `effection`, a devDependency).
 *
 * Timed inside the root operation from before the first spawn to the last join.
 * Prints `{ value: tasks per second, spawnOnlyPerSec, totalSeconds }`.
 *
 * @example
 * node --expose-gc scripts/bench/effection/spawn.mjs --n=100000
 */

import { run, spawn } from 'effection';
import { args, check, collectGarbage, cpuNow, report, seconds } from '../_harness.mjs';

const { n } = args({ n: 100_000 });

function* noop() {
  return 1;
}

/** Spawns `count` no-op tasks and joins each; returns the timings. */
function* spawnAndJoin(count) {
  const t0 = performance.now();
  const c0 = cpuNow();
  const tasks = new Array(count);
  for (let i = 0; i < count; i++) tasks[i] = yield* spawn(noop);
  const spawned = seconds(t0);
  let sum = 0;
  for (const task of tasks) sum += yield* task;
  const total = seconds(t0);
  const cpu = cpuNow() - c0;
  check(sum === count, `${sum} of ${count} tasks returned 1`);
  return { spawned, total, cpu };
}

await run(() => spawnAndJoin(1000)); // warm-up
collectGarbage();
const { spawned, total, cpu } = await run(() => spawnAndJoin(n));
report({
  value: n / total,
  cpuValue: n / cpu,
  spawnOnlyPerSec: n / spawned,
  totalSeconds: total,
  n,
});
