/**
 * Benchmark: spawn + joinall of N no-op greenlets (issue 2 target: >= 15x gevent's rate).
 * Layer: scripts/bench, our side; imports the built package. Baselines: `gevent/spawn.py`,
 * `effection/spawn.mjs`, `spawn.node.mjs`.
 *
 * Timed inside the main greenlet, as gevent's script is: from before the first spawn to the
 * return of joinall. Prints `{ value: greenlets per second, spawnOnlyPerSec, totalSeconds }`.
 *
 * @example
 * node --expose-gc scripts/bench/spawn.mjs --n=100000
 */

import { joinall, run, spawn } from '../../dist/core/index.js';
import { args, check, collectGarbage, cpuNow, report, seconds } from './_harness.mjs';

const { n } = args({ n: 100_000 });

function* noop() {
  return 1;
}

/** Spawns `count` no-op greenlets, joins them all, and returns the timings. */
function* spawnAndJoin(count) {
  const t0 = performance.now();
  const c0 = cpuNow();
  const greenlets = new Array(count);
  for (let i = 0; i < count; i++) greenlets[i] = spawn(noop);
  const spawned = seconds(t0);
  yield* joinall(greenlets);
  const total = seconds(t0);
  const cpu = cpuNow() - c0;
  let ok = 0;
  for (const g of greenlets) if (g.successful() && g.value === 1) ok++;
  check(ok === count, `${ok} of ${count} greenlets succeeded`);
  return { spawned, total, cpu };
}

await run(spawnAndJoin, n); // warm-up: one untimed full-size round, so the JIT has settled
collectGarbage();
const { spawned, total, cpu } = await run(spawnAndJoin, n);
report({
  value: n / total,
  cpuValue: n / cpu,
  spawnOnlyPerSec: n / spawned,
  totalSeconds: total,
  n,
});
