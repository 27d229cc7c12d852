/**
 * Plain-Node baseline for `timeout.mjs`: `setTimeout(fn, 10 s)` + `clearTimeout`, N times.
 * Layer: scripts/bench, baseline.
 *
 * Prints `{ value: pairs per second, totalSeconds }`.
 *
 * @example
 * node --expose-gc scripts/bench/timeout.node.mjs --n=200000
 */

import { args, check, collectGarbage, cpuNow, report, seconds } from './_harness.mjs';

const { n } = args({ n: 200_000 });
let fired = 0;
const onFire = () => fired++;

/** Arms and clears `count` Node timers. */
function armAndClear(count) {
  for (let i = 0; i < count; i++) {
    const handle = setTimeout(onFire, 10_000);
    clearTimeout(handle);
  }
}

armAndClear(n); // warm-up: one untimed full-size round, so the JIT has settled
collectGarbage();
const t0 = performance.now();
const c0 = cpuNow();
armAndClear(n);
const total = seconds(t0);
const cpu = cpuNow() - c0;
check(fired === 0, 'no timer fired');
report({
  value: n / total,
  cpuValue: n / cpu,
  microsEach: (total / n) * 1e6,
  totalSeconds: total,
  n,
});
