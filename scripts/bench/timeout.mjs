/**
 * Benchmark: Timeout create + start + cancel, N times, never firing (issue 2 target: >= 1.5x
 * gevent's `with Timeout(10): pass`). Layer: scripts/bench, our side; imports the built
 * package. Baselines: `gevent/timeout.py`, `effection/timeout.mjs`, `timeout.node.mjs`.
 *
 * The loop body is the TypeScript form of gevent's `with Timeout(10): pass`:
 * `const t = Timeout.startNew(10); try {} finally { t.cancel(); }` (what `using` compiles to),
 * run inside the main greenlet. Prints `{ value: Timeouts per second, totalSeconds }`.
 *
 * @example
 * node --expose-gc scripts/bench/timeout.mjs --n=200000
 */

import { getHub, run, Timeout } from '../../dist/core/index.js';
import { args, check, collectGarbage, cpuNow, report, seconds } from './_harness.mjs';

const { n } = args({ n: 200_000 });

/** Arms and cancels `count` Timeouts: `using _ = Timeout.startNew(10) {}` in gevent's terms. */
function* armAndCancel(count) {
  for (let i = 0; i < count; i++) {
    const timeout = Timeout.startNew(10);
    try {
      // the body of `with Timeout(10): pass`
    } finally {
      timeout.cancel();
    }
  }
}

/** The measured statement really arms a timer and disarms it. */
function* selfCheck() {
  const timeout = Timeout.startNew(10);
  check(timeout.pending && getHub().timers.size === 1, 'Timeout(10) is armed');
  timeout.cancel();
  check(!timeout.pending && getHub().timers.size === 0, 'Timeout(10) is disarmed');
}

await run(selfCheck);
await run(armAndCancel, n); // warm-up: one untimed full-size round, so the JIT has settled
collectGarbage();
const t0 = performance.now();
const c0 = cpuNow();
await run(armAndCancel, n);
const total = seconds(t0);
const cpu = cpuNow() - c0;
check(getHub().timers.size === 0, 'no live timer left behind');
report({
  value: n / total,
  cpuValue: n / cpu,
  microsEach: (total / n) * 1e6,
  totalSeconds: total,
  n,
});
