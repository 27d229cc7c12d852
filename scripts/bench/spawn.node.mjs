/**
 * Plain-Node baseline for `spawn.mjs`: N async functions that each await once (a no-op task
 * that yields to the scheduler), collected with `Promise.all`. Layer: scripts/bench, baseline.
 *
 * Prints `{ value: tasks per second, totalSeconds }`.
 *
 * @example
 * node --expose-gc scripts/bench/spawn.node.mjs --n=100000
 */

import { args, check, collectGarbage, cpuNow, report, seconds } from './_harness.mjs';

const { n } = args({ n: 100_000 });

async function noop() {
  await null;
  return 1;
}

/** Starts `count` async no-ops and waits for all of them; returns wall and CPU seconds. */
async function startAndAwait(count) {
  const t0 = performance.now();
  const c0 = cpuNow();
  const tasks = new Array(count);
  for (let i = 0; i < count; i++) tasks[i] = noop();
  const values = await Promise.all(tasks);
  const total = seconds(t0);
  const cpu = cpuNow() - c0;
  check(values.length === count && values.every((v) => v === 1), 'every task returned 1');
  return { total, cpu };
}

await startAndAwait(n); // warm-up: one untimed full-size round, so the JIT has settled
collectGarbage();
const { total, cpu } = await startAndAwait(n);
report({ value: n / total, cpuValue: n / cpu, totalSeconds: total, n });
